import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceContext } from '@dstream/core';
import { ApiKey, ErrorCode } from '@dstream/kafka-testkit';
import kafkajs from 'kafkajs';
import { kafkaDirectSource, kafkaSink } from '../../src/index.js';
import { sinkContext } from './context.js';
import { type TestKafka, readToEnd, testClients, testKafka } from './kafka-server.js';
import { computeBatch } from './direct-batch.js';

// Connection and leadership faults injected with the testkit's fault hooks (no JVM needed).
let server: TestKafka;
const ctx: SourceContext = { batchInterval: 1000, rateLimit: () => undefined, log: () => undefined };

async function produce(topic: string, count: number) {
  const producer = server.kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: count }, (_, i) => ({ partition: i % 3, value: String(i) })),
  });
  await producer.disconnect();
}

describe.each(testClients())('faults on the testkit broker, with %s', (client) => {
  beforeAll(async () => {
    server = await testKafka('testkit', undefined, client);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('the sink retries a produce answered NOT_LEADER_OR_FOLLOWER and loses nothing', async () => {
    const topic = await server.topic(3);
    const sink = kafkaSink<number>({ ...server.connection, topic, key: (n) => `k${n}`, value: String });
    await sink.writePartition([0], sinkContext()); // connect first
    server.testkit!.failNext(ApiKey.Produce, ErrorCode.NOT_LEADER_OR_FOLLOWER, { times: 3 });
    const ids = Array.from({ length: 300 }, (_, i) => i + 1);
    await sink.writePartition(ids, sinkContext({ batchTime: 2000 }));
    await sink.close?.();
    const values = new Set((await readToEnd(server.kafka, topic)).map((r) => Number(r.value)));
    for (const id of ids) expect(values.has(id)).toBe(true);
  });

  it('the sink survives its connections being dropped mid-batch', async () => {
    const topic = await server.topic(3);
    const sink = kafkaSink<number>({ ...server.connection, topic, key: (n) => `k${n}`, value: String });
    await sink.writePartition([0], sinkContext());
    const ids = Array.from({ length: 3000 }, (_, i) => i + 1);
    const writing = sink.writePartition(ids, sinkContext({ batchTime: 2000 }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    server.testkit!.dropConnections();
    await writing;
    await sink.close?.();
    const values = new Set((await readToEnd(server.kafka, topic)).map((r) => Number(r.value)));
    for (const id of ids) expect(values.has(id)).toBe(true);
  });

  it('the direct stream re-reads a range after fetch errors and dropped connections, exactly', async () => {
    const topic = await server.topic(3);
    await produce(topic, 3000);
    const source = kafkaDirectSource({
      ...server.connection,
      topics: [topic],
      groupId: `g-${topic}`,
      startingOffsets: 'earliest',
    });
    await source.start?.(ctx);
    server.testkit!.failNext(ApiKey.Fetch, ErrorCode.NOT_LEADER_OR_FOLLOWER, { times: 2 });
    const computing = computeBatch(source, 1000);
    await new Promise((resolve) => setTimeout(resolve, 5));
    server.testkit!.dropConnections();
    const batch = await computing;
    const values = batch.partitions.flat().map((r) => Number(r.value));
    expect(values).toHaveLength(3000);
    expect(new Set(values).size).toBe(3000);
    await source.stop?.();
  });
});
