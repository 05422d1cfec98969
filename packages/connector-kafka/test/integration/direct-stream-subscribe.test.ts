import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KAFKA_VERSIONS } from '@dstream/test-servers';
import type { SourceContext } from '@dstream/core';
import { type KafkaClientName, type KafkaDirectSource, kafkaDirectSource } from '../../src/index.js';
import { type TestKafka, produceEvenly, testClients, testKafka } from './kafka-server.js';
import { computeBatch } from './direct-batch.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One in-process instance of a subscribed direct stream, stepped batch by batch. */
class Instance {
  readonly source: KafkaDirectSource<string | null, string | null>;
  readonly read: string[] = [];
  readonly assignments: string[][] = [];
  readonly warnings: string[] = [];
  private time = 0;
  readonly context: SourceContext = {
    batchInterval: 200,
    rateLimit: () => undefined,
    log: (level, message, fields) => {
      if (level === 'warn') this.warnings.push(`${message} ${JSON.stringify(fields)}`);
      const partitions = (fields as { partitions?: string[] } | undefined)?.partitions;
      if (partitions !== undefined) this.assignments.push(partitions);
    },
  };

  constructor(server: TestKafka, topic: string, groupId: string, client: KafkaClientName) {
    this.source = kafkaDirectSource({
      brokers: server.bootstrap,
      client,
      topics: [topic],
      groupId,
      subscribe: true,
      commitToGroup: true,
      startingOffsets: 'earliest',
      maxRatePerPartition: 50,
      consumer: { sessionTimeout: 6000, heartbeatInterval: 200, rebalanceTimeout: 5000 },
    });
  }

  owned(): number {
    return this.assignments.at(-1)?.length ?? 0;
  }

  /** Computes and completes one batch; returns how many records it read. */
  async step(): Promise<number> {
    this.time += 200;
    const batch = await computeBatch(this.source, this.time);
    for (const p of batch.partitions) for (const r of p) this.read.push(r.value!);
    await this.source.onBatchCompleted?.(this.time, batch.offsetRanges ?? []);
    return batch.partitions.reduce((n, p) => n + p.length, 0);
  }
}

async function until(what: string, ok: () => boolean, step: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) {
    await step();
    await sleep(50);
  }
  if (!ok()) throw new Error(`gave up waiting for ${what}`);
}

/**
 * Both instances on each client, and (where both clients load) one on each: members speak the same
 * protocol name and consumer-protocol bytes, so a job can move from one client to the other live.
 */
const clients = testClients();
const pairs: Array<[KafkaClientName, KafkaClientName]> = clients.map((c) => [c, c]);
if (clients.length > 1) pairs.push(['kafkajs', 'platformatic']);

describe.each(KAFKA_VERSIONS)(
  'direct stream subscribe: group assignment in one process, Kafka %s',
  (version) => {
    let server: TestKafka;

    beforeAll(async () => {
      server = await testKafka('kafka', version);
    });

    afterAll(async () => {
      await server?.stop();
    });

    it.each(pairs)(
      'two instances (%s, %s) split the partitions, commit as group members; one leaves, the other reads the rest: each record once',
      async (clientA, clientB) => {
        const topic = await server.topic(6);
        const groupId = `sub-${topic}`;
        const total = 600;
        await produceEvenly(server.kafka, topic, total, 6, (i) => ({ value: String(i) }));

        const a = new Instance(server, topic, groupId, clientA);
        const b = new Instance(server, topic, groupId, clientB);
        await a.source.start?.(a.context);
        expect(a.owned()).toBe(6);
        await a.step();
        // b's join completes only after a has drained and rejoined; a keeps stepping meanwhile.
        let bStarted = false;
        const bStart = b.source.start?.(b.context).then(() => {
          bStarted = true;
        });
        await until(
          'b to join',
          () => bStarted,
          () => a.step(),
        );
        await bStart;
        await until(
          'a 3 + b 3',
          () => a.owned() === 3 && b.owned() === 3,
          () => a.step(),
        );
        expect(new Set([...a.assignments.at(-1)!, ...b.assignments.at(-1)!]).size).toBe(6);
        for (let i = 0; i < 3; i++) await Promise.all([a.step(), b.step()]);
        expect(a.read.length).toBeGreaterThan(0);

        // a stops (leaves the group); b is reassigned all 6 and reads on from a's committed offsets.
        await a.source.stop?.();
        await until(
          'b to own all 6',
          () => b.owned() === 6,
          () => b.step(),
        );
        let empty = 0;
        for (let i = 0; i < 200 && empty < 3; i++) empty = (await b.step()) === 0 ? empty + 1 : 0;
        await b.source.stop?.();

        const all = [...a.read, ...b.read];
        expect(all).toHaveLength(total);
        expect(new Set(all).size).toBe(total);
        const [offsets] = await server.admin.fetchOffsets({ groupId, topics: [topic] });
        expect(offsets!.partitions.map((p) => Number(p.offset))).toEqual([100, 100, 100, 100, 100, 100]);
      },
      120_000,
    );
  },
);
