import { randomUUID } from 'node:crypto';
import { StreamingContext, ManualClock } from '@dstream/core';
import { KafkaTestCluster } from '@dstream/kafka-testkit';
import kafkajs from 'kafkajs';
import type { Kafka } from 'kafkajs';
import { type KafkaClientName, directStream, kafkaSink, platformaticAvailable } from '../src/index.js';
import { platformaticLoop } from './platformatic-loop.js';

/**
 * Kafka → map → Kafka, records/s: through dstream (direct stream + Kafka sink, the engine on a
 * manual clock so batches run back to back) against a hand-written kafkajs consume → produce loop
 * (eachBatch → one send per fetched batch), on the same broker in one run. The input topic is
 * written once up front; each variant reads it all with its own group and writes its own topic.
 *
 *   node --conditions=@dstream/source --import tsx packages/connector-kafka/bench/kafka.bench.ts 127.0.0.1:9092
 *   node --conditions=@dstream/source --import tsx packages/connector-kafka/bench/kafka.bench.ts testkit
 *
 * Where `@platformatic/kafka` runs (Node >= 22.22, the connector's optional dependency), dstream
 * runs again on its adapter (`client: 'platformatic'`) and its raw consume → send loop runs too;
 * PLATFORMATIC_KAFKA=<install>/dist/index.js picks another install of it for that raw loop.
 */

const { Kafka: KafkaClass, logLevel, Partitioners } = kafkajs;
const RECORDS = Number(process.env.DSTREAM_BENCH_KAFKA_RECORDS ?? 60_000);
const PARTITIONS = 6;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Click {
  user: string;
  page: string;
  n: number;
}

const transform = (value: string): string => {
  const click = JSON.parse(value) as Click;
  return JSON.stringify({ ...click, page: click.page.toUpperCase() });
};

async function createTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
  });
  await admin.disconnect();
}

async function countRecords(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
}

async function fillInput(kafka: Kafka, topic: string): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (let start = 0; start < RECORDS; start += 5000) {
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: Math.min(5000, RECORDS - start) }, (_, i) => {
        const n = start + i;
        return {
          key: `u${n % 997}`,
          value: JSON.stringify({ user: `u${n % 997}`, page: `/p/${n % 31}`, n }),
        };
      }),
    });
  }
  await producer.disconnect();
}

async function handWritten(kafka: Kafka, input: string, output: string): Promise<number> {
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [input], fromBeginning: true });
  let written = 0;
  const started = performance.now();
  await consumer.run({
    eachBatch: async ({ batch }) => {
      await producer.send({
        topic: output,
        acks: -1,
        messages: batch.messages.map((m) => ({ key: m.key, value: transform(m.value!.toString()) })),
      });
      written += batch.messages.length;
    },
  });
  while (written < RECORDS) await sleep(5);
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  await producer.disconnect();
  return RECORDS / seconds;
}

async function throughDstream(
  bootstrap: string[],
  input: string,
  output: string,
  transactional: boolean,
  client: KafkaClientName = 'kafkajs',
): Promise<number> {
  const clock = new ManualClock();
  const ctx = new StreamingContext({ batchInterval: 1000, clock });
  const groupId = `bench-dstream-${randomUUID()}`;
  const sink = kafkaSink<{ key: string | null; value: string }>({
    brokers: bootstrap,
    client,
    topic: output,
    key: (r) => r.key,
    value: (r) => r.value,
    ...(transactional ? { transactional: { groupId } } : {}),
  });
  directStream(ctx, {
    brokers: bootstrap,
    client,
    topics: [input],
    groupId,
    startingOffsets: 'earliest',
    // Bounded batches, as a real job runs them (10 000 records per partition per batch at most).
    maxRatePerPartition: 10_000,
  })
    .map((r) => ({ key: r.key, value: transform(r.value!) }))
    .to(sink);
  const kafka = new KafkaClass({ brokers: bootstrap, logLevel: logLevel.NOTHING });
  const started = performance.now();
  await ctx.start();
  while ((await countRecords(kafka, output)) < RECORDS) {
    clock.advance(1000);
    await ctx.whenBatchCompleted(clock.now());
  }
  const seconds = (performance.now() - started) / 1000;
  await ctx.stop({ graceful: true });
  await sink.close?.();
  return RECORDS / seconds;
}

