import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey, ErrorCode } from '@dstream/kafka-testkit';
import { kafkaSink } from '../../src/index.js';
import { sinkContext } from './context.js';
import { type KafkaBackend, type TestKafka, readAll, testKafka } from './kafka-server.js';
import type { KafkaClientName } from '../../src/index.js';

/** These cases run against real Kafka and against @dstream/kafka-testkit. */
export function transactionalSinkCases(backend: KafkaBackend, client: KafkaClientName = 'kafkajs'): void {
  let server: TestKafka;

  beforeAll(async () => {
    server = await testKafka(backend, undefined, client);
  });

  afterAll(async () => {
    await server?.stop();
  });

  async function groupOffset(
    groupId: string,
    topic: string,
    partition: number,
    atLeast: number,
  ): Promise<number> {
    // Offsets committed in a transaction become visible shortly after commit() returns.
    const deadline = Date.now() + 5000;
    for (;;) {
      const [t] = await server.admin.fetchOffsets({ groupId, topics: [topic] });
      const offset = Number(t?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
      if (offset >= atLeast || Date.now() > deadline) return offset;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  describe(`kafkaSink on ${backend} with ${client} transactional (records + source offsets in one transaction)`, () => {
    it('commits records and the source range together; a replayed range is not written twice', async () => {
      const source = await server.topic(1);
      const output = await server.topic(2);
      const groupId = `job-${Math.random().toString(36).slice(2)}`;
      const options = {
        ...server.connection,
        topic: output,
        key: (r: number) => `k${r}`,
        value: (r: number) => String(r),
        transactional: { groupId },
      };
      const sink = kafkaSink<number>(options);
      expect(sink.guarantee).toBe('transactional');
      expect(sink.offsetStore).toBeDefined();
      const range = { topic: source, partition: 0, fromOffset: 0, untilOffset: 10 };
      const records = Array.from({ length: 10 }, (_, i) => i);
      await sink.writePartition(records, sinkContext({ partitionOffsetRange: range }));
      expect(await groupOffset(groupId, source, 0, 10)).toBe(10);
      // The same batch again (a retried task) is skipped.
      await sink.writePartition(records, sinkContext({ partitionOffsetRange: range, attempt: 2 }));
      await sink.close?.();

      // A restarted job (new sink, same ids) fences the old producer and skips what was committed.
      const restarted = kafkaSink<number>(options);
      await restarted.writePartition(records, sinkContext({ partitionOffsetRange: range }));
      const next = { topic: source, partition: 0, fromOffset: 10, untilOffset: 13 };
      await restarted.writePartition(
        [10, 11, 12],
        sinkContext({ partitionOffsetRange: next, batchTime: 2000 }),
      );
      expect(await groupOffset(groupId, source, 0, 13)).toBe(13);
      expect(await restarted.offsetStore!.load(groupId, [source])).toEqual([
        { topic: source, partition: 0, offset: 13 },
      ]);
      await restarted.close?.();

      const read = await readAll(server.kafka, output, 13);
      expect(read.map((r) => Number(r.value)).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 13 }, (_, i) => i),
      );
    });

    // The testkit does not enforce the topic's max.message.bytes (the failure this case provokes), so
    // this case runs on real Kafka only.
    const abortCase = async () => {
      const source = await server.topic(1);
      const output = await server.topic(2, { 'max.message.bytes': '20000' });
      const groupId = `job-${Math.random().toString(36).slice(2)}`;
      const sink = kafkaSink<{ p: number; v: string }>({
        ...server.connection,
        topic: output,
        value: (r) => r.v,
        partitionOf: (r) => r.p,
        transactional: { groupId },
      });
      const range = { topic: source, partition: 0, fromOffset: 0, untilOffset: 4 };
      const records = [
        { p: 0, v: 'small-1' },
        { p: 0, v: 'small-2' },
        { p: 1, v: 'x'.repeat(50_000) },
        { p: 1, v: 'small-3' },
      ];
      await expect(
        sink.writePartition(records, sinkContext({ partitionOffsetRange: range })),
      ).rejects.toThrow(new RegExp(`transaction '${groupId}-out-0-${source}-0' failed at send ${output}/1`));
      // Then a good batch commits.
      await sink.writePartition([{ p: 0, v: 'after' }], sinkContext({ partitionOffsetRange: range }));
      await sink.close?.();

      const committed = await readAll(server.kafka, output, 1);
      expect(committed.map((r) => r.value)).toEqual(['after']);
      const uncommitted = await readAll(server.kafka, output, 3, { readUncommitted: true });
      expect(uncommitted.map((r) => r.value)).toEqual(['small-1', 'small-2', 'after']);
      expect(await groupOffset(groupId, source, 0, 4)).toBe(4);
    };
    if (backend === 'kafka') {
      it(
        'aborts the whole transaction when one partition fails: read_committed sees nothing of it',
        abortCase,
      );
    } else {
      it('a failed commit leaves nothing visible; the next transaction fences and aborts it', async () => {
        const source = await server.topic(1);
        const output = await server.topic(2);
        const groupId = `job-${Math.random().toString(36).slice(2)}`;
        const sink = kafkaSink<string>({
          ...server.connection,
          topic: output,
          transactional: { groupId },
        });
        const range = { topic: source, partition: 0, fromOffset: 0, untilOffset: 2 };
        server.testkit!.failNext(ApiKey.EndTxn, ErrorCode.INVALID_TXN_STATE);
        await expect(
          sink.writePartition(['lost-1', 'lost-2'], sinkContext({ partitionOffsetRange: range })),
        ).rejects.toThrow(/failed at commit/);
        await sink.writePartition(
          ['kept-1', 'kept-2'],
          sinkContext({ partitionOffsetRange: range, attempt: 2 }),
        );
        await sink.close?.();
        const committed = await readAll(server.kafka, output, 2);
        expect(committed.map((r) => r.value).sort()).toEqual(['kept-1', 'kept-2']);
        expect(await groupOffset(groupId, source, 0, 2)).toBe(2);
      });
    }
  });
}
