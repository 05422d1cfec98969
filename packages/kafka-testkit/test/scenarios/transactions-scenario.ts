import { randomUUID } from 'node:crypto';
import { consumeUntil, kafkaClient, sortOffsets, waitFor, whenCoordinatorReady } from './kafkajs-helpers.js';

/**
 * kafkajs transactional producer: commit, abort and commit again, each with sendOffsets; a zombie fenced
 * by a new producer with the same transactional id; read_committed and read_uncommitted consumers.
 */
export async function transactionsScenario(bootstrap: string[]) {
  const kafka = kafkaClient(bootstrap);
  const topic = `txn-${randomUUID()}`;
  const input = `txn-input-${randomUUID()}`;
  const groupId = `txn-group-${randomUUID()}`;
  const transactionalId = `txn-id-${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  const producers = [];
  try {
    await admin.createTopics({
      topics: [
        { topic, numPartitions: 2 },
        { topic: input, numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
    const steps: Record<string, unknown> = {};
    const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    producers.push(producer);
    await producer.connect();
    const run = async (values: string[], offset: string, commit: boolean) => {
      const txn = await producer.transaction();
      const sent = await txn.send({
        topic,
        messages: values.map((value, i) => ({ partition: i % 2, value })),
      });
      await txn.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic: input, partitions: [{ partition: 0, offset }] }],
      });
      if (commit) await txn.commit();
      else await txn.abort();
      return sortOffsets(sent).map((r) => [r.partition, r.errorCode, r.baseOffset]);
    };
    const committedOffset = () =>
      whenCoordinatorReady(() => admin.fetchOffsets({ groupId, topics: [input] })).then(
        (t) => t[0]?.partitions[0]?.offset,
      );
    // Also waits for a freshly started real broker's group coordinator: kafkajs does not retry
    // TxnOffsetCommit while it loads.
    steps.offsetBefore = await committedOffset();
    steps.first = await run(['c1', 'c2', 'c3'], '5', true);
    // Kafka writes the offset markers asynchronously after EndTxn: poll until the commit is visible.
    steps.offsetAfterCommit = await waitFor('committed txn offset', async () =>
      (await committedOffset()) === '5' ? '5' : undefined,
    );
    steps.aborted = await run(['a1', 'a2', 'a3'], '9', false);
    steps.offsetAfterAbort = await committedOffset();
    steps.last = await run(['c4', 'c5'], '7', true);
    steps.offsetAfterLast = await waitFor('second txn offset', async () =>
      (await committedOffset()) === '7' ? '7' : undefined,
    );

    // A second producer with the same transactional id fences the first, whose open transaction is aborted.
    const zombie = kafka.producer({
      transactionalId: `${transactionalId}-z`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    const successor = kafka.producer({
      transactionalId: `${transactionalId}-z`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    producers.push(zombie, successor);
    await zombie.connect();
    const zombieTxn = await zombie.transaction();
    await zombieTxn.send({ topic, messages: [{ partition: 0, value: 'zombie' }] });
    await successor.connect();
    const successorTxn = await successor.transaction();
    steps.zombieCommit = await zombieTxn.commit().then(
      () => 'committed',
      (error: { type?: string; name?: string }) => error.type ?? error.name,
    );
    await successorTxn.send({ topic, messages: [{ partition: 1, value: 'successor' }] });
    await successorTxn.commit();

    const committed = await consumeUntil(kafka, topic, `rc-${randomUUID()}`, (seen) => seen.length >= 6);
    const uncommitted = await consumeUntil(kafka, topic, `ru-${randomUUID()}`, (seen) => seen.length >= 10, {
      readUncommitted: true,
    });
    // Read after the consumers saw the successor's records: Kafka writes commit markers asynchronously
    // after EndTxn returns, so the high watermark is only settled once its commit is visible.
    steps.offsets = sortOffsets(await admin.fetchTopicOffsets(topic)).map((o) => [
      o.partition,
      o.low,
      o.high,
    ]);
    steps.readCommitted = committed.map((r) => [r.partition, r.offset, r.value]);
    steps.readUncommitted = uncommitted.map((r) => [r.partition, r.offset, r.value]);
    return steps;
  } finally {
    for (const producer of producers) await producer.disconnect();
    await admin.disconnect();
  }
}
