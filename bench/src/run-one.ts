import { overload } from './backpressure-bench.js';
import { checkpointCost } from './checkpoint-bench.js';
import * as connectors from './connector-benches.js';
import { kafkaWordCountBench } from './kafka-wordcount-bench.js';
import { executorSpeedup, transferCost } from './executor-bench.js';
import { emptyBatchCost, makeLines, mapFilterReduce, wordCount } from './core-bench.js';
import { type Result, report } from './measure.js';

/** Each benchmark runs in its own process so one benchmark's JIT feedback cannot slow another. */
const benchmarks: Record<string, (rounds: number) => Promise<void>> = {
  wordcount: async (rounds) =>
    report(
      'wordcount over 1M lines (8 words each), one batch',
      await wordCount(makeLines(1_000_000), rounds),
    ),
  'reduce-1k': async (rounds) =>
    report(
      'map → filter → reduceByKey over 1M records, 1k keys',
      await mapFilterReduce(1_000, 1_000_000, rounds),
    ),
  'reduce-100k': async (rounds) =>
    report(
      'map → filter → reduceByKey over 1M records, 100k keys',
      await mapFilterReduce(100_000, 1_000_000, rounds),
    ),
  checkpoint: async (rounds) =>
    report(
      'checkpoint cost: 10 batches of 200k records into 100k keys of state',
      await checkpointCost(100_000, 200_000, 10, Math.max(1, Math.floor(rounds / 2))),
    ),
  executors: async (rounds) => {
    const [files, chunks, lines] = await executorSpeedup(200_000, rounds);
    report(
      'executors: 200k NDJSON events per batch in 20 files that executors read (JSON parse → filter → reduceByKey)',
      files,
    );
    report('executors: the same events as raw chunks (bytes) handed over by the driver', chunks);
    report('executors: the same events as one string per line', lines);
  },
  transfer: async (rounds) =>
    report('moving 10k records between threads (records/s)', await transferCost(rounds)),
  overload: async () => {
    const seconds = Number(process.env.BENCH_OVERLOAD_SECONDS ?? 30);
    console.log(`\n## overload: a receiver offering ~3× capacity for ${seconds} s, batch interval 500 ms`);
    for (const on of [true, false]) {
      const { delays, rate } = await overload(seconds, on);
      console.log(
        `  backpressure ${on ? 'on ' : 'off'}: scheduling delay at 1/3, 2/3 and the end ${delays.map((d) => `${d} ms`).join(', ')}${rate ? `; rate settled at ${Math.round(rate)} records/s` : ''}`,
      );
    }
  },
  'kafka-wordcount': async () =>
    report(
      'word count from a 6-partition topic on one real Kafka broker (1M lines)',
      await kafkaWordCountBench(1_000_000),
    ),
  mysql: async () => {
    const { name, results } = await connectors.mysql();
    report(name, results);
  },
  redis: async () => {
    const { name, results } = await connectors.redis();
    report(name, results);
  },
  kafka: async () => {
    const { name, results } = await connectors.kafka();
    report(name, results);
  },
  'kafka-testkit': async () => {
    const { name, results } = await connectors.kafkaTestkit();
    report(name, results);
  },
  hbase: () => connectors.hbase(),
  'empty-batch': async () => {
    const ms = await emptyBatchCost(2_000);
    console.log(
      `\n## empty batch\n  ${ms.toFixed(3)} ms per empty batch (two outputs, through the scheduler)`,
    );
  },
};

const name = process.argv[2] ?? '';
const bench = benchmarks[name];
if (bench === undefined) {
  console.error(`unknown benchmark ${JSON.stringify(name)}; known: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}
await bench(Number(process.env.BENCH_ROUNDS ?? 5));
export type { Result };
