import { randomUUID } from 'node:crypto';
import type { Reader } from '../../src/protocol/reader.js';
import { findCoordinator, RawClient } from './raw-client.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SESSION_TIMEOUT_MS = 2000;

interface JoinObservation {
  error: number;
  generation: number;
  protocol: string;
  isLeader: boolean;
  memberId: string;
  memberCount: number;
}

async function join(client: RawClient, groupId: string, memberId: string): Promise<JoinObservation> {
  const r = await client.request(11, 5, (w) => {
    w.string(groupId).int32(SESSION_TIMEOUT_MS).int32(5000).string(memberId).string(null).string('consumer');
    w.array([{ name: 'range', metadata: Buffer.from('meta') }], (x, p) => x.string(p.name).bytes(p.metadata));
  });
  r.int32();
  const error = r.int16();
  const generation = r.int32();
  const protocol = r.string();
  const leader = r.string();
  const id = r.string();
  const members = r.array((m) => [m.string(), m.nullableString(), m.bytes()]);
  return {
    error,
    generation,
    protocol,
    isLeader: leader === id && id !== '',
    memberId: id,
    memberCount: members.length,
  };
}

async function sync(
  client: RawClient,
  groupId: string,
  generation: number,
  memberId: string,
  assignments: Array<[string, string]>,
) {
  const r = await client.request(14, 3, (w) => {
    w.string(groupId).int32(generation).string(memberId).string(null);
    w.array(assignments, (x, [id, value]) => x.string(id).bytes(Buffer.from(value)));
  });
  r.int32();
  return { error: r.int16(), assignment: r.bytes().toString() };
}

async function heartbeat(client: RawClient, groupId: string, generation: number, memberId: string) {
  const r = await client.request(12, 3, (w) =>
    w.string(groupId).int32(generation).string(memberId).string(null),
  );
  r.int32();
  return r.int16();
}

async function leave(client: RawClient, groupId: string, memberId: string) {
  const r = await client.request(13, 1, (w) => w.string(groupId).string(memberId));
  r.int32();
  return r.int16();
}

async function commit(
  client: RawClient,
  groupId: string,
  generation: number,
  memberId: string,
  topic: string,
) {
  const r = await client.request(8, 2, (w) => {
    w.string(groupId).int32(generation).string(memberId).int64(-1);
    w.array([topic], (x, t) => x.string(t).array([0], (y, p) => y.int32(p).int64(42).string('meta')));
  });
  return firstPartitionError(r);
}

function firstPartitionError(r: Reader): number {
  let error = -1;
  r.array((t) => {
    t.string();
    t.array((p) => {
      p.int32();
      error = p.int16();
    });
  });
  return error;
}

async function describe(client: RawClient, groupId: string) {
  const r = await client.request(15, 1, (w) => w.array([groupId], (x, g) => x.string(g)));
  r.int32();
  const [group] = r.array((g) => {
    const error = g.int16();
    g.string();
    const state = g.string();
    const protocolType = g.string();
    const protocol = g.string();
    const members = g.array((m) => {
      m.string();
      m.string();
      m.string();
      m.bytes();
      return m.bytes().toString();
    });
    return { error, state, protocolType, protocol, assignments: members.sort() };
  });
  return group;
}

async function fetchCommitted(client: RawClient, groupId: string, topic: string) {
  const r = await client.request(9, 1, (w) =>
    w.string(groupId).array([topic], (x, t) => x.string(t).array([0], (y, p) => y.int32(p))),
  );
  const out: Array<{ offset: number; metadata: string | null; error: number }> = [];
  r.array((t) => {
    t.string();
    t.array((p) => {
      p.int32();
      out.push({ offset: p.int64(), metadata: p.nullableString(), error: p.int16() });
    });
  });
  return out;
}

async function createTopic(client: RawClient, topic: string) {
  const r = await client.request(19, 2, (w) => {
    w.array([topic], (x, t) =>
      x
        .string(t)
        .int32(1)
        .int16(1)
        .array([], () => {})
        .array([], () => {}),
    );
    w.int32(5000).bool(false);
  });
  r.int32();
  const [error] = r.array((t) => {
    t.string();
    const code = t.int16();
    t.nullableString();
    return code;
  });
  return error;
}

/**
 * The classic group protocol step by step, with raw requests so every error code and generation the
 * coordinator answers is observed: MEMBER_ID_REQUIRED, joins, syncs, REBALANCE_IN_PROGRESS through
 * heartbeats, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, leave, session-timeout eviction, offsets.
 */
