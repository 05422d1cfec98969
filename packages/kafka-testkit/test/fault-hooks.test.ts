import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey, ErrorCode, KafkaTestCluster } from '../src/index.js';
import { consumeUntil, fastConsumer, kafkaClient, waitFor } from './scenarios/kafkajs-helpers.js';
import { RawClient } from './scenarios/raw-client.js';

let cluster: KafkaTestCluster;
beforeAll(async () => {
  cluster = await KafkaTestCluster.start({ brokers: 3 });
});
afterAll(() => cluster.stop());

describe('fault hooks', () => {
  it('failNext: kafkajs retries a retriable produce error; the failed attempts append nothing', async () => {
    const topic = `fail-${randomUUID()}`;
    cluster.createTopic(topic, { partitions: 1 });
    const producer = kafkaClient(cluster.bootstrap).producer();
    await producer.connect();
    try {
      cluster.failNext(ApiKey.Produce, ErrorCode.NOT_LEADER_OR_FOLLOWER, { times: 2 });
      const [result] = await producer.send({ topic, messages: [{ value: 'once' }] });
      expect(result).toMatchObject({ errorCode: 0, baseOffset: '0' });
      expect(cluster.readRecords(topic, 0).map((r) => r.value?.toString())).toEqual(['once']);
    } finally {
      await producer.disconnect();
    }
  });

  it('failNext: a non-retriable error reaches the client and changes nothing', async () => {
    const topic = `fail-admin-${randomUUID()}`;
    const admin = kafkaClient(cluster.bootstrap).admin();
    await admin.connect();
    try {
      cluster.failNext(ApiKey.CreateTopics, ErrorCode.TOPIC_ALREADY_EXISTS);
      expect(await admin.createTopics({ topics: [{ topic }] })).toBe(false);
      expect(cluster.topics()).not.toContain(topic);
      expect(await admin.createTopics({ topics: [{ topic }] })).toBe(true);
    } finally {
      await admin.disconnect();
    }
  });

  it('failNext on Heartbeat makes a kafkajs member rejoin the group and get the same assignment', async () => {
    const topic = `rejoin-${randomUUID()}`;
    cluster.createTopic(topic, { partitions: 2 });
    const consumer = kafkaClient(cluster.bootstrap).consumer({
      groupId: `rejoin-${randomUUID()}`,
      ...fastConsumer,
    });
    const joins: number[][] = [];
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      joins.push([...(event.payload.memberAssignment[topic] ?? [])].sort());
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async () => {} });
      await waitFor('first join', () => (joins.length >= 1 ? true : undefined));
      cluster.failNext(ApiKey.Heartbeat, ErrorCode.REBALANCE_IN_PROGRESS);
      await waitFor('rejoin', () => (joins.length >= 2 ? true : undefined));
      expect(joins.slice(0, 2)).toEqual([
        [0, 1],
        [0, 1],
      ]);
    } finally {
      await consumer.disconnect();
    }
  });

  it('delayNext holds the next request of an API for the given time', async () => {
    const client = await RawClient.connect(cluster.bootstrap[0]!);
    try {
      cluster.delayNext(ApiKey.ApiVersions, 300);
      const started = Date.now();
      await client.request(ApiKey.ApiVersions, 0, () => {});
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      const again = Date.now();
      await client.request(ApiKey.ApiVersions, 0, () => {});
      expect(Date.now() - again).toBeLessThan(250);
    } finally {
      client.close();
    }
  });

  it('dropConnections: clients reconnect and carry on', async () => {
    const topic = `drop-${randomUUID()}`;
    cluster.createTopic(topic, { partitions: 1 });
    const producer = kafkaClient(cluster.bootstrap).producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: [{ value: 'before' }] });
      cluster.dropConnections();
      await producer.send({ topic, messages: [{ value: 'after' }] });
      expect(cluster.readRecords(topic, 0).map((r) => r.value?.toString())).toEqual(['before', 'after']);
    } finally {
      await producer.disconnect();
    }
  });

  it('stopBroker moves leadership to a live broker; restartBroker brings the node back', async () => {
    const local = await KafkaTestCluster.start({ brokers: 3 });
    const topic = `failover-${randomUUID()}`;
    local.createTopic(topic, { partitions: 3 });
    const send = async (prefix: string) => {
      // A fresh client each time: kafkajs 2.2.4 can drop a partition whose cached leader has vanished.
      const producer = kafkaClient(local.bootstrap).producer();
      await producer.connect();
      await producer.send({
        topic,
        messages: [0, 1, 2].map((partition) => ({ partition, value: `${prefix}${partition}` })),
      });
      await producer.disconnect();
    };
    try {
      await send('a');
      await local.stopBroker(2);
      expect(local.bootstrap).toHaveLength(2);
      const admin = kafkaClient(local.bootstrap).admin();
      await admin.connect();
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      await admin.disconnect();
      expect(topics[0]!.partitions.map((p) => p.leader).filter((leader) => leader === 2)).toEqual([]);
      await send('b');
      await local.restartBroker(2);
      await local.restartBroker(2);
      expect(local.bootstrap).toHaveLength(3);
      const seen = await consumeUntil(
        kafkaClient(local.bootstrap),
        topic,
        `failover-${randomUUID()}`,
        (s) => s.length >= 6,
      );
      expect(seen.map((r) => `${r.partition}:${r.value}`)).toEqual([
        '0:a0',
        '0:b0',
        '1:a1',
        '1:b1',
        '2:a2',
        '2:b2',
      ]);
    } finally {
      await local.stop();
    }
  });
});

