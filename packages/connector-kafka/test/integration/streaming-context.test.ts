import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, createTestContext } from '@dstream/core/testing';
import kafkajs from 'kafkajs';
import { directStream, jsonDeserializer, kafkaSink, receiverStream } from '../../src/index.js';
import { type TestKafka, readAll, testClients, testKafka } from './kafka-server.js';

let server: TestKafka;

async function produce(topic: string, values: string[]) {
  const producer = server.kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ key: `k${i}`, value })) });
  await producer.disconnect();
}

describe.each(testClients())('through a StreamingContext with %s', (client) => {
  beforeAll(async () => {
    server = await testKafka('kafka', undefined, client);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('Kafka → map → Kafka, exactly once with the transactional sink, resumable from its offsets', async () => {
    const input = await server.topic(3);
    const output = await server.topic(2);
    const groupId = `job-${input}`;
    await produce(
      input,
      Array.from({ length: 30 }, (_, i) => JSON.stringify({ user: `u${i % 5}`, n: i })),
    );

    const run = async (batches: number) => {
      const test = createTestContext({ batchInterval: 1000 });
      const sink = kafkaSink<{ user: string; n: number }>({
        ...server.connection,
        topic: output,
        key: (r) => r.user,
        value: (r) => JSON.stringify(r),
        transactional: { groupId },
      });
      directStream(test.ctx, {
        ...server.connection,
        topics: [input],
        groupId,
        startingOffsets: 'earliest',
        maxRatePerPartition: 4,
        offsetStore: sink.offsetStore!,
        deserializer: { value: jsonDeserializer<{ user: string; n: number }>() },
      })
        .map((r) => ({ user: r.value!.user.toUpperCase(), n: r.value!.n }))
        .to(sink);
      await test.advance(batches);
      await test.stop();
    };
    await run(2); // 2 batches × 3 partitions × 4 records
    await run(3); // a new job resumes from the sink's offsets
    const read = await readAll(server.kafka, output, 30);
    expect(read.map((r) => JSON.parse(r.value!).n).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 30 }, (_, i) => i),
    );
    expect(read.every((r) => r.key === r.key!.toUpperCase())).toBe(true);
  });

  it('a reliable receiver stream delivers every record and commits the group after storing', async () => {
    const topic = await server.topic(2);
    const groupId = `recv-${topic}`;
    await produce(
      topic,
      Array.from({ length: 20 }, (_, i) => `m${i}`),
    );
    const test = createTestContext({ batchInterval: 500, blockInterval: 100 });
    const out = collect(
      receiverStream(test.ctx, {
        ...server.connection,
        topics: [topic],
        groupId,
        startingOffsets: 'earliest',
        consumer: { maxWaitTimeInMs: 200, sessionTimeout: 6000, heartbeatInterval: 500 },
      }).map((r) => r.value),
    );
    const deadline = Date.now() + 30_000;
    while (out.flat().length < 20 && Date.now() < deadline) {
      // Real time passes for the consumer's network I/O between manual-clock batches.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await test.advance(1);
    }
    await test.stop();
    expect(out.flat().sort()).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`).sort());
    const [offsets] = await server.admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = offsets!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(committed).toBe(20);
  });
});