export async function groupProtocolScenario(bootstrap: string[]) {
  const groupId = `group-${randomUUID()}`;
  const topic = `group-topic-${randomUUID()}`;
  const boot = await RawClient.connect(bootstrap[0]!);
  const clients: RawClient[] = [boot];
  try {
    const steps: Record<string, unknown> = {};
    steps.createTopic = await createTopic(boot, topic);
    const coordinator = await findCoordinator(boot, groupId, 0);
    const a = await RawClient.connect(coordinator);
    const b = await RawClient.connect(coordinator);
    const admin = await RawClient.connect(coordinator);
    clients.push(a, b, admin);

    // A fresh real broker may still be loading its __consumer_offsets partition: retry until it answers.
    let firstA = await join(a, groupId, '');
    for (let attempt = 0; attempt < 100 && [14, 15, 16].includes(firstA.error); attempt++) {
      await sleep(100);
      firstA = await join(a, groupId, '');
    }
    steps.firstJoin = { error: firstA.error, gotMemberId: firstA.memberId.length > 0 };
    const aId = firstA.memberId;
    const joinA1 = await join(a, groupId, aId);
    steps.joinA1 = { ...joinA1, memberId: undefined };
    const g1 = joinA1.generation;
    steps.syncA1 = await sync(a, groupId, g1, aId, [[aId, 'a-only']]);
    steps.heartbeats1 = [
      await heartbeat(a, groupId, g1, aId),
      await heartbeat(a, groupId, g1 - 1, aId),
      await heartbeat(a, groupId, g1, 'unknown-member'),
    ];

    const firstB = await join(b, groupId, '');
    const bId = firstB.memberId;
    const joinB2 = join(b, groupId, bId);
    // Heartbeat until the coordinator has seen b's join (immediate here, a moment later on a busy broker).
    let duringRebalance = await heartbeat(a, groupId, g1, aId);
    for (let attempt = 0; attempt < 50 && duringRebalance === 0; attempt++) {
      await sleep(100);
      duringRebalance = await heartbeat(a, groupId, g1, aId);
    }
    steps.heartbeatDuringRebalance = duringRebalance;
    steps.syncDuringRebalance = (await sync(admin, groupId, g1, aId, [])).error;
    const joinA2 = await join(a, groupId, aId);
    const joinedB = await joinB2;
    const g2 = joinA2.generation;
    steps.rebalance2 = {
      generationStep: g2 - g1,
      sameGeneration: joinedB.generation === g2,
      a: { isLeader: joinA2.isLeader, memberCount: joinA2.memberCount },
      b: { error: joinedB.error, isLeader: joinedB.isLeader, memberCount: joinedB.memberCount },
    };
    const syncB2 = sync(b, groupId, g2, bId, []);
    const syncA2 = await sync(a, groupId, g2, aId, [
      [aId, 'a-half'],
      [bId, 'b-half'],
    ]);
    steps.sync2 = { a: syncA2, b: await syncB2 };
    steps.describeStable = await describe(admin, groupId);
    steps.commits = [await commit(a, groupId, g2 - 1, aId, topic), await commit(a, groupId, g2, aId, topic)];

    steps.leaveB = await leave(b, groupId, bId);
    steps.heartbeatAfterLeave = await heartbeat(a, groupId, g2, aId);
    const joinA3 = await join(a, groupId, aId);
    steps.rebalance3 = {
      generationStep: joinA3.generation - g2,
      memberCount: joinA3.memberCount,
      isLeader: joinA3.isLeader,
    };
    steps.syncA3 = await sync(a, groupId, joinA3.generation, aId, [[aId, 'a-again']]);

    // a goes silent. Wait (without heartbeats, which would keep it alive) until it has been evicted.
    await sleep(SESSION_TIMEOUT_MS);
    for (let attempt = 0; attempt < 100 && (await describe(admin, groupId))?.state !== 'Empty'; attempt++) {
      await sleep(100);
    }
    steps.heartbeatAfterSessionTimeout = await heartbeat(a, groupId, joinA3.generation, aId);
    steps.describeAfterTimeout = await describe(admin, groupId);
    steps.committed = await fetchCommitted(admin, groupId, topic);
    return steps;
  } finally {
    for (const client of clients) client.close();
  }
}
