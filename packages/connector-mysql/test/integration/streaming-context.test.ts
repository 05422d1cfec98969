import { ConnectionError, TaskFailedError } from '@dstream/core';
import { createTestContext } from '@dstream/core/testing';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlSink, mysqlSource } from '../../src/index.js';
import { adminConnection, connection, dropTables, freshName, killingProvider, rowsOf } from './mariadb.js';

let admin: Connection;
const tables: string[] = [];

beforeAll(async () => {
  admin = await adminConnection();
});

afterAll(async () => {
  await dropTables(admin, tables);
  await admin.end();
});

async function countsTable(): Promise<{ table: string; markerTable: string; offsetTable: string }> {
  const table = freshName('wordcount');
  const markerTable = freshName('markers');
  const offsetTable = freshName('offsets');
  tables.push(table, markerTable, offsetTable);
  await admin.query(
    `CREATE TABLE \`${table}\` (word VARCHAR(100) PRIMARY KEY, count BIGINT NOT NULL) ENGINE=InnoDB`,
  );
  return { table, markerTable, offsetTable };
}

const lines = [
  ['the quick brown fox', 'jumps over the lazy dog'],
  ['the dog barks', 'the fox runs'],
  ['quick quick quick'],
];

function expectedCounts(): Array<{ word: string; count: number }> {
  const counts = new Map<string, number>();
  for (const batch of lines)
    for (const line of batch) for (const w of line.split(' ')) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([word, count]) => ({ word, count }));
}

