import { createTestContext } from '@dstream/core/testing';
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

describe('hbaseSink in a StreamingContext (real HBase)', () => {
  it('word counts of every batch land as exactly-once counters; the context reports the sink', async () => {
    const table = freshTable('job');
    tables.push(table);
    await client.admin.createTable(table, { families: ['c'], splitKeys: ['m'] });
    const test = createTestContext({ batchInterval: 1000 });
    const queue: string[][] = [['apple banana', 'zebra apple'], ['banana mango', 'apple'], ['zebra zebra']];
    const sink = hbaseSink<[string, number]>({
      table,
      mode: 'exactly-once',
      connection: { zookeeper },
      rowOf: ([word]) => word,
      cellsOf: ([, n]) => [{ family: 'c', qualifier: 'count', amount: n }],
    });
    test.ctx
      .queueStream(queue, { oneAtATime: true })
      .flatMap((line) => line.split(' '))
      .map((word): [string, number] => [word, 1])
      .reduceByKey((a, b) => a + b, 2)
      .to(sink);
    const [output] = test.ctx.guarantees();
    expect(output?.reasons.join(' ')).toMatch(/hbase:/);
    await test.advance(3);
    await test.stop();
    await sink.close();
    const counts = Object.fromEntries(
      (await client.scanAll(table)).map((r) => [
        r.row.toString(),
        Number(bytesToLong(cellValue(r, 'c', 'count')!)),
      ]),
    );
    expect(counts).toEqual({ apple: 3, banana: 2, mango: 1, zebra: 3 });
  });
});
