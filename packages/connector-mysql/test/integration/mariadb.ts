import { randomUUID } from 'node:crypto';
import type { SinkContext } from '@dstream/core';
import { type Connection, createConnection } from 'mysql2/promise';

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
