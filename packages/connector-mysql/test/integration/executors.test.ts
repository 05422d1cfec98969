import { type Logger, ManualClock, StreamingContext } from '@dstream/core';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queue, sinks } from './executor-job.js';
import { adminConnection, dropTables, freshName, rowsOf } from './mariadb.js';

let admin: Connection;
const tables: string[] = [];
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

beforeAll(async () => {
  admin = await adminConnection();
});

afterAll(async () => {
  await dropTables(admin, tables);
  await admin.end();
});

describe('mysqlSink on worker-thread executors (MariaDB)', () => {
  it('2 executors write every partition with their own pools (≤ 2 connections each), counts exact', async () => {
    const table = freshName('views');
    const markerTable = freshName('markers');
    const offsetTable = freshName('offsets');
    tables.push(table, markerTable, offsetTable);
    await admin.query(
      `CREATE TABLE \`${table}\` (page VARCHAR(20) PRIMARY KEY, views BIGINT NOT NULL) ENGINE=InnoDB`,
    );
    // Slow inserts, so that the executors' connections overlap and SHOW PROCESSLIST sees them.
    await admin.query(
      `CREATE TRIGGER \`${table}_slow\` BEFORE INSERT ON \`${table}\` FOR EACH ROW SET NEW.views = NEW.views + SLEEP(0.005)`,
    );
    process.env.DSTREAM_MYSQL_EXECUTOR_TABLES = JSON.stringify({ table, markerTable, offsetTable });
    const batches = Array.from({ length: 3 }, (_, b) =>
      Array.from({ length: 60 }, (_, i) => `/page-${(i * 7 + b) % 23}`),
    );
    queue.length = 0;
    sinks.length = 0;
    const clock = new ManualClock();
    const ctx = await StreamingContext.fromModule(
      new URL('./executor-job.ts', import.meta.url),
      'pageViews',
      {
        batchInterval: 1000,
        clock,
        executors: 2,
        logger: quiet,
      },
    );
    queue.push(...batches);
    const seen = new Set<number>();
    let mostAtOnce = 0;
    let running = true;
    const watcher = (async () => {
      while (running) {
        const [rows] = await admin.query(
          'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND ID <> CONNECTION_ID()',
          [`INSERT INTO \`${table}\`%`],
        );
        const ids = (rows as Array<{ id: number }>).map((r) => Number(r.id));
        for (const id of ids) seen.add(id);
        mostAtOnce = Math.max(mostAtOnce, ids.length);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    try {
      await ctx.start();
      for (let i = 1; i <= batches.length; i++) {
        clock.advance(1000);
        await ctx.whenBatchCompleted(i * 1000);
      }
      await ctx.stop();
    } finally {
      running = false;
      await watcher;
      delete process.env.DSTREAM_MYSQL_EXECUTOR_TABLES;
    }
    const expected = new Map<string, number>();
    for (const batch of batches) for (const page of batch) expected.set(page, (expected.get(page) ?? 0) + 1);
    const stored = new Map((await rowsOf(admin, table)).map((r) => [String(r.page), Number(r.views)]));
    expect(stored).toEqual(expected);
    // The driver's copy of the sink wrote nothing: every partition ran on an executor.
    expect(sinks).toHaveLength(1);
    expect(sinks[0]!.stats().written).toBe(0);
    expect((await rowsOf(admin, markerTable, 'batch_time')).length).toBeGreaterThan(0);
    // At most 2 executors × maxConnections 2 connections ever ran an INSERT into the table.
    expect(seen.size).toBeGreaterThanOrEqual(2);
    expect(seen.size).toBeLessThanOrEqual(4);
    expect(mostAtOnce).toBeLessThanOrEqual(4);
  });
});
