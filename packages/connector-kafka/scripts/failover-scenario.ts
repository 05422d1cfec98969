import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { Admin, Kafka } from 'kafkajs';
import type { KafkaCluster } from '@dstream/test-servers';

/**
 * Issue 13's scenario: a writer sends keyed records at a steady rate to a 6-partition RF-3 topic
 * (min.insync.replicas=2) while the leader of one partition is SIGKILLed in the middle of a write and
 * then restarted. Afterwards every record whose write was acknowledged must be in the topic.
 */

const { Kafka: KafkaClass, logLevel } = kafkajs;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface FailoverOptions {
  cluster: KafkaCluster;
  /** Writes the ids (keys `k<id>`, values `<id>`); resolving means "acknowledged". */
  write: (ids: number[]) => Promise<void>;
  rounds?: number;
  /** Records per write. Default 60 (10 per partition on average). */
  batchSize?: number;
  /** Pause between writes (ms). Default 10. */
  intervalMs?: number;
  /** Writing before the kill, while the leader is down, and after the restart (ms). */
  phasesMs?: { before: number; down: number; after: number };
  log?: (message: string) => void;
  /** Reads with read_committed (default) or read_uncommitted. */
  readUncommitted?: boolean;
  /** Which broker to kill in a round. Default: the leader of partition (round - 1) % 6. */
  victim?: (admin: Admin, round: number) => Promise<number>;
  /** More topics that `write` writes the same ids to (e.g. a second sink mode in the same rounds). */
  extraTopics?: readonly string[];
}

/** What one topic holds after the rounds, against the acknowledged ids. */
export interface TopicCheck {
  present: number;
  /** Acknowledged ids missing from the topic. */
  lost: number[];
  /** Ids present more than once. */
  duplicates: number;
  /** Every id found in the topic. */
  presentIds: Set<number>;
}

export interface FailoverResult {
  acknowledged: number;
  failedWrites: number;
  present: number;
  /** Acknowledged ids missing from the topic. */
  lost: number[];
  /** Ids present more than once. */
  duplicates: number;
  killed: number[];
  /** Writes acknowledged after the last restart: the writer resumed once the broker was back. */
  ackedAfterLastRestart: number;
  /** Every id found in the topic. */
  presentIds: Set<number>;
  /** The same check for each of `extraTopics`. */
  extra: Map<string, TopicCheck>;
}

function check(seen: readonly number[], acked: ReadonlySet<number>): TopicCheck {
  const counts = new Map<number, number>();
  for (const id of seen) counts.set(id, (counts.get(id) ?? 0) + 1);
  let duplicates = 0;
  for (const n of counts.values()) if (n > 1) duplicates += n - 1;
  return {
    present: counts.size,
    lost: [...acked].filter((id) => !counts.has(id)),
    duplicates,
    presentIds: new Set(counts.keys()),
  };
}

