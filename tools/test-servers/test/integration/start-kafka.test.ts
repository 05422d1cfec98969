import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KAFKA_VERSIONS, startKafka } from '../../src/index.js';

async function produceAndConsume(bootstrap: string[], count: number): Promise<string[]> {
  const kafka = new Kafka({ clientId: 'test-servers-test', brokers: bootstrap, logLevel: logLevel.NOTHING });
  const topic = `t-${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
  });
  await producer.disconnect();
  const consumer = kafka.consumer({
    groupId: `g-${randomUUID()}`,
    maxWaitTimeInMs: 200,
    heartbeatInterval: 500,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed only ${values.length}/${count}`)), 30_000);
    consumer
      .run({
        eachMessage: async ({ message }) => {
          values.push(message.value?.toString() ?? '');
          if (values.length === count) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return values;
}

describe('startKafka, one broker', () => {
  for (const version of KAFKA_VERSIONS) {
    it(`runs Kafka ${version}: produce and consume through kafkajs, then stop leaves nothing behind`, async () => {
      const cluster = await startKafka({ version });
      const pid = cluster.brokers[0]?.pid;
      try {
        expect(cluster.version).toBe(version);
        expect(cluster.bootstrap).toHaveLength(1);
        expect(cluster.bootstrap[0]).toMatch(/^127\.0\.0\.1:\d+$/);
        expect(cluster.brokers[0]).toMatchObject({ nodeId: 1, host: '127.0.0.1', alive: true });
        expect(pid).toBeGreaterThan(0);
        const values = await produceAndConsume(cluster.bootstrap, 5);
        expect(values).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
      } finally {
        await cluster.stop();
      }
      expect(cluster.brokers[0]?.alive).toBe(false);
      expect(existsSync(`/proc/${pid}`)).toBe(false);
    });
  }

  it("rejects a start whose broker dies with the broker's last log lines", async () => {
    // the storage tool accepts this config; the broker fails when it loads the authorizer class
    const start = startKafka({ properties: { 'authorizer.class.name': 'dstream.NoSuchAuthorizer' } });
    await expect(start).rejects.toThrow(
      /kafka 3\.9\.1 broker 1 exited during start \(exit code 1\)[\s\S]*NoSuchAuthorizer/,
    );
  });

  it('rejects unknown versions and layouts before starting anything', async () => {
    await expect(startKafka({ version: '2.8.0' as '3.9.1' })).rejects.toThrow(/version 2\.8\.0/);
    await expect(startKafka({ brokers: 2 as 1 })).rejects.toThrow(/brokers must be 1 or 3/);
    await expect(startKafka({ properties: { 'node.id': '7' } })).rejects.toThrow(
      /node\.id is set by the harness/,
    );
  });
});
