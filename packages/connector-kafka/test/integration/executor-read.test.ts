import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { StreamingContext } from '@dstream/core';
import { driver } from './fixtures/executor-read-job.js';
import { type TestKafka, readStable, testClients, testKafka } from './kafka-server.js';

let server: TestKafka;
const job = new URL('./fixtures/executor-read-job.ts', import.meta.url);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function committedTotal(groupId: string, topic: string): Promise<number> {
  const [t] = await server.admin.fetchOffsets({ groupId, topics: [topic] });
  return t!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

// Cost: ~1200 records through 2 executor threads, a few seconds.
describe.each(testClients())(
  'executors read their own partitions (Source.readPartition), with %s',
  (client) => {
    beforeAll(async () => {
      server = await testKafka('kafka', undefined, client);
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('with 2 executors every record is read on an executor and written exactly once', async () => {
      const input = await server.topic(3);
      const output = await server.topic(2);
      const groupId = `exec-${input}`;
      const total = 1200;
      const producer = server.kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
      await producer.connect();
      await producer.send({
        topic: input,
        acks: -1,
        messages: Array.from({ length: total }, (_, i) => ({
          key: `k${i}`,
          value: i % 100 === 7 ? `bad${i}` : String(i),
        })),
      });
      await producer.disconnect();

      process.env.DSTREAM_EXECUTOR_READ_JOB = [
        server.bootstrap.join(','),
        input,
        output,
        groupId,
        client,
      ].join(' ');
      const ctx = await StreamingContext.fromModule(job, 'executorReadJob', {
        batchInterval: 200,
        executors: 2,
        logger: quiet,
      });
      await ctx.start();
      try {
        const deadline = Date.now() + 60_000;
        while ((await committedTotal(groupId, input).catch(() => 0)) < total && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      } finally {
        await ctx.stop({ graceful: true });
      }
      expect(await committedTotal(groupId, input)).toBe(total);
      const source = driver.source!;
      // Several batches, each planned on the driver; the records skipped on the executors count there.
      expect(source.stats().batches).toBeGreaterThan(1);
      expect(source.stats().skipped).toBe(12);

      const lines = (await readStable(server.kafka, output)).map((r) => r.value!);
      expect(lines).toHaveLength(total - 12);
      const values = lines.map((l) => /^out-(\d+)@(\d+)$/.exec(l));
      expect(values.every((m) => m !== null)).toBe(true);
      expect(new Set(values.map((m) => m![1])).size).toBe(total - 12);
      // Read by the executors' threads, never by the driver's (thread 0).
      const threads = new Set(values.map((m) => Number(m![2])));
      expect(threads.has(0)).toBe(false);
      expect(threads.size).toBe(2);
    }, 120_000);
  },
);
