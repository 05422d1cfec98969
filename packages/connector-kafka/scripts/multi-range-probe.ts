/**
 * The direct stream's read path, raw: all 6 partitions of a topic read as exact ranges, one
 * `fetchRange` per partition (concurrently) against one `fetchRanges` call (one Fetch request per
 * leader), interleaved in rounds on the same broker; the ratio is what the multi-partition fetch gains.
 *
 *   node --conditions=@dstream/source --import tsx packages/connector-kafka/scripts/multi-range-probe.ts [records]
 */
import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { startKafka } from '@dstream/test-servers';
import { type KafkaFetchRange, kafkajsClient } from '../src/index.js';

const total = Number(process.argv[2] ?? 600_000);
const PARTITIONS = 6;
const cluster = await startKafka();
const kafka = new kafkajs.Kafka({ brokers: cluster.bootstrap, logLevel: kafkajs.logLevel.NOTHING });
const topic = `range-${randomUUID()}`;
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS }] });
const producer = kafka.producer();
await producer.connect();
const value = 'lorem ipsum dolor sit amet consectetur adipiscing elit';
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
const ranges: KafkaFetchRange[] = (await admin.fetchTopicOffsets(topic)).map((o) => ({
  topic,
  partition: o.partition,
  fromOffset: Number(o.low),
  untilOffset: Number(o.high),
}));

async function measure(read: (c: ReturnType<typeof kafkajsClient>) => Promise<number>): Promise<number> {
  const client = kafkajsClient({ brokers: cluster.bootstrap, logLevel: kafkajs.logLevel.NOTHING });
  await client.topicOffsets(topic);
  const started = performance.now();
  const read_ = await read(client);
  const rate = (read_ / (performance.now() - started)) * 1000;
  await client.close();
  if (read_ !== total) throw new Error(`read ${read_} of ${total}`);
  return rate;
}
const count = (parts: ReadonlyArray<readonly unknown[]>) => parts.reduce((n, p) => n + p.length, 0);

try {
  for (let round = 1; round <= 3; round++) {
    const alone = await measure(async (c) => count(await Promise.all(ranges.map((r) => c.fetchRange(r)))));
    const together = await measure(async (c) => count(await c.fetchRanges!(ranges)));
    console.log(
      `round ${round} ${process.version}: fetchRange per partition ${Math.round(alone)} rec/s, ` +
        `fetchRanges ${Math.round(together)} rec/s, ratio ${(together / alone).toFixed(2)}`,
    );
  }
} finally {
  await admin.disconnect();
  await cluster.stop();
}