export async function run(
  bootstrap: string[],
): Promise<{ name: string; results: Array<{ label: string; opsPerSec: number }> }> {
  const kafka = new KafkaClass({ brokers: bootstrap, logLevel: logLevel.NOTHING });
  const input = `bench-in-${randomUUID()}`;
  await createTopic(kafka, input);
  await fillInput(kafka, input);
  const rawOut = `bench-raw-${randomUUID()}`;
  const dstreamOut = `bench-dstream-${randomUUID()}`;
  const exactlyOnceOut = `bench-eos-${randomUUID()}`;
  await createTopic(kafka, rawOut);
  await createTopic(kafka, dstreamOut);
  await createTopic(kafka, exactlyOnceOut);
  const raw = await handWritten(kafka, input, rawOut);
  const ours = await throughDstream(bootstrap, input, dstreamOut, false);
  const exactlyOnce = await throughDstream(bootstrap, input, exactlyOnceOut, true);
  const others: Array<{ label: string; opsPerSec: number }> = [];
  const platformatic = await platformaticLoop(bootstrap, transform);
  let platformaticRaw: number | undefined;
  if (platformatic !== undefined) {
    const out = `bench-platformatic-${randomUUID()}`;
    await createTopic(kafka, out);
    platformaticRaw = await platformatic.run(input, out, RECORDS);
    others.push({
      label: `hand-written ${platformatic.name} consume → send loop (${(platformaticRaw / raw).toFixed(2)}× kafkajs loop)`,
      opsPerSec: platformaticRaw,
    });
  }
  if (await platformaticAvailable()) {
    for (const transactional of [false, true]) {
      const out = `bench-dstream-platformatic-${randomUUID()}`;
      await createTopic(kafka, out);
      const rate = await throughDstream(bootstrap, input, out, transactional, 'platformatic');
      const vsOwn =
        platformaticRaw === undefined ? '' : `, ${(rate / platformaticRaw).toFixed(2)}× its raw loop`;
      others.push({
        label:
          `dstream on @platformatic/kafka, ${transactional ? 'transactional kafkaSink (exactly-once)' : 'directStream → map → kafkaSink'}` +
          ` (${(rate / raw).toFixed(2)}× kafkajs loop${vsOwn})`,
        opsPerSec: rate,
      });
    }
  }
  return {
    name:
      `Kafka → map → Kafka, ${RECORDS} records, ${PARTITIONS} partitions (kafkajs 2.2.4): ` +
      `dstream / hand-written = ${(ours / raw).toFixed(2)}×`,
    results: [
      { label: 'hand-written kafkajs eachBatch → send loop', opsPerSec: raw },
      { label: 'dstream directStream → map → kafkaSink', opsPerSec: ours },
      { label: 'dstream, transactional kafkaSink (exactly-once)', opsPerSec: exactlyOnce },
      ...others,
    ],
  };
}

if (process.argv[1]?.endsWith('kafka.bench.ts') && process.argv[2] !== undefined) {
  // `testkit` runs the same comparison on an in-process @dstream/kafka-testkit broker.
  const testkit = process.argv[2] === 'testkit' ? await KafkaTestCluster.start({ brokers: 1 }) : undefined;
  const result = await run(testkit?.bootstrap ?? process.argv[2].split(','));
  await testkit?.stop();
  console.log(result.name);
  console.table(result.results.map((r) => ({ label: r.label, 'records/s': Math.round(r.opsPerSec) })));
}
