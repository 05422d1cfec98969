import { randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { Reader } from '../../src/protocol/reader.js';
import { Writer } from '../../src/protocol/writer.js';
import { fastConsumer, kafkaClient, waitFor } from './kafkajs-helpers.js';
import { findCoordinator, RawClient } from './raw-client.js';

const SESSION_TIMEOUT_MS = 2500;

/**
 * A group member that joins like a kafkajs consumer (same assignor, same subscription encoding), takes
 * its share, and then goes silent: no heartbeat, no leave, as if its process froze.
 */
async function joinAndFreeze(
  bootstrap: string[],
  groupId: string,
  topic: string,
): Promise<{ partitions: number[]; close: () => void }> {
  const boot = await RawClient.connect(bootstrap[0]!);
  const client = await RawClient.connect(await findCoordinator(boot, groupId, 0));
  boot.close();
  const subscription = new Writer()
    .int16(0)
    .array([topic], (w, t) => w.string(t))
    .bytes(Buffer.alloc(0))
    .toBuffer();
  const join = async (memberId: string) => {
    const r = await client.request(11, 5, (w) => {
      w.string(groupId)
        .int32(SESSION_TIMEOUT_MS)
        .int32(6000)
        .string(memberId)
        .string(null)
        .string('consumer');
      w.array(['RoundRobinAssigner'], (x, name) => x.string(name).bytes(subscription));
    });
    r.int32();
    const error = r.int16();
    const generation = r.int32();
    r.string();
    r.string();
    return { error, generation, memberId: r.string() };
  };
  const first = await join('');
  const joined = await join(first.memberId);
  if (joined.error !== 0) throw new Error(`frozen member could not join: error ${joined.error}`);
  const r = await client.request(14, 3, (w) => {
    w.string(groupId)
      .int32(joined.generation)
      .string(joined.memberId)
      .string(null)
      .array([], () => {});
  });
  r.int32();
  const error = r.int16();
  const assignment = r.bytes();
  if (error !== 0) throw new Error(`frozen member could not sync: error ${error}`);
  const decoded = new Reader(assignment);
  decoded.int16();
  const partitions = decoded
    .array((t) => {
      t.string();
      return t.array((p) => p.int32());
    })
    .flat();
  return { partitions: partitions.sort(), close: () => client.close() };
}

/**
 * kafkajs consumer group with three members: join one by one, one member times out (a frozen member
 * that stops heartbeating), one leaves. Observes how the partitions are shared after each change.
 */
export async function consumerGroupScenario(bootstrap: string[]) {
  const kafka = kafkaClient(bootstrap);
  const topic = `group-${randomUUID()}`;
  const groupId = `group-${randomUUID()}`;
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  const assignments = new Map<string, number[]>();
  const consumers = new Map<string, Consumer>();
  let frozen: { partitions: number[]; close: () => void } | undefined;

  const start = async (name: string) => {
    const consumer = kafka.consumer({ groupId, ...fastConsumer, sessionTimeout: SESSION_TIMEOUT_MS });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      assignments.set(name, [...(event.payload.memberAssignment[topic] ?? [])].sort());
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async () => {} });
    consumers.set(name, consumer);
  };
  /** Waits until the named members together hold all 3 partitions, each exactly once. */
  const settled = (names: string[]) =>
    waitFor(`assignment over ${names.join(',')}`, () => {
      const owned = names.map((n) => assignments.get(n) ?? []);
      const all = owned.flat().sort();
      if (all.join() !== '0,1,2') return undefined;
      return owned.map((o) => o.length).sort();
    });

  try {
    const steps: Record<string, unknown> = {};
    await start('a');
    steps.oneMember = await settled(['a']);
    await start('b');
    steps.twoMembers = await settled(['a', 'b']);
    frozen = await joinAndFreeze(bootstrap, groupId, topic);
    assignments.set('c', frozen.partitions);
    steps.threeMembers = await settled(['a', 'b', 'c']);
    const described = await admin.describeGroups([groupId]);
    steps.describedWithThree = described.groups.map((g) => ({
      state: g.state,
      protocolType: g.protocolType,
      protocol: g.protocol,
      members: g.members.length,
    }));

    // c is silent: the coordinator evicts it after the session timeout and the others rebalance.
    assignments.delete('c');
    steps.afterTimeout = await settled(['a', 'b']);

    const b = consumers.get('b')!;
    consumers.delete('b');
    await b.disconnect();
    assignments.delete('b');
    steps.afterLeave = await settled(['a']);
    return steps;
  } finally {
    frozen?.close();
    await Promise.all([...consumers.values()].map((c) => c.disconnect()));
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }
}
