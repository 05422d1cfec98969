import { describeSinkContract } from '@dstream/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { bytesToLong, cellValue, type HBaseClient, hbaseSink } from '../../src/index.js';
import { freshTable, hbaseZookeeper, testClient } from './hbase-server.js';

let client: HBaseClient;
let zookeeper: string;

beforeAll(async () => {
  zookeeper = await hbaseZookeeper();
  client = await testClient();
});

afterAll(async () => {
  await client?.close();
});

async function newTable(): Promise<string> {
  const table = freshTable('contract');
  await client.admin.createTable(table, { families: ['c'], splitKeys: ['k5'] });
  return table;
}

describeSinkContract<[string, string]>('hbaseSink idempotent puts', async () => {
  const table = await newTable();
  return {
    sink: hbaseSink<[string, string]>({
      table,
      connection: { zookeeper },
      rowOf: ([key]) => key,
      cellsOf: ([, value]) => [{ family: 'c', qualifier: 'v', value }],
      flush: { maxMutations: 3 },
    }),
    records: Array.from({ length: 10 }, (_, i): [string, string] => [`k${i}`, `value-${i}`]),
    read: async () =>
      (await client.scanAll(table)).map((r) => [r.row.toString(), cellValue(r, 'c', 'v')?.toString()]),
    expected: (records) => records,
    cleanup: () => client.admin.deleteTable(table),
  };
});

describeSinkContract<[string, number]>('hbaseSink exactly-once counters', async () => {
  const table = await newTable();
  return {
    sink: hbaseSink<[string, number]>({
      table,
      mode: 'exactly-once',
      connection: { zookeeper },
      rowOf: ([key]) => key,
      cellsOf: ([, n]) => [{ family: 'c', qualifier: 'n', amount: n }],
      flush: { maxMutations: 2 },
    }),
    records: Array.from({ length: 12 }, (_, i): [string, number] => [`k${i % 9}`, i + 1]),
    read: async () =>
      (await client.scanAll(table)).map((r) => [
        r.row.toString(),
        Number(bytesToLong(cellValue(r, 'c', 'n')!)),
      ]),
    expected: (records) => {
      const sums = new Map<string, number>();
      for (const [key, n] of records) sums.set(key, (sums.get(key) ?? 0) + n);
      return [...sums];
    },
    cleanup: () => client.admin.deleteTable(table),
  };
});
