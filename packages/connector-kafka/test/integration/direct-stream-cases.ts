import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffsetOutOfRangeError, type SourceContext } from '@dstream/core';
import kafkajs from 'kafkajs';
import {
  jsonDeserializer,
  kafkaDirectSource,
  kafkaGroupOffsetStore,
  registerCodecs,
  stringDeserializer,
} from '../../src/index.js';
import { codecFactory } from '../../src/codecs.js';
import { type KafkaBackend, type TestKafka, readAll, testKafka } from './kafka-server.js';
import type { KafkaClientName } from '../../src/index.js';
import { computeBatch } from './direct-batch.js';

/** These cases run against real Kafka and against @dstream/kafka-testkit. */
export function directStreamCases(backend: KafkaBackend, client: KafkaClientName = 'kafkajs'): void {
  let server: TestKafka;
  const ctx: SourceContext = { batchInterval: 1000, rateLimit: () => undefined, log: () => undefined };
  const fresh = () => `g-${Math.random().toString(36).slice(2)}`;

  beforeAll(async () => {
    server = await testKafka(backend, undefined, client);
  });

  afterAll(async () => {
    await server?.stop();
  });

  async function produce(topic: string, count: number, partitions: number, value = (i: number) => `v${i}`) {
    // Idempotent: a request retried because one partition failed (a new topic's leader not known
    // yet) must not write the other partition's records twice — seen once under load.
    const producer = server.kafka.producer({
      createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: count }, (_, i) => ({
        partition: i % partitions,
        key: `k${i}`,
        value: value(i),
      })),
    });
    await producer.disconnect();
  }

  describe(`kafkaDirectSource on ${backend} with ${client}`, () => {
    it('reads exactly the offset ranges it reports, one batch partition per Kafka partition', async () => {
      const topic = await server.topic(3);
      await produce(topic, 90, 3);
      const source = kafkaDirectSource({
        ...server.connection,
        topics: [topic],
        groupId: fresh(),
        startingOffsets: 'earliest',
      });
      await source.start?.(ctx);
      const b1 = await computeBatch(source, 1000);
      expect(b1.offsetRanges).toEqual(
        [0, 1, 2].map((partition) => ({ topic, partition, fromOffset: 0, untilOffset: 30 })),
      );
      expect(b1.partitions.map((p) => p.length)).toEqual([30, 30, 30]);
      b1.partitions.forEach((p, i) => {
        expect(p.every((r) => r.partition === i)).toBe(true);
        expect(p.map((r) => r.offset)).toEqual(Array.from({ length: 30 }, (_, n) => n));
      });
      expect(b1.partitions[0]![0]).toMatchObject({ topic, key: 'k0', value: 'v0' });
      await source.onBatchCompleted?.(1000, b1.offsetRanges!);
      const b2 = await computeBatch(source, 2000);
      expect(b2.partitions.flat()).toHaveLength(0);
      await produce(topic, 6, 3);
      const b3 = await computeBatch(source, 3000);
      expect(b3.offsetRanges!.map((r) => [r.fromOffset, r.untilOffset])).toEqual([
        [30, 32],
        [30, 32],
        [30, 32],
      ]);
      expect(
        b3.partitions
          .flat()
          .map((r) => r.value)
          .sort(),
      ).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
      expect(source.stats()).toMatchObject({ batches: 3, records: 96 });
      await source.stop?.();
    });

    it('caps each range at maxRatePerPartition × batch interval', async () => {
      const topic = await server.topic(2);
      await produce(topic, 200, 2);
      const source = kafkaDirectSource({
        ...server.connection,
        topics: [topic],
        groupId: fresh(),
        startingOffsets: 'earliest',
        maxRatePerPartition: 8,
      });
      await source.start?.({ ...ctx, batchInterval: 2000 });
      let total = 0;
      for (let i = 1; i <= 4; i++) {
        const b = await computeBatch(source, i * 2000);
        for (const r of b.offsetRanges!) expect(r.untilOffset - r.fromOffset).toBe(16);
        total += b.partitions.flat().length;
      }
      expect(total).toBe(4 * 2 * 16);
      await source.stop?.();
    });

    it('follows the backpressure rate when it is below maxRatePerPartition', async () => {
      const topic = await server.topic(1);
      await produce(topic, 100, 1);
      let rate: number | undefined = 5;
      const source = kafkaDirectSource({
        ...server.connection,
        topics: [topic],
        groupId: fresh(),
        startingOffsets: 'earliest',
        maxRatePerPartition: 20,
      });
      await source.start?.({ ...ctx, rateLimit: () => rate });
      const sizes: number[] = [];
      for (let i = 1; i <= 3; i++) {
        if (i === 3) rate = undefined;
        const b = await computeBatch(source, i * 1000);
        sizes.push(b.partitions[0]!.length);
      }
      expect(sizes).toEqual([5, 5, 20]);
      await source.stop?.();
    });

    it('resumes from the group offsets it committed, and from a kafkaGroupOffsetStore', async () => {
      const topic = await server.topic(2);
      const groupId = fresh();
      await produce(topic, 20, 2);
      const first = kafkaDirectSource({
        ...server.connection,
        topics: [topic],
        groupId,
        startingOffsets: 'earliest',
      });
      await first.start?.(ctx);
      const b1 = await computeBatch(first, 1000);
      await first.onBatchCompleted?.(1000, b1.offsetRanges!);
      await first.stop?.();
      await produce(topic, 10, 2);

      const second = kafkaDirectSource({
        ...server.connection,
        topics: [topic],
        groupId,
        startingOffsets: 'earliest',
      });
      await second.start?.(ctx);
      const b2 = await computeBatch(second, 2000);
      expect(b2.offsetRanges!.map((r) => [r.fromOffset, r.untilOffset])).toEqual([
        [10, 15],
        [10, 15],
      ]);
      await second.stop?.();

      const store = kafkaGroupOffsetStore({ ...server.connection, groupId });
      await store.save('ignored', [{ topic, partition: 0, fromOffset: 0, untilOffset: 12 }]);
      expect((await store.load('ignored', [topic])).sort((a, b) => a.partition - b.partition)).toEqual([
        { topic, partition: 0, offset: 12 },
        { topic, partition: 1, offset: 10 },
      ]);
      const third = kafkaDirectSource({
        ...server.connection,
        topics: [topic],
        groupId: fresh(),
        offsetStore: store,
      });
      await third.start?.(ctx);
      const b3 = await computeBatch(third, 3000);
      expect(b3.offsetRanges!.map((r) => [r.fromOffset, r.untilOffset])).toEqual([
        [12, 15],
        [10, 15],
      ]);
      await third.stop?.();
      await store.close?.();
    });

    it('restores from its checkpoint position, re-reading a pending batch’s exact ranges', async () => {
      const topic = await server.topic(1);
      await produce(topic, 10, 1);
      const first = kafkaDirectSource({
        ...server.connection,
        topics: [topic],
        groupId: fresh(),
        startingOffsets: 'earliest',
      });
      await first.start?.(ctx);
      const b1 = await computeBatch(first, 1000);
      const position = JSON.parse(JSON.stringify(first.position?.()));
      await first.stop?.();
      await produce(topic, 5, 1);
      const second = kafkaDirectSource({ ...server.connection, topics: [topic], groupId: fresh() });
      second.restore?.(position);
      await second.start?.(ctx);
      const replay = await computeBatch(second, 1000);
      expect(replay.offsetRanges).toEqual(b1.offsetRanges);
      expect(replay.partitions[0]!.map((r) => r.value)).toEqual(b1.partitions[0]!.map((r) => r.value));
      const b2 = await computeBatch(second, 2000);
      expect(b2.offsetRanges![0]).toMatchObject({ fromOffset: 10, untilOffset: 15 });
      await second.stop?.();
    });

    describe('offset out of range (records deleted while the job was down)', () => {
      const setup = async () => {
        const topic = await server.topic(1);
        await produce(topic, 50, 1);
        const groupId = fresh();
        const store = kafkaGroupOffsetStore({ ...server.connection, groupId });
        await store.save(groupId, [{ topic, partition: 0, fromOffset: 0, untilOffset: 10 }]);
        await store.close?.();
        await server.admin.fetchTopicMetadata({ topics: [topic] });
        await server.admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '30' }] });
        return { topic, groupId };
      };

      it("'fail' names topic, partition, wanted offset and the available range", async () => {
        const { topic, groupId } = await setup();
        const source = kafkaDirectSource({ ...server.connection, topics: [topic], groupId });
        await source.start?.(ctx);
        const error = await computeBatch(source, 1000).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(OffsetOutOfRangeError);
        expect((error as Error).message).toContain(
          `'${topic}' partition 0: wanted offset 10, available range [30, 50)`,
        );
        await source.stop?.();
      });

      it("'earliest' continues at the earliest offset and counts the lost records", async () => {
        const { topic, groupId } = await setup();
        const warnings: string[] = [];
        const source = kafkaDirectSource({
          ...server.connection,
          topics: [topic],
          groupId,
          onOffsetOutOfRange: 'earliest',
        });
        await source.start?.({ ...ctx, log: (_level, message) => warnings.push(message) });
        const b = await computeBatch(source, 1000);
        expect(b.offsetRanges![0]).toMatchObject({ fromOffset: 30, untilOffset: 50 });
        expect(b.partitions[0]!.map((r) => r.value)).toEqual(
          Array.from({ length: 20 }, (_, i) => `v${30 + i}`),
        );
        expect(source.stats().outOfRangeSkipped).toBe(20);
        expect(warnings.join()).toContain('[10, 30) deleted');
        await source.stop?.();
      });

      it("'latest' skips to the end", async () => {
        const { topic, groupId } = await setup();
        const source = kafkaDirectSource({
          ...server.connection,
          topics: [topic],
          groupId,
          onOffsetOutOfRange: 'latest',
        });
        await source.start?.(ctx);
        const b = await computeBatch(source, 1000);
        expect(b.offsetRanges![0]).toMatchObject({ fromOffset: 50, untilOffset: 50 });
        expect(b.partitions[0]).toEqual([]);
        await source.stop?.();
      });
    });

    describe('poison records', () => {
      const setup = async () => {
        const topic = await server.topic(1);
        await produce(topic, 10, 1, (i) => (i % 4 === 3 ? `{not json ${i}` : JSON.stringify({ n: i })));
        return topic;
      };
      const value = jsonDeserializer((v) => v as { n: number });

      it("'fail' stops the batch with the record's coordinates", async () => {
        const topic = await setup();
        const source = kafkaDirectSource({
          ...server.connection,
          topics: [topic],
          groupId: fresh(),
          startingOffsets: 'earliest',
          deserializer: { value },
        });
        await source.start?.(ctx);
        await expect(computeBatch(source, 1000)).rejects.toThrow(
          `${topic}/0@3: the value could not be deserialized`,
        );
        await source.stop?.();
      });

      it("'skip' drops and counts them", async () => {
        const topic = await setup();
        const source = kafkaDirectSource({
          ...server.connection,
          topics: [topic],
          groupId: fresh(),
          startingOffsets: 'earliest',
          deserializer: { key: stringDeserializer, value },
          onDeserializationError: 'skip',
        });
        await source.start?.(ctx);
        const b = await computeBatch(source, 1000);
        expect(b.partitions[0]!.map((r) => r.value!.n)).toEqual([0, 1, 2, 4, 5, 6, 8, 9]);
        expect(source.stats().skipped).toBe(2);
        await source.stop?.();
      });

      it('a dead-letter topic receives them with their origin', async () => {
        const topic = await setup();
        const dlq = await server.topic(1);
        const source = kafkaDirectSource({
          ...server.connection,
          topics: [topic],
          groupId: fresh(),
          startingOffsets: 'earliest',
          deserializer: { value },
          onDeserializationError: { deadLetterTopic: dlq },
        });
        await source.start?.(ctx);
        const b = await computeBatch(source, 1000);
        expect(b.partitions[0]).toHaveLength(8);
        expect(source.stats().deadLettered).toBe(2);
        const letters = await readAll(server.kafka, dlq, 2);
        expect(letters.map((l) => l.value)).toEqual(['{not json 3', '{not json 7']);
        await source.stop?.();
      });
    });

    it('reads topics written with every codec', async () => {
      const { CompressionTypes } = kafkajs;
      const topic = await server.topic(1);
      const producer = server.kafka.producer();
      // The source registers the codecs on creation; produce after that.
      const source = kafkaDirectSource({
        ...server.connection,
        topics: [topic],
        groupId: fresh(),
        startingOffsets: 'earliest',
      });
      await source.start?.(ctx);
      await producer.connect();
      const codecs = [
        CompressionTypes.GZIP,
        CompressionTypes.Snappy,
        CompressionTypes.LZ4,
        CompressionTypes.ZSTD,
      ];
      for (const compression of codecs) {
        await producer.send({
          topic,
          compression,
          messages: Array.from({ length: 5 }, (_, i) => ({ value: `${compression}-${i}` })),
        });
      }
      await producer.disconnect();
      const b = await computeBatch(source, 1000);
      expect(b.partitions[0]).toHaveLength(20);

      await source.stop?.();
    });

    // kafkajs decodes snappy, lz4 and zstd only through optional codec packages; @platformatic/kafka
    // has all four built in, so only the kafkajs adapter can meet a missing one.
    if (client === 'kafkajs') {
      it('a topic needing a codec that is not installed fails with an error naming topic, codec and package', async () => {
        const { CompressionTypes, CompressionCodecs } = kafkajs;
        registerCodecs(); // the test's own kafkajs producer writes zstd with the installed codec
        const topic = await server.topic(1);
        const producer = server.kafka.producer();
        await producer.connect();
        await producer.send({
          topic,
          compression: CompressionTypes.ZSTD,
          messages: Array.from({ length: 5 }, (_, i) => ({ value: `zstd-${i}` })),
        });
        await producer.disconnect();
        const registry = CompressionCodecs as unknown as Record<number, () => unknown>;
        const zstd = registry[CompressionTypes.ZSTD]!;
        registry[CompressionTypes.ZSTD] = codecFactory('zstd', () => {
          throw new Error('not installed');
        });
        try {
          const again = kafkaDirectSource({
            ...server.connection,
            topics: [topic],
            groupId: fresh(),
            startingOffsets: 'earliest',
          });
          await again.start?.(ctx);
          await expect(computeBatch(again, 1000)).rejects.toThrow(
            `Kafka topic '${topic}' partition 0 holds zstd-compressed records, but the zstd codec is not installed: npm install @mongodb-js/zstd@1.2.2`,
          );
          await again.stop?.();
        } finally {
          registry[CompressionTypes.ZSTD] = zstd;
        }
      });
    }
  });
}
