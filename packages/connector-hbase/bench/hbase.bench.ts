import { perExecutor, type SinkContext } from '@dstream/core';
import hbase from 'hbase-rpc-client';
import { createHBaseClient, hbaseRpcClientAdapter, hbaseSink, type Mutation } from '../src/index.js';

/**
 * HBase sink puts/s against a hand-written loop of the native client's multi-put of the same cells
 * (chunks of 1000, the sink's default flush), and the sink through the hbase-rpc-client adapter; same
 * server, one run, variants interleaved round by round, best round reported (after a warm-up).
 *
 *   node --conditions=@dstream/source --import tsx packages/connector-hbase/bench/hbase.bench.ts 127.0.0.1:2181
 */
const zookeeper = process.argv[2] ?? process.env.DSTREAM_HBASE_ZOOKEEPER ?? '127.0.0.1:2181';
const PUTS = Number(process.env.DSTREAM_BENCH_HBASE_PUTS ?? 20_000);
const ROUNDS = 3;
const table = `bench_${Date.now()}`;
const row = (i: number): string => `row-${String((i * 7919) % PUTS).padStart(8, '0')}`;
const value = (i: number): string => `value-${i}-${'x'.repeat(80)}`;
const records = Array.from({ length: PUTS }, (_, i) => i);

const client = createHBaseClient({ zookeeper });
await client.admin.createTable(table, {
  families: ['f'],
  splitKeys: [row(PUTS / 4), row(PUTS / 2), row((3 * PUTS) / 4)].sort(),
});
const rpc = hbase({ zookeeperHosts: [zookeeper], zookeeperRoot: '/hbase' });
rpc.on('error', () => undefined);
await new Promise((resolve) => rpc.once('ready', resolve));
const adapter = hbaseRpcClientAdapter(rpc, hbase);

let batch = 0;
const context = (): SinkContext => ({
  outputId: 'bench',
  batchTime: 1000 * ++batch,
  partition: 0,
  numPartitions: 1,
  offsetRanges: [],
  partitionOffsetRange: undefined,
  executorId: 0,
  attempt: 1,
});
const options = {
  table,
  rowOf: (i: number) => row(i),
  cellsOf: (i: number) => [{ family: 'f', qualifier: 'q', value: value(i) }],
};
const sink = hbaseSink<number>({ ...options, provider: perExecutor(() => client) });
const rpcSink = hbaseSink<number>({ ...options, provider: perExecutor(() => adapter) });

const variants: Array<{ label: string; run: () => Promise<void> }> = [
  {
    label: 'hand loop: client.mutateMany, 1000 per call',
    run: async () => {
      const timestamp = 1000 * ++batch;
      for (let start = 0; start < PUTS; start += 1000) {
        const mutations: Mutation[] = [];
        for (let i = start; i < Math.min(PUTS, start + 1000); i++) {
          mutations.push({
            type: 'put',
            row: row(i),
            cells: [{ family: 'f', qualifier: 'q', value: value(i) }],
            timestamp,
          });
        }
        await client.mutateMany(table, mutations);
      }
    },
  },
  { label: 'hbaseSink (native client, idempotent)', run: () => sink.writePartition(records, context()) },
  { label: 'hbaseSink (hbase-rpc-client adapter)', run: () => rpcSink.writePartition(records, context()) },
];

for (const v of variants) await v.run();
const best = variants.map(() => 0);
for (let round = 0; round < ROUNDS; round++) {
  for (const [j, v] of variants.entries()) {
    const start = process.hrtime.bigint();
    await v.run();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    best[j] = Math.max(best[j]!, PUTS / seconds);
  }
}
console.log(`\n## HBase sink: ${PUTS} puts of ~100 bytes, 4 regions on HBase via ${zookeeper}`);
for (const [j, v] of variants.entries()) {
  console.log(
    `${v.label.padEnd(48)} ${Math.round(best[j]!).toString().padStart(8)} puts/s  ${(best[j]! / best[0]!).toFixed(2)}x`,
  );
}
await client.admin.deleteTable(table);
await client.close();
await adapter.close();
