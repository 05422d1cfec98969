import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import type { KafkaClientName, KafkaFetchRange, KafkaRawRecord } from '../../src/index.js';
import { type KafkaBackend, type TestKafka, connectorClient, testKafka } from './kafka-server.js';

const PARTITIONS = 6;

/**
 * Per partition p: plain gzip batches (so a fetch can start before the wanted offset), then an
 * aborted and a committed transaction, then more plain records; partition p gets 40 + 7p plain ones.
 * Returns the committed values per partition in write order.
 */
async function fill(server: TestKafka, topic: string): Promise<string[][]> {
  const committed: string[][] = Array.from({ length: PARTITIONS }, () => []);
  const plain = server.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const tx = server.kafka.producer({
    transactionalId: `tx-${topic}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await Promise.all([plain.connect(), tx.connect()]);
  const sendPlain = async (from: number, count: number) => {
    for (let p = 0; p < PARTITIONS; p++) {
      const values = Array.from({ length: count + p * 3 }, (_, i) => `p${p}-plain-${from + i}`);
      // Batches of 8 compressed together.
      for (let i = 0; i < values.length; i += 8) {
        const chunk = values.slice(i, i + 8);
        await plain.send({
          topic,
          acks: -1,
          compression: kafkajs.CompressionTypes.GZIP,
          messages: chunk.map((value) => ({ value, partition: p })),
        });
        committed[p]!.push(...chunk);
      }
    }
  };
  await sendPlain(0, 20);
  const aborted = await tx.transaction();
  await aborted.send({
    topic,
    messages: Array.from({ length: PARTITIONS }, (_, p) => ({ value: `p${p}-aborted`, partition: p })),
  });
  await aborted.abort();
  const kept = await tx.transaction();
  await kept.send({
    topic,
    messages: Array.from({ length: PARTITIONS }, (_, p) => ({ value: `p${p}-committed`, partition: p })),
  });
  await kept.commit();
  for (let p = 0; p < PARTITIONS; p++) committed[p]!.push(`p${p}-committed`);
  await sendPlain(100, 20);
  await Promise.all([plain.disconnect(), tx.disconnect()]);
  return committed;
}

const shape = (records: readonly KafkaRawRecord[]) =>
  records.map((r) => ({ partition: r.partition, offset: r.offset, value: r.value?.toString() ?? null }));

/** Cost: one 6-partition topic of ~400 records per backend, a few seconds on real Kafka. */
export function rangeFetchCases(backend: KafkaBackend, client: KafkaClientName = 'kafkajs'): void {
  describe(`multi-partition range fetch on ${backend} with ${client}`, () => {
    let server: TestKafka;
    beforeAll(async () => {
      server = await testKafka(backend, undefined, client);
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('reads a 6-partition batch in one call exactly as the partitions read one by one', async () => {
      const topic = await server.topic(PARTITIONS);
      const committed = await fill(server, topic);
      // Small per-partition responses: each range takes several pipelined follow-up fetches.
      const client = connectorClient(server, { maxBytesPerPartition: 512 });
      try {
        let offsets = await client.topicOffsets(topic);
        // The transaction markers become visible to read_committed shortly after commit().
        for (let i = 0; i < 50 && offsets.some((o) => o.latest === 0); i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          offsets = await client.topicOffsets(topic);
        }
        const whole: KafkaFetchRange[] = offsets.map((o) => ({
          topic,
          partition: o.partition,
          fromOffset: o.earliest,
          untilOffset: o.latest,
        }));
        const alone = await Promise.all(whole.map((r) => client.fetchRange(r)));
        const together = await client.fetchRanges!(whole);
        expect(together.map(shape)).toEqual(alone.map(shape));
        // What was committed, in order, and nothing of the aborted transaction.
        expect(together.map((rs) => rs.map((r) => r.value?.toString()))).toEqual(committed);
        for (const [i, rs] of together.entries()) {
          expect(rs.every((r) => r.topic === topic && r.partition === whole[i]!.partition)).toBe(true);
        }

        // Bounds inside compressed batches and past the transaction; one empty range in the middle.
        const inner: KafkaFetchRange[] = whole.map((r, i) =>
          i === 2
            ? { ...r, fromOffset: 5, untilOffset: 5 }
            : { ...r, fromOffset: r.fromOffset + 3 + i, untilOffset: r.untilOffset - 2 - i },
        );
        const innerTogether = await client.fetchRanges!(inner);
        const innerAlone = await Promise.all(inner.map((r) => client.fetchRange(r)));
        expect(innerTogether.map(shape)).toEqual(innerAlone.map(shape));
        for (const [i, r] of inner.entries()) {
          const expected = shape(alone[i]!).filter(
            (x) => x.offset >= r.fromOffset && x.offset < r.untilOffset,
          );
          expect(shape(innerTogether[i]!)).toEqual(expected);
        }
        expect(innerTogether[2]).toEqual([]);
      } finally {
        await client.close();
      }
    });
  });
}
