import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import type { Admin } from 'kafkajs';
import { type KafkaCluster, type KafkaVersion, startKafka } from '@dstream/test-servers';
import { coordinatorOf, createFailoverTopic, runFailover } from '../../scripts/failover-scenario.js';
import { kafkaDirectSource, kafkaSink } from '../../src/index.js';
import { sinkContext } from './context.js';
import { readAndCompleteRetrying } from './direct-batch.js';
import { testClients } from './kafka-server.js';

/** Kill/restart rounds of the leader-failover case (issue 13: 5). */
const rounds = 5;
/** Writing before each kill, while the broker is down (its session times out after 4 s), after its restart. */
const phasesMs = { before: 800, down: 5000, after: 1200 };

/**
 * Issue 13's failover cases against one dedicated 1 controller + 3 broker cluster of `version`,
 * started once for the calling test file (its tests kill brokers, so it is not the shared broker).
 */
export function failoverSuite(version: KafkaVersion): void {
  let cluster: KafkaCluster;
  let admin: Admin;

  beforeAll(async () => {
    cluster = await startKafka({ brokers: 3, version });
    admin = new kafkajs.Kafka({ brokers: cluster.bootstrap, logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
    await cluster?.stop();
  });

  describe.each(testClients())(
    `Kafka ${version}, 3 brokers, %s: acknowledged means durable when a broker dies (kafkajs #1303)`,
    (client) => {
      it(`${rounds} rounds of a partition leader SIGKILLed mid-write and restarted: the idempotent sink loses nothing, the transactional sink writes each record exactly once, a direct stream reads each once`, async () => {
        const topic = await createFailoverTopic(admin);
        const txTopic = await createFailoverTopic(admin);
        const txSource = await createFailoverTopic(admin, 1);
        const sink = kafkaSink<number>({
          brokers: cluster.bootstrap,
          client,
          topic,
          key: (id) => `k${id}`,
          value: (id) => String(id),
          sendAttempts: 5,
        });
        const txSink = kafkaSink<number>({
          brokers: cluster.bootstrap,
          client,
          topic: txTopic,
          key: (id) => `k${id}`,
          value: (id) => String(id),
          transactional: { groupId: `g-${txTopic}` },
        });
        // A direct stream reads the topic while the leaders die: a failed batch is computed again for the
        // same time (as Spark retries the task), which must re-read exactly the same ranges.
        const source = kafkaDirectSource({
          brokers: cluster.bootstrap,
          client,
          topics: [topic],
          groupId: `reader-${topic}`,
          startingOffsets: 'earliest',
        });
        await source.start?.({ batchInterval: 200, rateLimit: () => undefined, log: () => undefined });
        const read: number[] = [];
        let writing = true;
        const readBatch = async (time: number): Promise<number> => {
          const values = await readAndCompleteRetrying(source, time);
          for (const v of values) read.push(v);
          return values.length;
        };
        let time = 0;
        const reader = (async () => {
          while (writing) {
            await readBatch((time += 200));
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        })();
        let batch = 0;
        const result = await runFailover(topic, {
          cluster,
          rounds,
          phasesMs,
          extraTopics: [txTopic],
          // Both modes in the same rounds: a write is acknowledged when both sinks acknowledged it.
          write: async (ids) => {
            const from = ids[0]!;
            batch++;
            const range = { topic: txSource, partition: 0, fromOffset: from, untilOffset: from + ids.length };
            await Promise.all([
              sink.writePartition(ids, sinkContext()),
              txSink.writePartition(ids, sinkContext({ batchTime: batch, partitionOffsetRange: range })),
            ]);
          },
        });
        writing = false;
        await reader;
        while ((await readBatch((time += 200))) > 0) {
          // catch up with the end of the topic
        }
        await source.stop?.();
        await sink.close?.();
        await txSink.close?.();
        expect(result.killed).toHaveLength(rounds);
        expect(result.acknowledged).toBeGreaterThan(300);
        expect(result.lost).toEqual([]);
        const tx = result.extra.get(txTopic)!;
        expect(tx.lost).toEqual([]);
        expect(tx.duplicates).toBe(0);
        // Every record in the topic read exactly once by the direct stream, through every leader change.
        expect(read).toHaveLength(result.present + result.duplicates);
        expect(new Set(read).size).toBe(result.present);
      }, 300_000);

      // The transaction coordinator (its __transaction_state partition's leader), then the group
      // coordinator that takes the sink's TxnOffsetCommit (its __consumer_offsets partition's leader).
      it.each([
        ['transactions', '__transaction_state'],
        ['source offsets (TxnOffsetCommit)', '__consumer_offsets'],
      ] as const)(
        'the broker coordinating the sink’s %s is SIGKILLed mid-transaction: each batch all or nothing',
        async (_what, internalTopic) => {
          const topic = await createFailoverTopic(admin);
          const source = await createFailoverTopic(admin, 1);
          const groupId = `g-${topic}`;
          const sink = kafkaSink<number>({
            brokers: cluster.bootstrap,
            client,
            topic,
            key: (id) => `k${id}`,
            value: (id) => String(id),
            transactional: { groupId },
          });
          const batches: number[][] = [];
          let batch = 0;
          const result = await runFailover(topic, {
            cluster,
            rounds: 1,
            intervalMs: 20,
            phasesMs: { before: 1500, down: 6000, after: 2500 },
            victim: (a) =>
              coordinatorOf(
                a,
                internalTopic,
                internalTopic === '__transaction_state' ? `${groupId}-out-0-${source}-0` : groupId,
              ),
            write: async (ids) => {
              batches.push(ids);
              const from = ids[0]!;
              batch++;
              const range = { topic: source, partition: 0, fromOffset: from, untilOffset: from + ids.length };
              await sink.writePartition(ids, sinkContext({ batchTime: batch, partitionOffsetRange: range }));
            },
          });
          await sink.close?.();
          expect(result.lost).toEqual([]);
          expect(result.duplicates).toBe(0);
          // The job went on writing (and committing its source offsets) once the broker was back.
          expect(result.ackedAfterLastRestart).toBeGreaterThan(0);
          for (const ids of batches) {
            const present = ids.filter((id) => result.presentIds.has(id)).length;
            expect([0, ids.length]).toContain(present);
          }
          // The committed source offset is that of a batch whose records are all present.
          const [offsets] = await admin.fetchOffsets({ groupId, topics: [source] });
          const committed = Number(offsets!.partitions[0]!.offset);
          const last = batches.find((ids) => ids[0]! + ids.length === committed);
          expect(last).toBeDefined();
          expect(last!.every((id) => result.presentIds.has(id))).toBe(true);
        },
        240_000,
      );

      it('the group coordinator is SIGKILLed while the direct stream commits: no range lost or read twice, lag catches up', async () => {
        const topic = await createFailoverTopic(admin, 3);
        const producer = new kafkajs.Kafka({
          brokers: cluster.bootstrap,
          logLevel: kafkajs.logLevel.NOTHING,
        }).producer({
          createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
        });
        await producer.connect();
        await producer.send({
          topic,
          acks: -1,
          messages: Array.from({ length: 600 }, (_, i) => ({ partition: i % 3, value: String(i) })),
        });
        await producer.disconnect();
        const groupId = `lag-${topic}`;
        const warnings: string[] = [];
        const source = kafkaDirectSource({
          brokers: cluster.bootstrap,
          client,
          topics: [topic],
          groupId,
          startingOffsets: 'earliest',
          maxRatePerPartition: 10,
        });
        await source.start?.({
          batchInterval: 1000,
          rateLimit: () => undefined,
          log: (_l, m) => warnings.push(m),
        });
        const read: number[] = [];
        let time = 0;
        const step = async (): Promise<number> => {
          time += 1000;
          const values = await readAndCompleteRetrying(source, time);
          for (const v of values) read.push(v);
          return values.length;
        };
        for (let i = 0; i < 3; i++) await step();
        const victim = await coordinatorOf(admin, '__consumer_offsets', groupId);
        await cluster.killBroker(victim, 'SIGKILL');
        const downUntil = Date.now() + 6000;
        while (Date.now() < downUntil) {
          await step();
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        await cluster.restartBroker(victim);
        while ((await step()) > 0) {
          // drain the topic
        }
        await source.stop?.();
        expect(read).toHaveLength(600);
        expect(new Set(read).size).toBe(600);
        // The last commit (after the coordinator moved) shows no lag.
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
        expect(offsets!.partitions.map((p) => Number(p.offset)).sort()).toEqual([200, 200, 200]);
      }, 240_000);
    },
  );
}
