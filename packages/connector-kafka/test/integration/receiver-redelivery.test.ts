import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReceiverContext } from '@dstream/core';
import { ApiKey, ErrorCode } from '@dstream/kafka-testkit';
import kafkajs from 'kafkajs';
import { type ConsumerRecord, kafkaReceiver } from '../../src/index.js';
import { type TestKafka, testClients, testKafka } from './kafka-server.js';

// A rebalance while offsets are not yet committed makes kafkajs hand the same records over again
// (seen under load in full runs: a receiver stored a partition twice). The testkit refuses the
// receiver's commits and its heartbeat with REBALANCE_IN_PROGRESS, so the group is rejoined and
// fetching restarts from the committed offset, deterministically.
let server: TestKafka;

describe.each(testClients())(
  'receiver stream redelivery after a rebalance (testkit faults), with %s',
  (client) => {
    beforeAll(async () => {
      server = await testKafka('testkit', undefined, client);
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('records kafkajs hands over again are not stored twice', async () => {
      const topic = await server.topic(1);
      const producer = server.kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
      await producer.connect();
      await producer.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ value: `m${i}` })) });
      await producer.disconnect();

      const stored: string[] = [];
      const errors: string[] = [];
      let stopped = false;
      let sawAll: () => void = () => undefined;
      const done = new Promise<void>((resolve) => {
        sawAll = resolve;
      });
      const context: ReceiverContext<ConsumerRecord<string | null, string | null>> = {
        streamId: 0,
        store(record) {
          stored.push(String(record.value));
        },
        async storeAll(records) {
          for (const r of records) stored.push(String(r.value));
          if (new Set(stored).size === 20) sawAll();
        },
        restart(reason) {
          errors.push(`restart: ${reason}`);
        },
        reportError(message) {
          errors.push(message);
        },
        isStopped: () => stopped,
      };
      // Every commit attempt of the first batch refused, then the heartbeat: kafkajs rejoins and
      // fetches again from offset 0.
      server.testkit!.failNext(ApiKey.OffsetCommit, ErrorCode.REBALANCE_IN_PROGRESS, { times: 10 });
      server.testkit!.failNext(ApiKey.Heartbeat, ErrorCode.REBALANCE_IN_PROGRESS, { times: 1 });
      const receiver = kafkaReceiver({
        ...server.connection,
        topics: [topic],
        groupId: `g-${topic}`,
        startingOffsets: 'earliest',
        consumer: { sessionTimeout: 6000, heartbeatInterval: 100 },
      });
      await receiver.onStart(context);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([done, new Promise((r) => (timer = setTimeout(r, 20_000)))]);
      clearTimeout(timer);
      // Long enough for kafkajs to rejoin and hand the batch over again (heartbeats every 100 ms).
      await new Promise((r) => setTimeout(r, 3000));
      stopped = true;
      await receiver.onStop();
      expect(stored.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`).sort());
    });
  },
);
