import type { SinkContext } from '@dstream/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToLong, cellValue, type HBaseClient, hbaseSink } from '../../src/index.js';
import { freshTable, hbaseZookeeper, testClient } from './hbase-server.js';

let client: HBaseClient;
let zookeeper: string;
const tables: string[] = [];

beforeAll(async () => {
  zookeeper = await hbaseZookeeper();
  client = await testClient();
});

afterAll(async () => {
  for (const table of tables) await client?.admin.deleteTable(table).catch(() => undefined);
  await client?.close();
});

async function newTable(): Promise<string> {
  const table = freshTable('sink');
  tables.push(table);
  await client.admin.createTable(table, { families: ['c'], splitKeys: ['m'] });
  return table;
}

function context(batchTime: number, partition = 0, attempt = 1): SinkContext {
  return {
    outputId: 'out-1',
    batchTime,
    partition,
    numPartitions: 2,
    offsetRanges: [],
    partitionOffsetRange: undefined,
    executorId: 0,
    attempt,
  };
}

describe('hbaseSink on real HBase', () => {
  it('idempotent mode: puts carry the batch time, so a replayed batch rewrites the same cells', async () => {
    const table = await newTable();
    const sink = hbaseSink<[string, string]>({
      table,
      connection: { zookeeper },
      rowOf: ([key]) => key,
      cellsOf: ([, v]) => [{ family: 'c', qualifier: 'v', value: v }],
      flush: { maxMutations: 7 },
    });
    expect(sink.guarantee).toBe('idempotent');
    const records: Array<[string, string]> = Array.from({ length: 50 }, (_, i) => [`k${i % 25}`, `a${i}`]);
    await sink.writePartition(records, context(1_000_000));
    expect(sink.stats().flushes).toBe(Math.ceil(50 / 7));
    const next: Array<[string, string]> = [['k1', 'second-batch']];
    await sink.writePartition(next, context(2_000_000));
    // The first batch runs again (a retry after a failure): its cells are rewritten, not newer.
    await sink.writePartition(records, context(1_000_000, 0, 2));
    const rows = await client.scanAll(table);
    expect(rows).toHaveLength(25);
    const k1 = rows.find((r) => r.row.toString() === 'k1');
    expect(cellValue(k1, 'c', 'v')?.toString()).toBe('second-batch');
    expect(k1?.cells[0]?.timestamp).toBe(2_000_000);
    const k2 = rows.find((r) => r.row.toString() === 'k2');
    expect(cellValue(k2, 'c', 'v')?.toString()).toBe('a27');
    expect(k2?.cells[0]?.timestamp).toBe(1_000_000);
    await sink.close();
  });

  it('exactly-once mode: a replayed partition does not count twice, other partitions and batches do', async () => {
    const table = await newTable();
    const sink = hbaseSink<[string, number]>({
      table,
      mode: 'exactly-once',
      connection: { zookeeper },
      rowOf: ([page]) => page,
      cellsOf: ([, n]) => [{ family: 'c', qualifier: 'views', amount: n }],
      flush: { maxMutations: 3 },
    });
    expect(sink.guarantee).toBe('transactional');
    const pages = ['a', 'b', 'm', 'n', 'z'];
    const batch1: Array<[string, number]> = pages.flatMap((p) => [
      [p, 1],
      [p, 2],
    ]);
    await sink.writePartition(batch1, context(1000, 0));
    await sink.writePartition([['a', 10]], context(1000, 1)); // another partition of the same batch
    await sink.writePartition(batch1, context(1000, 0, 2)); // replay: skipped
    expect(sink.stats().rowsSkipped).toBe(5);
    await sink.writePartition(
      [
        ['a', 100],
        ['z', 100],
      ],
      context(2000, 0),
    );
    await sink.writePartition(batch1, context(1000, 0, 3)); // a replay of an older batch: skipped too
    await sink.writePartition(
      [
        ['a', 100],
        ['z', 100],
      ],
      context(2000, 0, 2),
    );
    const counts = Object.fromEntries(
      (await client.scanAll(table)).map((r) => [r.row.toString(), bytesToLong(cellValue(r, 'c', 'views')!)]),
    );
    expect(counts).toEqual({ a: 113n, b: 3n, m: 3n, n: 3n, z: 103n });
    await sink.close();
  });

  it('exactly-once mode: a partition cut off half-way is completed by its replay, without double counts', async () => {
    const table = await newTable();
    const options = {
      table,
      mode: 'exactly-once' as const,
      connection: { zookeeper },
      rowOf: ([page]: [string, number]) => page,
      cellsOf: ([, n]: [string, number]) => [{ family: 'c', qualifier: 'views', amount: n }],
    };
    const records: Array<[string, number]> = Array.from({ length: 40 }, (_, i) => [`p${i}`, i + 1]);
    // The first attempt wrote only the first half of the rows before its executor died.
    const partial = hbaseSink(options);
    await partial.writePartition(records.slice(0, 20), context(5000));
    await partial.close();
    const replay = hbaseSink(options);
    await replay.writePartition(records, context(5000, 0, 2));
    expect(replay.stats()).toMatchObject({ rowsWritten: 20, rowsSkipped: 20 });
    const rows = await client.scanAll(table);
    const total = rows.reduce((sum, r) => sum + bytesToLong(cellValue(r, 'c', 'views')!), 0n);
    expect(rows).toHaveLength(40);
    expect(total).toBe(BigInt((40 * 41) / 2));
    await replay.close();
  });

  it('closes its own client after idleCloseMs without writes, and opens a new one for the next write', async () => {
    const table = await newTable();
    const sink = hbaseSink<string>({
      table,
      connection: { zookeeper },
      idleCloseMs: 100,
      rowOf: (key) => key,
      cellsOf: (key) => [{ family: 'c', qualifier: 'v', value: key }],
    });
    await sink.writePartition(['a'], context(1000));
    expect(sink.provider.stats()).toMatchObject({ created: 1, closed: 0 });
    const deadline = Date.now() + 5000;
    while (sink.provider.stats().closed === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(sink.provider.stats()).toMatchObject({ created: 1, closed: 1 });
    await sink.writePartition(['z'], context(2000));
    expect(sink.provider.stats()).toMatchObject({ created: 2, closed: 1 });
    await sink.close();
    expect(sink.provider.stats().closed).toBe(2);
    expect((await client.scanAll(table)).map((r) => r.row.toString())).toEqual(['a', 'z']);
  });

  it('rejects bad options with messages naming them', () => {
    expect(() =>
      hbaseSink({ table: 'x y', connection: { zookeeper }, rowOf: () => 'r', cellsOf: () => [] }),
    ).toThrow(/table name "x y"/);
    expect(() => hbaseSink({ table: 't', rowOf: () => 'r', cellsOf: () => [] })).toThrow(/connection/);
    expect(() =>
      hbaseSink({
        table: 't',
        connection: { zookeeper },
        rowOf: () => 'r',
        cellsOf: () => [],
        flush: { maxMutations: 0 },
      }),
    ).toThrow(/flush.maxMutations/);
  });
});
