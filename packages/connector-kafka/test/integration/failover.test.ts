import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import type { Admin } from 'kafkajs';
import { type KafkaCluster, startKafka } from '@dstream/test-servers';
import { createFailoverTopic, runFailover } from '../../scripts/failover-scenario.js';
import { kafkaSink } from '../../src/index.js';
import { sinkContext } from './context.js';

// One dedicated 3-broker cluster for this file: its tests kill brokers.
let cluster: KafkaCluster;
let admin: Admin;

beforeAll(async () => {
  cluster = await startKafka({ brokers: 3 });
  admin = new kafkajs.Kafka({ brokers: cluster.bootstrap, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
  await cluster?.stop();
});

describe('kafkaSink: acknowledged means durable when a partition leader dies (kafkajs #1303)', () => {
  it('loses no acknowledged record while the leader of a partition is SIGKILLed mid-write and restarted', async () => {
    const topic = await createFailoverTopic(admin);
    const sink = kafkaSink<number>({
      brokers: cluster.bootstrap,
      topic,
      key: (id) => `k${id}`,
      value: (id) => String(id),
      sendAttempts: 5,
    });
    const result = await runFailover(topic, {
      cluster,
      rounds: 2,
      write: (ids) => sink.writePartition(ids, sinkContext()),
    });
    await sink.close?.();
    expect(result.killed).toHaveLength(2);
    expect(result.acknowledged).toBeGreaterThan(1000);
    expect(result.lost).toEqual([]);
  });

  it('transactional mode: every acknowledged batch present exactly once in read_committed', async () => {
    const topic = await createFailoverTopic(admin);
    const source = await createFailoverTopic(admin, 1);
    let batch = 0;
    const sink = kafkaSink<number>({
      brokers: cluster.bootstrap,
      topic,
      key: (id) => `k${id}`,
      value: (id) => String(id),
      transactional: { groupId: `g-${topic}` },
    });
    const result = await runFailover(topic, {
      cluster,
      rounds: 1,
      intervalMs: 20,
      log: (m) => console.log(m),
      write: async (ids) => {
        const from = ids[0]!;
        batch++;
        const range = { topic: source, partition: 0, fromOffset: from, untilOffset: from + ids.length };
        await sink.writePartition(ids, sinkContext({ batchTime: batch, partitionOffsetRange: range }));
      },
    });
    await sink.close?.();
    expect(result.acknowledged).toBeGreaterThan(500);
    expect(result.lost).toEqual([]);
    expect(result.duplicates).toBe(0);
  });
});