describe('test-kit API', () => {
  it('creates topics, produces and reads records, deletes records and reads committed offsets', async () => {
    const topic = `kit-${randomUUID()}`;
    cluster.createTopic(topic, { partitions: 2 });
    expect(() => cluster.createTopic(topic)).toThrow(/already exists/);
    expect(() => cluster.createTopic('bad/name')).toThrow(/illegal/);
    const written = cluster.produce(topic, [
      { key: 'k', value: 'v0', headers: { h: '1' } },
      { value: 'v1' },
      { partition: 1, value: 'p1' },
    ]);
    expect(written).toEqual([
      { partition: 0, baseOffset: 0 },
      { partition: 1, baseOffset: 0 },
    ]);
    const records = cluster.readRecords(topic, 0);
    expect(records.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString()])).toEqual([
      [0, 'k', 'v0'],
      [1, null, 'v1'],
    ]);
    expect(records[0]!.headers).toEqual([{ key: 'h', value: Buffer.from('1') }]);
    cluster.deleteRecordsBefore(topic, 0, 1);
    expect(cluster.offsets(topic, 0)).toEqual({ logStartOffset: 1, highWatermark: 2, lastStableOffset: 2 });
    expect(cluster.readRecords(topic, 0).map((r) => r.offset)).toEqual([1]);
    expect(() => cluster.deleteRecordsBefore(topic, 0, 5)).toThrow(/outside/);

    const groupId = `kit-group-${randomUUID()}`;
    const seen = await consumeUntil(kafkaClient(cluster.bootstrap), topic, groupId, (s) => s.length >= 2);
    expect(seen.map((r) => r.value)).toEqual(['v1', 'p1']);
    // kafkajs auto-commits the offset after each consumed batch: the next offset to read, verbatim.
    const committed = cluster
      .committedOffsets(groupId)
      .map((o) => [o.topic === topic, o.partition, o.offset])
      .sort();
    expect(committed).toEqual([
      [true, 0, 2],
      [true, 1, 1],
    ]);
    cluster.deleteTopic(topic);
    expect(cluster.topics()).not.toContain(topic);
    expect(() => cluster.readRecords(topic, 0)).toThrow(/unknown topic-partition/);
  });
});
