import { randomUUID } from 'node:crypto';
import { consumeUntil, kafkaClient, sortOffsets, waitFor } from './kafkajs-helpers.js';

/** kafkajs: create a topic, produce to chosen partitions, consume with a group, commit, read it back. */
export async function produceConsumeScenario(bootstrap: string[]) {
  const kafka = kafkaClient(bootstrap);
  const topic = `produce-consume-${randomUUID()}`;
  const groupId = `group-${randomUUID()}`;
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    const created = await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    const sends = [];
    for (const batch of [
      [0, 0, 0, 1, 1],
      [0, 2, 2, 2, 2],
      [1, 2],
    ]) {
      const result = await producer.send({
        topic,
        acks: -1,
        messages: batch.map((partition, i) => ({ partition, key: `k${i}`, value: `p${partition}-${i}` })),
      });
      sends.push(sortOffsets(result).map((r) => [r.partition, r.errorCode, r.baseOffset]));
    }
    const idempotent = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await idempotent.connect();
    const idempotentSends = [];
    for (let i = 0; i < 3; i++) {
      const result = await idempotent.send({
        topic,
        acks: -1,
        messages: [{ partition: 1, key: `i${i}`, value: `idempotent-${i}` }],
      });
      idempotentSends.push(result.map((r) => [r.partition, r.errorCode, r.baseOffset]));
    }
    await idempotent.disconnect();
    const offsets = sortOffsets(await admin.fetchTopicOffsets(topic)).map((o) => [
      o.partition,
      o.low,
      o.high,
    ]);
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, heartbeatInterval: 300 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const consumed: Array<[number, string, string | null]> = [];
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        consumed.push([partition, message.offset, message.value?.toString() ?? null]);
        await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
      },
    });
    await waitFor('15 records', () => (consumed.length >= 15 ? true : undefined));
    await consumer.disconnect();
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const again = await consumeUntil(kafka, topic, `group-${randomUUID()}`, (seen) => seen.length >= 15);
    // Kafka drops a deleted topic's committed offsets from every group (asynchronously): poll.
    await admin.deleteTopics({ topics: [topic] });
    const offsetsAfterDelete = await waitFor('offsets of the deleted topic to go', async () => {
      const all = await admin.fetchOffsets({ groupId });
      return all.some((t) => t.topic === topic) ? undefined : all.length;
    });
    return {
      created,
      offsetsAfterDelete,
      sends,
      idempotentSends,
      offsets,
      consumed: consumed.sort((a, b) => a[0] - b[0] || Number(a[1]) - Number(b[1])),
      committed: committed.map((t) =>
        sortOffsets(t.partitions).map((p) => [p.partition, p.offset, p.metadata]),
      ),
      secondGroupCount: again.length,
    };
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }
}