export async function createFailoverTopic(admin: Admin, partitions = 6): Promise<string> {
  const topic = `failover-${randomUUID()}`;
  await admin.createTopics({
    waitForLeaders: false,
    topics: [
      {
        topic,
        numPartitions: partitions,
        replicationFactor: 3,
        configEntries: [{ name: 'min.insync.replicas', value: '2' }],
      },
    ],
  });
  // Wait until every partition has a leader and three in-sync replicas.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const ps = topics[0]?.partitions ?? [];
      if (ps.length === partitions && ps.every((p) => p.leader >= 0 && p.isr.length === 3)) return topic;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topic ${topic} has no leaders after 30 s`);
    await sleep(200);
  }
}

/** The broker leading a partition. */
export async function leaderOf(admin: Admin, topic: string, partition: number): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const leader = topics[0]?.partitions.find((p) => p.partitionId === partition)?.leader;
  if (leader === undefined || leader < 0) throw new Error(`no leader for ${topic}/${partition}`);
  return leader;
}

/**
 * The broker coordinating a transactional id (`__transaction_state`) or a consumer group
 * (`__consumer_offsets`): the leader of the partition Kafka picks as abs(javaStringHashCode(id)) % n.
 */
export async function coordinatorOf(
  admin: Admin,
  internalTopic: '__transaction_state' | '__consumer_offsets',
  id: string,
): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [internalTopic] });
  const partitions = topics[0]?.partitions.length ?? 0;
  if (partitions === 0) throw new Error(`${internalTopic} does not exist yet`);
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (Math.imul(hash, 31) + id.charCodeAt(i)) | 0;
  // Kafka's Utils.abs maps Integer.MIN_VALUE to 0.
  const positive = hash === -2147483648 ? 0 : Math.abs(hash);
  return leaderOf(admin, internalTopic, positive % partitions);
}

export async function runFailover(topic: string, options: FailoverOptions): Promise<FailoverResult> {
  const { cluster, write } = options;
  const log = options.log ?? (() => undefined);
  const batchSize = options.batchSize ?? 60;
  const phases = options.phasesMs ?? { before: 1500, down: 6000, after: 2000 };
  const kafka: Kafka = new KafkaClass({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const acked = new Set<number>();
  const killed: number[] = [];
  let failedWrites = 0;
  let ackedAtRestart = 0;
  let nextId = 0;
  let stop = false;
  let killRequest: (() => Promise<void>) | undefined;

  const writer = (async () => {
    while (!stop) {
      const ids = Array.from({ length: batchSize }, () => nextId++);
      const pending = write(ids);
      // Kill while this write is in flight: "mid-batch".
      const kill = killRequest;
      killRequest = undefined;
      const killing = kill?.();
      try {
        await pending;
        for (const id of ids) acked.add(id);
      } catch (error) {
        failedWrites++;
        log(`write of ${ids.length} failed (not acknowledged): ${String(error).slice(0, 160)}`);
      }
      await killing;
      await sleep(options.intervalMs ?? 10);
    }
  })();

  try {
    for (let round = 1; round <= (options.rounds ?? 1); round++) {
      await sleep(phases.before);
      const victim = await (options.victim?.(admin, round) ?? leaderOf(admin, topic, (round - 1) % 6));
      let done: () => void = () => undefined;
      const killedNow = new Promise<void>((resolve) => {
        done = resolve;
      });
      killRequest = async () => {
        await cluster.killBroker(victim, 'SIGKILL');
        done();
      };
      await killedNow;
      killed.push(victim);
      log(
        `round ${round}: SIGKILLed broker ${victim} (leader of partition ${(round - 1) % 6}); ${acked.size} acked`,
      );
      await sleep(phases.down);
      await cluster.restartBroker(victim);
      ackedAtRestart = acked.size;
      log(`round ${round}: restarted broker ${victim}; ${acked.size} acked`);
      await sleep(phases.after);
    }
  } finally {
    stop = true;
    await writer;
  }

  const main = check(await readIds(kafka, topic, options.readUncommitted ?? false), acked);
  const extra = new Map<string, TopicCheck>();
  for (const t of options.extraTopics ?? []) {
    extra.set(t, check(await readIds(kafka, t, options.readUncommitted ?? false), acked));
  }
  await admin.disconnect();
  return {
    acknowledged: acked.size,
    failedWrites,
    killed,
    ackedAfterLastRestart: acked.size - ackedAtRestart,
    ...main,
    extra,
  };
}

/** Every id in the topic, read partition by partition up to the high watermark. */
async function readIds(kafka: Kafka, topic: string, readUncommitted: boolean): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.map((e) => [e.partition, Number(e.high)]));
  const consumer = kafka.consumer({
    groupId: `verify-${randomUUID()}`,
    maxWaitTimeInMs: 200,
    readUncommitted,
  });
  const ids: number[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const check = () => {
    if ([...remaining.values()].every((end) => end <= 0)) done();
  };
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) ids.push(Number(m.value?.toString()));
      remaining.set(batch.partition, Number(batch.highWatermark) - 1 - Number(batch.lastOffset()));
      check();
    },
  });
  check();
  const timeout = setTimeout(done, 30_000);
  await finished;
  clearTimeout(timeout);
  await consumer.disconnect();
  return ids;
}
