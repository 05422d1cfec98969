import { randomUUID } from 'node:crypto';
import { consumeUntil, kafkaClient, sortOffsets, waitFor, whenCoordinatorReady } from './kafkajs-helpers.js';

/**
 * kafkajs admin: create (twice), list, fetch offsets, delete records, a group whose committed offset was
 * deleted (OFFSET_OUT_OF_RANGE → reset to the new log start), describe/delete groups, delete topics.
 */
export async function adminScenario(bootstrap: string[]) {
  const kafka = kafkaClient(bootstrap);
  const topic = `admin-${randomUUID()}`;
  const groupId = `admin-group-${randomUUID()}`;
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    const steps: Record<string, unknown> = {};
    const spec = { topics: [{ topic, numPartitions: 2 }], waitForLeaders: true };
    steps.created = [await admin.createTopics(spec), await admin.createTopics(spec)];
    steps.listed = (await admin.listTopics()).includes(topic);
    steps.badPartitions = await admin
      .createTopics({ topics: [{ topic: `${topic}-bad`, numPartitions: 0 }] })
      .then(
        () => 'created',
        (error: { errors?: Array<{ type: string }>; type?: string }) => error.errors?.[0]?.type ?? error.type,
      );
    await producer.send({
      topic,
      messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `v${i}` })),
    });
    const base = 1_700_000_000_000;
    await producer.send({
      topic,
      messages: [{ partition: 1, value: 'only', timestamp: String(base) }],
    });
    await producer.send({
      topic,
      messages: [10, 20].map((delta) => ({
        partition: 1,
        value: `t+${delta}`,
        timestamp: String(base + delta),
      })),
    });
    const byTime = async (timestamp: number) =>
      sortOffsets(await admin.fetchTopicOffsetsByTimestamp(topic, timestamp)).map((o) => [
        o.partition,
        o.offset,
      ]);
    steps.byTimestamp = [
      await byTime(base - 1),
      await byTime(base + 5),
      await byTime(base + 20),
      await byTime(base + 99),
    ];
    steps.offsetsBefore = sortOffsets(await admin.fetchTopicOffsets(topic)).map((o) => [
      o.partition,
      o.low,
      o.high,
    ]);
    steps.noCommits = (
      await whenCoordinatorReady(() => admin.fetchOffsets({ groupId, topics: [topic] }))
    )[0]?.partitions.map((p) => p.offset);
    await whenCoordinatorReady(() =>
      admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '2' }] }),
    );
    steps.afterSetOffsets = sortOffsets(
      (await whenCoordinatorReady(() => admin.fetchOffsets({ groupId, topics: [topic] })))[0]!.partitions,
    ).map((p) => [p.partition, p.offset]);
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '4' }] });
    steps.offsetsAfterDelete = sortOffsets(await admin.fetchTopicOffsets(topic)).map((o) => [
      o.partition,
      o.low,
      o.high,
    ]);
    // The group's committed offset 2 now lies below the log start: the fetch gets OFFSET_OUT_OF_RANGE and
    // the consumer resets to the earliest offset (fromBeginning), 4.
    const consumed = await consumeUntil(kafka, topic, groupId, (seen) => seen.length >= 9);
    steps.consumedAfterDelete = consumed.map((r) => [r.partition, r.offset, r.value]);
    const described = await whenCoordinatorReady(() => admin.describeGroups([groupId]));
    steps.describedAfterLeave = described.groups.map((g) => [g.state, g.members.length]);
    steps.listedGroup = (await whenCoordinatorReady(() => admin.listGroups())).groups.some(
      (g) => g.groupId === groupId,
    );
    await whenCoordinatorReady(() => admin.deleteGroups([groupId]));
    steps.afterDeleteGroup = (
      await whenCoordinatorReady(() => admin.fetchOffsets({ groupId, topics: [topic] }))
    )[0]?.partitions.map((p) => p.offset);
    await admin.deleteTopics({ topics: [topic] });
    // Brokers learn of a deletion from the controller a moment after DeleteTopics returns: poll.
    steps.listedAfterDelete = await waitFor('topic deletion', async () =>
      (await admin.listTopics()).includes(topic) ? undefined : false,
    );
    return steps;
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }
}
