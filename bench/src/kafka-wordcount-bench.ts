import { randomUUID } from 'node:crypto';
import { type Logger, ManualClock, StreamingContext } from '@dstream/core';
import { startKafka } from '@dstream/test-servers';
import { Kafka, logLevel } from 'kafkajs';
import { type KafkaClientName, platformaticAvailable } from '@dstream/connector-kafka';
import { makeLines } from './core-bench.js';
import { kafkaWordCount, totals } from './kafka-wordcount-job.js';
import type { Result } from './measure.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const PARTITIONS = 6;

async function fillTopic(kafka: Kafka, topic: string, lines: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < lines.length; i += 10_000) {
    const chunk = lines.slice(i, i + 10_000);
    await Promise.all(
      Array.from({ length: PARTITIONS }, (_, p) =>
        producer.send({
          topic,
          messages: chunk.filter((_, j) => j % PARTITIONS === p).map((value) => ({ value, partition: p })),
        }),
      ),
    );
  }
  await producer.disconnect();
}

/** Reads the topic with a kafkajs consumer group (eachBatch) until `count` records were seen. */
async function kafkajsLoop(kafka: Kafka, topic: string, count: number, wordCount: boolean): Promise<number> {
  const consumer = kafka.consumer({
    groupId: `raw-${randomUUID()}`,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const counts = new Map<string, number>();
  let seen = 0;
  let started = 0;
  const done = new Promise<number>((resolve) => {
    void consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        if (started === 0) started = performance.now();
        for (const m of batch.messages) {
          if (wordCount)
            for (const w of (m.value?.toString() ?? '').split(' ')) counts.set(w, (counts.get(w) ?? 0) + 1);
          seen++;
        }
        if (seen >= count) resolve(performance.now());
      },
    });
  });
  const end = await done;
  await consumer.disconnect();
  return count / ((end - started) / 1000);
}

/** One batch that reads the whole topic through the direct stream and counts its words. */
async function dstreamWordCount(
  bootstrap: string[],
  topic: string,
  executors: number,
  expectedWords: number,
  client: KafkaClientName = 'kafkajs',
): Promise<number> {
  process.env.BENCH_KAFKA_CLIENT = client;
  process.env.BENCH_KAFKA_BOOTSTRAP = bootstrap.join(',');
  process.env.BENCH_KAFKA_TOPIC = topic;
  totals.words = 0;
  const clock = new ManualClock();
  const ctx = await StreamingContext.fromModule(
    new URL('./kafka-wordcount-job.ts', import.meta.url),
    'kafkaWordCount',
    {
      batchInterval: 1000,
      clock,
      executors,
      logger: quiet,
    },
  );
  await ctx.start();
  const started = performance.now();
  clock.advance(1000);
  await ctx.whenBatchCompleted(1000);
  const seconds = (performance.now() - started) / 1000;
  await ctx.stop();
  if (totals.words !== expectedWords)
    throw new Error(`dstream counted ${totals.words} words, expected ${expectedWords}`);
  return seconds;
}

export async function kafkaWordCountBench(lineCount: number): Promise<Result[]> {
  const cluster = await startKafka({ brokers: 1 });
  try {
    const kafka = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING });
    const topic = `wordcount-${randomUUID()}`;
    const lines = makeLines(lineCount);
    await fillTopic(kafka, topic, lines);
    const words = lineCount * 8;
    const readOnly = await kafkajsLoop(kafka, topic, lineCount, false);
    const hand = await kafkajsLoop(kafka, topic, lineCount, true);
    const inline = lineCount / (await dstreamWordCount(cluster.bootstrap, topic, 0, words));
    const parallel = lineCount / (await dstreamWordCount(cluster.bootstrap, topic, 2, words));
    const results: Result[] = [
      { label: 'hand-written kafkajs eachBatch word count (lines)', opsPerSec: hand },
      { label: 'kafkajs alone, reading only (lines)', opsPerSec: readOnly },
      { label: 'dstream directStream word count, executors: 0', opsPerSec: inline },
      { label: 'dstream directStream word count, executors: 2', opsPerSec: parallel },
    ];
    // The connector's @platformatic/kafka client, where this Node runs it (>= 22.22).
    if (await platformaticAvailable()) {
      for (const executors of [0, 2]) {
        const rate =
          lineCount / (await dstreamWordCount(cluster.bootstrap, topic, executors, words, 'platformatic'));
        results.push({
          label: `dstream directStream word count on @platformatic/kafka, executors: ${executors} (${(rate / hand).toFixed(2)}× the kafkajs loop)`,
          opsPerSec: rate,
        });
      }
    }
    return results;
  } finally {
    await cluster.stop();
  }
}
