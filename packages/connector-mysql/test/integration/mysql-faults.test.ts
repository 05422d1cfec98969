import { ConnectionError, SinkWriteError, pooled } from '@dstream/core';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MysqlConnection, mysqlOffsetStore, mysqlSink, mysqlSource } from '../../src/index.js';
import {
  adminConnection,
  connection,
  dropTables,
  freshName,
  killingProvider,
  rowsOf,
  sinkContext,
} from './mariadb.js';

let admin: Connection;
const tables: string[] = [];

beforeAll(async () => {
  admin = await adminConnection();
});

afterAll(async () => {
  await dropTables(admin, tables);
  await admin.end();
});

async function countsTable(): Promise<string> {
  const table = freshName('counts');
  tables.push(table);
  await admin.query(
    `CREATE TABLE \`${table}\` (word VARCHAR(100) PRIMARY KEY, count BIGINT NOT NULL) ENGINE=InnoDB`,
  );
  return table;
}

const words = Array.from({ length: 10 }, (_, i): [string, number] => [`w${i}`, i + 1]);

describe('faults (MariaDB)', () => {
  it('transactional: a connection killed mid-batch fails retryably, and the retry counts exactly once', async () => {
    const table = await countsTable();
    const markerTable = freshName('markers');
    const offsetTable = freshName('offsets');
    tables.push(markerTable, offsetTable);
    // Statements 1-4 write batch 1000; the kill hits the 3rd statement of batch 2000 (statement 7).
    const { provider, killed } = killingProvider(admin, table, 7);
    const sink = mysqlSink<[string, number]>({
      provider,
      table,
      markerTable,
      offsetTable,
      columns: ['word', 'count'],
      key: 'word',
      mode: 'transactional',
      update: { count: 'increment' },
      maxRowsPerStatement: 3,
    });
    await sink.writePartition(words, sinkContext({ batchTime: 1000 }));
    const failure = await sink.writePartition(words, sinkContext({ batchTime: 2000 })).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(killed).toHaveLength(1);
    expect(failure).toBeInstanceOf(ConnectionError);
    expect((failure as ConnectionError).retryable).toBe(true);
    expect((failure as ConnectionError).message).toMatch(/partition 0 of batch 2000/);
    // The server rolled the open transaction back: batch 2000 left nothing behind.
    expect((await rowsOf(admin, table)).map((r) => r.count)).toEqual(words.map(([, n]) => n));
    expect(await rowsOf(admin, markerTable, 'batch_time')).toEqual([{ batch_time: 1000 }]);
    // The dead connection went back to the pool with its error and was closed.
    expect(provider.stats()).toMatchObject({ created: 1, closed: 1, inUse: 0 });

    await sink.writePartition(words, sinkContext({ batchTime: 2000, attempt: 2 }));
    await sink.writePartition(words, sinkContext({ batchTime: 2000, attempt: 3 }));
    expect((await rowsOf(admin, table)).map((r) => r.count)).toEqual(words.map(([, n]) => 2 * n));
    expect(sink.stats()).toMatchObject({ written: 2, skipped: 1 });
    await provider.close();
  });

  it('upsert: a connection killed between statements fails retryably, and the retry completes the partition', async () => {
    const table = await countsTable();
    const { provider, killed } = killingProvider(admin, table, 2);
    const sink = mysqlSink<[string, number]>({
      provider,
      table,
      columns: ['word', 'count'],
      key: 'word',
      mode: 'upsert',
      maxRowsPerStatement: 4,
    });
    await expect(sink.writePartition(words, sinkContext())).rejects.toBeInstanceOf(ConnectionError);
    expect(killed).toHaveLength(1);
    // Autocommitted statements before the kill stay; the rest are missing until the retry.
    expect((await rowsOf(admin, table)).length).toBe(4);
    await sink.writePartition(words, sinkContext({ attempt: 2 }));
    expect((await rowsOf(admin, table)).map((r) => [r.word, r.count])).toEqual(
      [...words].sort((a, b) => a[0].localeCompare(b[0])),
    );
    await provider.close();
  });

  it('an unreachable server is a clear, retryable ConnectionError', async () => {
    const closedPort = { ...connection, port: 1, connectTimeout: 2000 };
    const sink = mysqlSink({ connection: closedPort, table: 't', columns: ['k'], key: 'k', mode: 'upsert' });
    const error = await sink.writePartition([['a']], sinkContext()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).retryable).toBe(true);
    expect((error as ConnectionError).message).toMatch(
      /mysqlSink\(t\).*MySQL connection failed \(ECONNREFUSED/,
    );
    await sink.close?.();

    const store = mysqlOffsetStore({ connection: closedPort });
    await expect(store.load('job', ['topic'])).rejects.toThrow(/mysqlOffsetStore.*ECONNREFUSED/);
    await store.close?.();
    const source = mysqlSource({ connection: closedPort, table: 't', column: 'id' });
    await expect(source.compute(1000)).rejects.toBeInstanceOf(ConnectionError);
    await source.stop?.();
  });

  it('never opens more than maxConnections per executor (provider stats and SHOW PROCESSLIST)', async () => {
    const table = await countsTable();
    // A trigger slows every insert so that the 8 concurrent partitions really queue for connections.
    await admin.query(
      `CREATE TRIGGER \`${table}_slow\` BEFORE INSERT ON \`${table}\` FOR EACH ROW SET NEW.count = NEW.count + SLEEP(0.02)`,
    );
    const sink = mysqlSink<[string, number]>({
      connection,
      maxConnections: 2,
      table,
      columns: ['word', 'count'],
      key: 'word',
      mode: 'upsert',
      maxRowsPerStatement: 1,
    });
    const seen = new Set<number>();
    let mostAtOnce = 0;
    let mostInUse = 0;
    let writing = true;
    const watcher = (async () => {
      while (writing) {
        const [rows] = await admin.query(
          'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND ID <> CONNECTION_ID()',
          [`INSERT INTO \`${table}\`%`],
        );
        const ids = (rows as Array<{ id: number }>).map((r) => Number(r.id));
        for (const id of ids) seen.add(id);
        mostAtOnce = Math.max(mostAtOnce, ids.length);
        mostInUse = Math.max(mostInUse, sink.stats().connections.inUse);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    try {
      await Promise.all(
        Array.from({ length: 8 }, (_, p) =>
          sink.writePartition(
            words.slice(0, 4).map(([w, n]): [string, number] => [`${w}-p${p}`, n]),
            sinkContext({ partition: p, numPartitions: 8 }),
          ),
        ),
      );
    } finally {
      writing = false;
      await watcher;
    }
    expect(await rowsOf(admin, table)).toHaveLength(32);
    expect(mostAtOnce).toBeGreaterThanOrEqual(1);
    expect(mostAtOnce).toBeLessThanOrEqual(2);
    expect(seen.size).toBeLessThanOrEqual(2);
    expect(mostInUse).toBeLessThanOrEqual(2);
    expect(sink.stats().connections.created).toBe(2);
    await sink.close?.();
    expect(sink.stats().connections).toMatchObject({ created: 2, closed: 2, inUse: 0, idle: 0 });
  });

  it('a lock wait timeout is a retryable SinkWriteError; the transaction rolls back and the retry succeeds', async () => {
    const table = await countsTable();
    const markerTable = freshName('markers');
    const offsetTable = freshName('offsets');
    tables.push(markerTable, offsetTable);
    const provider = pooled<MysqlConnection>(
      async () => {
        const c = await createConnection(connection);
        c.on('error', () => undefined);
        await c.query('SET SESSION innodb_lock_wait_timeout = 1');
        return c;
      },
      { max: 1, close: (c) => c.end() },
    );
    const sink = mysqlSink<[string, number]>({
      provider,
      table,
      markerTable,
      offsetTable,
      columns: ['word', 'count'],
      key: 'word',
      mode: 'transactional',
      update: { count: 'increment' },
      maxRowsPerStatement: 2,
    });
    await sink.open?.();
    // Another transaction holds the lock on w5, so the sink's second statement waits and times out.
    const holder = await createConnection(connection);
    await holder.beginTransaction();
    await holder.query(`INSERT INTO \`${table}\` (word, count) VALUES ('w5', 0)`);
    const failure = await sink.writePartition(words, sinkContext()).then(
      () => undefined,
      (error: unknown) => error,
    );
    await holder.rollback();
    await holder.end();
    expect(failure).toBeInstanceOf(SinkWriteError);
    expect((failure as SinkWriteError).retryable).toBe(true);
    expect((failure as SinkWriteError).message).toMatch(/ER_LOCK_WAIT_TIMEOUT/);
    expect(await rowsOf(admin, table)).toEqual([]);
    expect(await rowsOf(admin, markerTable)).toEqual([]);
    // The connection itself was fine: it went back to the pool and is reused.
    expect(provider.stats()).toMatchObject({ created: 1, closed: 0 });
    await sink.writePartition(words, sinkContext({ attempt: 2 }));
    expect((await rowsOf(admin, table)).map((r) => r.count)).toEqual(words.map(([, n]) => n));
    expect(provider.stats().created).toBe(1);
    await provider.close();
  });

  it('a value the column cannot hold is a SinkWriteError that is not retryable', async () => {
    const table = freshName('narrow');
    tables.push(table);
    await admin.query(`CREATE TABLE \`${table}\` (k INT PRIMARY KEY, v VARCHAR(5) NOT NULL) ENGINE=InnoDB`);
    const sink = mysqlSink({ connection, table, columns: ['k', 'v'], key: 'k', mode: 'upsert' });
    try {
      const failure = await sink.writePartition([[1, 'far too long']], sinkContext()).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(SinkWriteError);
      expect((failure as SinkWriteError).retryable).toBe(false);
      expect((failure as SinkWriteError).message).toMatch(/ER_DATA_TOO_LONG.*'v'/);
    } finally {
      await sink.close?.();
    }
  });
});
