import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlOffsetStore, mysqlSource } from '../../src/index.js';
import { adminConnection, connection, dropTables, freshName } from './mariadb.js';

let admin: Connection;
const tables: string[] = [];

beforeAll(async () => {
  admin = await adminConnection();
});

afterAll(async () => {
  await dropTables(admin, tables);
  await admin.end();
});

async function ordersTable(rows: number): Promise<string> {
  const table = freshName('orders');
  tables.push(table);
  await admin.query(
    `CREATE TABLE \`${table}\` (id BIGINT AUTO_INCREMENT PRIMARY KEY, item VARCHAR(50) NOT NULL) ENGINE=InnoDB`,
  );
  await insertOrders(table, rows);
  return table;
}

async function insertOrders(table: string, rows: number): Promise<void> {
  const [[{ n }]] = (await admin.query(`SELECT COUNT(*) AS n FROM \`${table}\``)) as unknown as [
    [{ n: number }],
  ];
  const values = Array.from({ length: rows }, (_, i) => [`item-${Number(n) + i + 1}`]);
  await admin.query(`INSERT INTO \`${table}\` (item) VALUES ?`, [values]);
}

const ids = (partitions: ReadonlyArray<ReadonlyArray<{ id: number }>>) =>
  partitions.map((p) => p.map((r) => r.id));

describe('mysqlSource (MariaDB)', () => {
  it('reads new rows each batch in order of the increasing column, with offset ranges', async () => {
    const table = await ordersTable(25);
    const source = mysqlSource<{ id: number; item: string }>({
      connection,
      table,
      column: 'id',
      maxRowsPerBatch: 10,
      numPartitions: 2,
    });
    try {
      const b1 = await source.compute(1000);
      expect(ids(b1.partitions)).toEqual([
        [1, 2, 3, 4, 5],
        [6, 7, 8, 9, 10],
      ]);
      expect(b1.partitions[0]![0]).toEqual({ id: 1, item: 'item-1' });
      expect(b1.offsetRanges).toEqual([
        { topic: table, partition: 0, fromOffset: 0, untilOffset: 6 },
        { topic: table, partition: 1, fromOffset: 6, untilOffset: 11 },
      ]);
      expect(ids((await source.compute(2000)).partitions)).toEqual([
        [11, 12, 13, 14, 15],
        [16, 17, 18, 19, 20],
      ]);
      expect(ids((await source.compute(3000)).partitions)).toEqual([
        [21, 22, 23],
        [24, 25],
      ]);
      expect((await source.compute(4000)).partitions).toEqual([]);
      await insertOrders(table, 1);
      expect(ids((await source.compute(5000)).partitions)).toEqual([[26]]);
    } finally {
      await source.stop?.();
    }
  });

  it('replays unfinished batches exactly after a restore, then goes on with new rows', async () => {
    const table = await ordersTable(12);
    const options = { connection, table, column: 'id', columns: ['item'], maxRowsPerBatch: 5 };
    const first = mysqlSource<{ id: number; item: string }>(options);
    let position: ReturnType<NonNullable<typeof first.position>>;
    try {
      await first.compute(1000);
      await first.onBatchCompleted?.(1000, []);
      await first.compute(2000);
      await first.compute(3000);
      // The checkpoint is written here; the process dies before batches 2000 and 3000 complete.
      position = JSON.parse(JSON.stringify(first.position?.()));
    } finally {
      await first.stop?.();
    }
    await insertOrders(table, 4);

    const second = mysqlSource<{ id: number; item: string }>(options);
    try {
      second.restore?.(position);
      expect(ids((await second.compute(2000)).partitions)).toEqual([[6, 7, 8, 9, 10]]);
      expect(ids((await second.compute(3000)).partitions)).toEqual([[11, 12]]);
      await second.onBatchCompleted?.(3000, []);
      expect(second.position?.()).toEqual({ after: 12, pending: [] });
      const next = await second.compute(4000);
      expect(ids(next.partitions)).toEqual([[13, 14, 15, 16]]);
      expect(Object.keys(next.partitions[0]![0]!).sort()).toEqual(['id', 'item']);
    } finally {
      await second.stop?.();
    }
  });

  it('polls a string column with startAfter', async () => {
    const table = freshName('events');
    tables.push(table);
    await admin.query(`CREATE TABLE \`${table}\` (seq CHAR(3) PRIMARY KEY, v INT) ENGINE=InnoDB`);
    await admin.query(`INSERT INTO \`${table}\` VALUES ('a01', 1), ('a02', 2), ('b01', 3)`);
    const source = mysqlSource<{ seq: string; v: number }>({
      connection,
      table,
      column: 'seq',
      startAfter: 'a01',
      recordOf: (row) => ({ seq: String(row.seq), v: Number(row.v) }),
    });
    try {
      const batch = await source.compute(1000);
      expect(batch.partitions).toEqual([
        [
          { seq: 'a02', v: 2 },
          { seq: 'b01', v: 3 },
        ],
      ]);
      expect(batch.offsetRanges).toBeUndefined();
      expect(source.position?.()).toEqual({ after: 'b01', pending: [[1000, 'a01', 'b01']] });
    } finally {
      await source.stop?.();
    }
  });

  it('resumes from a sink offset store when it is ahead of the restored position', async () => {
    const table = await ordersTable(10);
    const offsetTable = freshName('offsets');
    tables.push(offsetTable);
    const offsetStore = mysqlOffsetStore({ connection, table: offsetTable });
    await offsetStore.save('copy-job', [{ topic: table, partition: 0, fromOffset: 1, untilOffset: 7 }]);
    const options = { connection, table, column: 'id', offsetStore, jobId: 'copy-job' };
    const ahead = mysqlSource<{ id: number }>(options);
    const behind = mysqlSource<{ id: number }>(options);
    try {
      await ahead.start?.({ batchInterval: 1000, rateLimit: () => undefined, log: () => {} });
      expect(ids((await ahead.compute(1000)).partitions)).toEqual([[7, 8, 9, 10]]);
      // A restored position past the stored offset wins, and its unfinished batch replays exactly.
      behind.restore?.({ after: 9, pending: [[1000, 7, 9]] });
      await behind.start?.({ batchInterval: 1000, rateLimit: () => undefined, log: () => {} });
      expect(ids((await behind.compute(1000)).partitions)).toEqual([[8, 9]]);
      expect(ids((await behind.compute(2000)).partitions)).toEqual([[10]]);
    } finally {
      await ahead.stop?.();
      await behind.stop?.();
      await offsetStore.close?.();
    }
  });
});