describe('mysqlSink in a StreamingContext (MariaDB)', () => {
  it('queueStream → reduceByKey → transactional sink adds each batch once', async () => {
    const setup = await countsTable();
    const test = createTestContext({ batchInterval: 1000, defaultParallelism: 2 });
    const sink = mysqlSink<[string, number]>({
      connection,
      ...setup,
      columns: ['word', 'count'],
      key: 'word',
      mode: 'transactional',
      update: { count: 'increment' },
    });
    test.ctx
      .queueStream(lines.map((b) => [...b]))
      .flatMap((line) => line.split(' '))
      .map((w): [string, number] => [w, 1])
      .reduceByKey((a, b) => a + b)
      .to(sink);
    // queueStream cannot replay, so the job as a whole is at most once; the sink's step is transactional.
    expect(test.ctx.guarantees()[0]?.reasons.at(-1)).toMatch(/transactional \(rows, batch marker/);
    await test.advance(3);
    await test.stop();
    expect(await rowsOf(admin, setup.table)).toEqual(expectedCounts());
    // One marker per non-empty partition written.
    expect(await rowsOf(admin, setup.markerTable, 'batch_time')).toHaveLength(sink.stats().written);
    expect(sink.stats().skipped).toBe(0);
  });

  it('a connection killed mid-batch is retried by the engine: nothing lost, nothing doubled', async () => {
    const setup = await countsTable();
    // The 2nd INSERT into the table (batch 2, or the 2nd partition of batch 1) finds its connection killed.
    const { provider, killed } = killingProvider(admin, setup.table, 2);
    const test = createTestContext({ batchInterval: 1000, defaultParallelism: 2 });
    const sink = mysqlSink<[string, number]>({
      provider,
      ...setup,
      columns: ['word', 'count'],
      key: 'word',
      mode: 'transactional',
      update: { count: 'increment' },
    });
    test.ctx
      .queueStream(lines.map((b) => [...b]))
      .flatMap((line) => line.split(' '))
      .map((w): [string, number] => [w, 1])
      .reduceByKey((a, b) => a + b)
      .to(sink);
    await test.advance(3);
    expect(killed).toHaveLength(1);
    // The killed connection was dropped by the pool and the engine's retry took a fresh one.
    expect(provider.stats().closed).toBe(1);
    await test.stop();
    await provider.close();
    expect(await rowsOf(admin, setup.markerTable, 'batch_time')).toHaveLength(sink.stats().written);
    expect(await rowsOf(admin, setup.table)).toEqual(expectedCounts());
  });

  it('mysqlSource → map → upsert sink copies new rows batch by batch', async () => {
    const from = freshName('events');
    const to = freshName('copies');
    tables.push(from, to);
    await admin.query(
      `CREATE TABLE \`${from}\` (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB`,
    );
    await admin.query(`CREATE TABLE \`${to}\` (id INT PRIMARY KEY, upper_v VARCHAR(20)) ENGINE=InnoDB`);
    await admin.query(`INSERT INTO \`${from}\` (v) VALUES ('a'), ('b'), ('c')`);
    const test = createTestContext({ batchInterval: 1000, requireGuarantee: 'exactly-once' });
    test.ctx
      .source(
        mysqlSource<{ id: number; v: string }>({ connection, table: from, column: 'id', maxRowsPerBatch: 2 }),
      )
      .map((r) => ({ id: r.id, upper_v: r.v.toUpperCase() }))
      .to(mysqlSink({ connection, table: to, columns: ['id', 'upper_v'], key: 'id', mode: 'upsert' }));
    await test.advance(1);
    expect(await rowsOf(admin, to)).toHaveLength(2);
    await admin.query(`INSERT INTO \`${from}\` (v) VALUES ('d')`);
    await test.advance(2);
    await test.stop();
    expect(await rowsOf(admin, to)).toEqual([
      { id: 1, upper_v: 'A' },
      { id: 2, upper_v: 'B' },
      { id: 3, upper_v: 'C' },
      { id: 4, upper_v: 'D' },
    ]);
  });

  it('mysqlSource → transactional sink stores each partition offset range in its own transaction', async () => {
    const from = freshName('orders');
    const to = freshName('order_copies');
    const markerTable = freshName('markers');
    const offsetTable = freshName('offsets');
    tables.push(from, to, markerTable, offsetTable);
    await admin.query(
      `CREATE TABLE \`${from}\` (id INT AUTO_INCREMENT PRIMARY KEY, amount INT) ENGINE=InnoDB`,
    );
    await admin.query(`CREATE TABLE \`${to}\` (id INT PRIMARY KEY, amount INT) ENGINE=InnoDB`);
    await admin.query(
      `INSERT INTO \`${from}\` (amount) VALUES ${Array.from({ length: 9 }, (_, i) => `(${i * 10})`).join(', ')}`,
    );
    const test = createTestContext({ batchInterval: 1000, requireGuarantee: 'exactly-once' });
    const sink = mysqlSink<{ id: number; amount: number }>({
      connection,
      table: to,
      markerTable,
      offsetTable,
      columns: ['id', 'amount'],
      key: 'id',
      mode: 'transactional',
      jobId: 'copy-orders',
    });
    test.ctx
      .source(
        mysqlSource<{ id: number; amount: number }>({
          connection,
          table: from,
          column: 'id',
          maxRowsPerBatch: 6,
          numPartitions: 3,
        }),
      )
      .filter((o) => o.amount >= 0)
      .to(sink);
    await test.advance(1);
    // Batch 1 read ids 1..6 in 3 partitions: each partition committed its rows and its range together.
    expect(await sink.offsetStore!.load('copy-orders', [from])).toEqual([
      { topic: from, partition: 0, offset: 3 },
      { topic: from, partition: 1, offset: 5 },
      { topic: from, partition: 2, offset: 7 },
    ]);
    await test.advance(1);
    await test.stop();
    expect(await rowsOf(admin, to)).toHaveLength(9);
    expect((await sink.offsetStore!.load('copy-orders', [from])).map((o) => o.offset)).toEqual([8, 9, 10]);
  });

  it('an unreachable server stops the context with a ConnectionError that names the sink', async () => {
    const test = createTestContext({ batchInterval: 1000, maxTaskAttempts: 2 });
    test.ctx.queueStream([[['a', 1] as [string, number]]]).to(
      mysqlSink<[string, number]>({
        connection: { ...connection, port: 1 },
        table: 'unreachable',
        columns: ['k', 'v'],
        key: 'k',
        mode: 'upsert',
      }),
    );
    await expect(test.advance(1)).rejects.toThrow();
    const error = await test.ctx.awaitTermination().then(
      () => undefined,
      (e: unknown) => e,
    );
    // Core runs sink.open() before the partition tasks (a ConnectionError there ends the context
    // directly); if open moves inside the task retries, the same error arrives as the cause.
    const connectionError = error instanceof TaskFailedError ? error.cause : error;
    expect(connectionError).toBeInstanceOf(ConnectionError);
    expect(String(connectionError)).toMatch(/mysqlSink\(unreachable\).*ECONNREFUSED 127\.0\.0\.1:1/);
  });
});
