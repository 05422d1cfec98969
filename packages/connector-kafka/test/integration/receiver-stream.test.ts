import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReceiverContext } from '@dstream/core';
import kafkajs from 'kafkajs';
import { type ConsumerRecord, kafkaReceiver } from '../../src/index.js';
import { type TestKafka, testClients, testKafka } from './kafka-server.js';

let server: TestKafka;

type Received = ConsumerRecord<string | null, string | null>;

/** A ReceiverContext (core's contract) whose storeAll resolves only when the test says so. */
function gatedContext() {
  const stored: Received[] = [];
  const gates: Array<() => void> = [];
  let stopped = false;
  const context: ReceiverContext<Received> = {
    streamId: 0,
    store: (r) => {
      stored.push(r);
    },
    storeAll: (records) =>
      new Promise<void>((resolve) => {
        gates.push(() => {
          stored.push(...records);
          resolve();
        });
      }),
    restart: () => undefined,
    reportError: () => undefined,
    isStopped: () => stopped,
  };
  return { context, stored, gates, stop: () => (stopped = true) };
}

async function committed(groupId: string, topic: string): Promise<number> {
  const [t] = await server.admin.fetchOffsets({ groupId, topics: [topic] });
  return t!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

const until = async (condition: () => boolean | Promise<boolean>, what: string): Promise<void> => {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe.each(testClients())('kafkaReceiver (reliable) with %s', (client) => {
  beforeAll(async () => {
    server = await testKafka('kafka', undefined, client);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('commits a batch’s offsets only after storeAll resolved', async () => {
    const topic = await server.topic(1);
    const groupId = `recv-${topic}`;
    const producer = server.kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })) });
    await producer.disconnect();

    const receiver = kafkaReceiver({
      ...server.connection,
      topics: [topic],
      groupId,
      startingOffsets: 'earliest',
      consumer: { maxWaitTimeInMs: 200, sessionTimeout: 6000, heartbeatInterval: 500 },
    });
    expect(receiver.reliable).toBe(true);
    const gated = gatedContext();
    await receiver.onStart(gated.context);
    await until(() => gated.gates.length > 0, 'the first storeAll');
    // Fetched but not yet stored: nothing committed.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await committed(groupId, topic)).toBe(0);
    gated.gates.shift()!();
    await until(async () => (await committed(groupId, topic)) === 10, 'the commit after storeAll');
    expect(gated.stored.map((r) => r.value)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    gated.stop();
    await receiver.onStop();
  });
});
