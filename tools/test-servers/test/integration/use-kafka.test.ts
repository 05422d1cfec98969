import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { useKafka } from '../../src/vitest.js';

describe('useKafka', () => {
  it('hands every caller of the run the same shared 3.9.1 broker', async () => {
    const [first, second] = await Promise.all([useKafka(), useKafka({ version: '3.9.1' })]);
    const third = await useKafka();
    expect(first.version).toBe('3.9.1');
    expect(first.bootstrap).toHaveLength(1);
    expect(second).toEqual(first);
    expect(third).toEqual(first);

    const kafka = new Kafka({
      clientId: 'use-kafka-test',
      brokers: first.bootstrap,
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topic = `t-${randomUUID()}`;
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.map((o) => o.partition).sort()).toEqual([0, 1]);
      await admin.deleteTopics({ topics: [topic] });
    } finally {
      await admin.disconnect();
    }
  });

  it('keeps one shared broker per version', async () => {
    const v4 = await useKafka({ version: '4.4.0' });
    const again = await useKafka({ version: '4.4.0' });
    const v3 = await useKafka();
    expect(v4.version).toBe('4.4.0');
    expect(again).toEqual(v4);
    expect(v4.bootstrap).not.toEqual(v3.bootstrap);
  });
});
