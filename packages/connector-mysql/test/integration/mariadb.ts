import { randomUUID } from 'node:crypto';
import { type SinkContext, pooled } from '@dstream/core';
import { type Connection, createConnection } from 'mysql2/promise';
import type { MysqlConnection } from '../../src/index.js';

/** The MariaDB server that runs on our machines (see /work/shared/real-servers.md). */
export const connection = { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'test' };

const howToStart =
  'MariaDB must run on 127.0.0.1:3306 (user root, empty password, database test). Start it with: ' +
  'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd';

/** A plain mysql2 connection for setting up and checking tables; fails with how to start the server. */
export async function adminConnection(): Promise<Connection> {
  try {
    const admin = await createConnection(connection);
    admin.on('error', () => undefined);
    return admin;
  } catch (error) {
    throw new Error(`${howToStart} (${String(error)})`, { cause: error });
  }
}

/** A table name no other test uses. */
export function freshName(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
}

/** The SinkContext the engine would pass for one partition. */
export function sinkContext(overrides: Partial<SinkContext> = {}): SinkContext {
  return {
    outputId: 'output-0',
    batchTime: 1000,
    partition: 0,
    numPartitions: 1,
    offsetRanges: [],
    partitionOffsetRange: undefined,
    executorId: 0,
    attempt: 1,
    ...overrides,
  };
}

/** Every row of a table, ordered by its first column. */
export async function rowsOf(
  admin: Connection,
  table: string,
  columns = '*',
): Promise<Array<Record<string, unknown>>> {
  const [rows] = await admin.query(`SELECT ${columns} FROM \`${table}\` ORDER BY 1`);
  return rows as Array<Record<string, unknown>>;
}

/** Drops the tables a test made. */
export async function dropTables(admin: Connection, tables: readonly string[]): Promise<void> {
  for (const t of tables) await admin.query(`DROP TABLE IF EXISTS \`${t}\``);
}

/** Waits (bounded) until the server no longer lists a connection. */
async function waitUntilGone(admin: Connection, threadId: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const [rows] = await admin.query(
      'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ?',
      [threadId],
    );
    if (Number((rows as Array<{ n: number }>)[0]?.n) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`connection ${threadId} still listed 2 s after KILL CONNECTION`);
}

/**
 * Real mysql2 connections; just before the `killAt`-th INSERT into `table`, a second connection
 * runs `KILL CONNECTION` on the one about to send it, so the server drops it mid-batch.
 */
export function killingProvider(admin: Connection, table: string, killAt: number) {
  let inserts = 0;
  const killed: number[] = [];
  const provider = pooled<MysqlConnection>(
    async () => {
      const real = await createConnection(connection);
      real.on('error', () => undefined);
      const wrapped: MysqlConnection = {
        get threadId() {
          return real.threadId;
        },
        query: (sql, values) => real.query(sql, values),
        execute: async (sql, values) => {
          if (sql.startsWith(`INSERT INTO \`${table}\``) && ++inserts === killAt) {
            await admin.query('KILL CONNECTION ?', [real.threadId]);
            await waitUntilGone(admin, real.threadId);
            killed.push(real.threadId);
          }
          return real.execute(sql, values);
        },
        beginTransaction: () => real.beginTransaction(),
        commit: () => real.commit(),
        rollback: () => real.rollback(),
        end: () => real.end(),
        destroy: () => real.destroy(),
      };
      return wrapped;
    },
    { max: 2, close: (c) => c.destroy() },
  );
  return { provider, killed };
}
