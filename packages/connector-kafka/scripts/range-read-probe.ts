/**
 * The direct stream's read path, raw: exact offset ranges of all 6 partitions of a topic, read with
 * the connector's kafkajs adapter (`kafkajsClient().fetchRange`) and with `@platformatic/kafka`'s
 * low-level `Consumer.fetch` (plain Fetch requests, no MessagesStream), on the same broker in one
 * run. It tells whether a platformatic adapter would read ranges faster than the kafkajs one.
 * @platformatic/kafka is not a dependency: point PLATFORMATIC_KAFKA at an install.
 *
 *   PLATFORMATIC_KAFKA=/tmp/plat2/node_modules/@platformatic/kafka/dist/index.js \
 *     node --conditions=@dstream/source --import tsx packages/connector-kafka/scripts/range-read-probe.ts [records]
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import kafkajs from 'kafkajs';
import { startKafka } from '@dstream/test-servers';
import { kafkajsClient } from '../src/index.js';

interface FetchedBatch {
  firstOffset: bigint;
  lastOffsetDelta: number;
  records: Array<{ value: Buffer | undefined }>;
}
interface FetchResponse {
  responses: Array<{
    topicId: string;
    partitions: Array<{ partitionIndex: number; records?: FetchedBatch[] }>;
  }>;
}
interface PlatformaticConsumer {
  metadata(options: { topics: string[] }): Promise<{
    topics: Map<string, { id: string; partitions: Array<{ leader: number }> }>;
  }>;
  fetch(options: Record<string, unknown>): Promise<FetchResponse>;
  close(force?: boolean): Promise<void>;
}
interface PlatformaticModule {
  Consumer: new (options: Record<string, unknown>) => PlatformaticConsumer;
}

const modulePath = process.env.PLATFORMATIC_KAFKA;
if (modulePath === undefined) throw new Error('set PLATFORMATIC_KAFKA to @platformatic/kafka/dist/index.js');
const lib = (await import(modulePath)) as PlatformaticModule;
const { version } = JSON.parse(readFileSync(join(dirname(modulePath), '..', 'package.json'), 'utf8')) as {
  version: string;
};
const total = Number(process.argv[2] ?? 300_000);
const PARTITIONS = 6;
const cluster = await startKafka();
const kafka = new kafkajs.Kafka({ brokers: cluster.bootstrap, logLevel: kafkajs.logLevel.NOTHING });
const topic = `range-${randomUUID()}`;
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS }] });
const producer = kafka.producer();
await producer.connect();
const value = JSON.stringify({ user: 'u', page: '/x'.repeat(40), n: 0 });
for (let sent = 0; sent < total; sent += 6000) {
  await producer.send({
    topic,
    messages: Array.from({ length: Math.min(6000, total - sent) }, (_, i) => ({
      partition: (sent + i) % PARTITIONS,
      value,
    })),
  });
}
await producer.disconnect();
const ends = (await admin.fetchTopicOffsets(topic)).map((o) => ({
  partition: o.partition,
  end: Number(o.high),
}));

async function viaKafkajsAdapter(): Promise<number> {
  const client = kafkajsClient({ brokers: cluster.bootstrap, logLevel: kafkajs.logLevel.NOTHING });
  const started = performance.now();
  let read = 0;
  await Promise.all(
    ends.map(async ({ partition, end }) => {
      const records = await client.fetchRange({ topic, partition, fromOffset: 0, untilOffset: end });
      for (const r of records) if (r.value !== null) read++;
    }),
  );
  const rate = (read / (performance.now() - started)) * 1000;
  await client.close();
  if (read !== total) throw new Error(`kafkajs adapter read ${read} of ${total}`);
  return rate;
}

async function viaPlatformaticFetch(): Promise<number> {
  const consumer = new lib.Consumer({
    clientId: 'range-probe',
    groupId: `range-${randomUUID()}`,
    bootstrapBrokers: cluster.bootstrap,
  });
  const started = performance.now();
  const meta = (await consumer.metadata({ topics: [topic] })).topics.get(topic)!;
  const next = new Map(ends.map((e) => [e.partition, 0n]));
  let read = 0;
  for (let round = 0; round < 10_000 && [...next].some(([p, o]) => o < BigInt(ends[p]!.end)); round++) {
    const wanted = [...next].filter(([p, o]) => o < BigInt(ends[p]!.end));
    const response = await consumer.fetch({
      node: meta.partitions[wanted[0]![0]]!.leader,
      maxWaitTime: 100,
      maxBytes: 50 * 1024 * 1024,
      topics: [
        {
          topicId: meta.id,
          partitions: wanted.map(([partition, fetchOffset]) => ({
            partition,
            fetchOffset,
            partitionMaxBytes: 4 * 1024 * 1024,
            currentLeaderEpoch: -1,
            lastFetchedEpoch: -1,
          })),
        },
      ],
    });
    for (const t of response.responses) {
      for (const p of t.partitions) {
        const end = BigInt(ends[p.partitionIndex]!.end);
        for (const batch of p.records ?? []) {
          for (const r of batch.records) if (r.value !== undefined) read++;
          const after = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
          next.set(p.partitionIndex, after > end ? end : after);
        }
      }
    }
  }
  const rate = (read / (performance.now() - started)) * 1000;
  await consumer.close(true);
  if (read !== total) throw new Error(`@platformatic/kafka fetch read ${read} of ${total}`);
  return rate;
}

const rows: Array<Record<string, string | number>> = [];
try {
  for (let round = 1; round <= 3; round++) {
    const kj = await viaKafkajsAdapter();
    const pk = await viaPlatformaticFetch();
    rows.push({
      round,
      node: process.version,
      'kafkajsClient.fetchRange rec/s': Math.round(kj),
      [`@platformatic/kafka ${version} Consumer.fetch rec/s`]: Math.round(pk),
      ratio: (pk / kj).toFixed(2),
    });
  }
} finally {
  await admin.disconnect();
  await cluster.stop();
}
console.table(rows);
