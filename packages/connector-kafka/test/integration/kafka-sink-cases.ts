import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { kafkaSink, partitionForKey } from '../../src/index.js';
import { sinkContext } from './context.js';
import { type KafkaBackend, type TestKafka, readAll, testKafka } from './kafka-server.js';
import type { KafkaClientName } from '../../src/index.js';

/** These cases run against real Kafka and against @dstream/kafka-testkit. */
export function kafkaSinkCases(backend: KafkaBackend, client: KafkaClientName = 'kafkajs'): void {
  let server: TestKafka;

  beforeAll(async () => {
    server = await testKafka(backend, undefined, client);
  });

  afterAll(async () => {
    await server?.stop();
  });

  describe(`kafkaSink on ${backend} with ${client} (idempotent producer, one request per partition)`, () => {
    it('writes keyed records to the partition Kafka’s default partitioner picks', async () => {
      const topic = await server.topic(4);
      const sink = kafkaSink<{ user: string; n: number }>({
        ...server.connection,
        topic,
        key: (r) => r.user,
        value: (r) => JSON.stringify(r),
      });
      const records = Array.from({ length: 300 }, (_, n) => ({ user: `u${n % 17}`, n }));
      await sink.writePartition(records.slice(0, 150), sinkContext({ partition: 0, numPartitions: 2 }));
      await sink.writePartition(records.slice(150), sinkContext({ partition: 1, numPartitions: 2 }));
      await sink.close?.();

      const read = await readAll(server.kafka, topic, 300);
      expect(read).toHaveLength(300);
      for (const r of read) expect(r.partition).toBe(partitionForKey(r.key!, 4));
      expect(new Set(read.map((r) => JSON.parse(r.value!).n))).toEqual(new Set(records.map((r) => r.n)));
      // Order within a key is kept.
      const u3 = read.filter((r) => r.key === 'u3').map((r) => JSON.parse(r.value!).n);
      expect(u3).toEqual([...u3].sort((a, b) => a - b));
    });

    it('agrees with kafkajs’ DefaultPartitioner (Java-compatible murmur2)', async () => {
      const partitioner = kafkajs.Partitioners.DefaultPartitioner();
      const partitionMetadata = Array.from({ length: 7 }, (_, partitionId) => ({
        partitionId,
        leader: 1,
        partitionErrorCode: 0,
        replicas: [1],
        isr: [1],
      }));
      for (let i = 0; i < 200; i++) {
        const key = `key-${i}-${'x'.repeat(i % 5)}`;
        expect(partitionForKey(key, 7)).toBe(
          partitioner({ topic: 't', partitionMetadata, message: { key, value: null } }),
        );
      }
    });

    it('routes records with topicOf and writes headers and every codec', async () => {
      const topics = [await server.topic(2), await server.topic(2)];
      for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
        const sink = kafkaSink<{ to: number; v: string }>({
          ...server.connection,
          topicOf: (r) => topics[r.to]!,
          value: (r) => r.v,
          headers: (r) => ({ codec: compression, to: String(r.to) }),
          compression,
        });
        await sink.writePartition(
          Array.from({ length: 40 }, (_, i) => ({ to: i % 2, v: `${compression}-${i}` })),
          sinkContext(),
        );
        await sink.close?.();
      }
      const first = await readAll(server.kafka, topics[0]!, 80);
      const second = await readAll(server.kafka, topics[1]!, 80);
      expect(first).toHaveLength(80);
      expect(second).toHaveLength(80);
      expect(first.every((r) => Number(r.value!.split('-')[1]) % 2 === 0)).toBe(true);
    });

    it('splits a large partition into requests the broker accepts (message.max.bytes)', async () => {
      const topic = await server.topic(1);
      const sink = kafkaSink<number>({
        ...server.connection,
        topic,
        value: (n) => `${n}:${'v'.repeat(1000)}`,
      });
      // 3000 records of ~1 KiB: 3 MiB for one partition, three times the broker's default limit.
      await sink.writePartition(
        Array.from({ length: 3000 }, (_, i) => i),
        sinkContext(),
      );
      await sink.close?.();
      const [offsets] = await server.admin.fetchTopicOffsets(topic);
      expect(Number(offsets!.high)).toBe(3000);
    });

    it('fails with a clear error for a topic that does not exist', async () => {
      const sink = kafkaSink<string>({ ...server.connection, topic: 'no-such-topic-here' });
      await expect(sink.writePartition(['a'], sinkContext())).rejects.toThrow(/no-such-topic-here/);
      await sink.close?.();
    });
  });
}
