import { committedMessages } from './committed-records.js';
import type { KafkaFetchRange, KafkaRawRecord } from './kafka-client.js';
import { isRetriableKafkaError } from './kafka-errors.js';
import {
  type FetchPartitionData,
  type InternalBroker,
  type InternalCluster,
  READ_COMMITTED,
} from './kafkajs-internals.js';

export interface RangeFetchSettings {
  /** The cluster, with these topics' metadata loaded. */
  cluster(topics: readonly string[]): Promise<InternalCluster>;
  /** Consecutive failed rounds (no partition progressed) before giving up. */
  attempts: number;
  maxBytesPerPartition: number;
  maxWaitTime: number;
  /**
   * kafkajs opens a broker's fetch connection lazily and, when several fetches start at once, opens
   * one socket per fetch and keeps only the last. The first fetch to a broker therefore goes alone;
   * the rest wait for it (shared by every read of one client).
   */
  connectionReady: Map<string, Promise<unknown>>;
}

/** One range being read: where it is and what it has gathered. */
interface RangeState {
  readonly range: KafkaFetchRange;
  readonly out: KafkaRawRecord[];
  next: number;
  /** Fetches in a row that returned nothing for it while its leader had nothing for anyone. */
  empty: number;
  done: boolean;
}

/** Empty fetches (each waiting up to maxWaitTime) before a range is taken as unreadable to its end. */
const MAX_EMPTY_FETCHES = 5;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * Reads exactly the committed records of each range [fromOffset, untilOffset), in offset order, as
 * Spark's KafkaRDD reads a batch: the ranges led by one broker go in ONE Fetch request (per-partition
 * maxBytes), and as soon as its response is in, the follow-up fetch for the ranges not yet complete
 * is sent, before the records of that response are converted. A failed round (leader moved, broker
 * restarted) keeps every range's progress; the rest is regrouped by the refreshed leaders.
 */
export async function fetchRanges(
  settings: RangeFetchSettings,
  ranges: readonly KafkaFetchRange[],
): Promise<KafkaRawRecord[][]> {
  const states: RangeState[] = ranges.map((range) => ({
    range,
    out: [],
    next: range.fromOffset,
    empty: 0,
    done: range.untilOffset <= range.fromOffset,
  }));
  const topics = [...new Set(ranges.map((r) => r.topic))];
  for (let failures = 0; ; ) {
    const open = states.filter((s) => !s.done);
    if (open.length === 0) break;
    const progress = open.map((s) => s.next);
    let error: unknown;
    let cluster: InternalCluster | undefined;
    try {
      const c = await settings.cluster(topics);
      cluster = c;
      const lanes = byLeader(c, open);
      const results = await Promise.allSettled(
        [...lanes].map(([nodeId, lane]) => readLane(settings, c, nodeId, lane)),
      );
      error = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;
    } catch (e) {
      error = e;
    }
    if (error === undefined) continue;
    if (!isRetriableKafkaError(error)) throw error;
    const progressed = open.some((s, i) => s.done || s.next !== progress[i]);
    failures = progressed ? 1 : failures + 1;
    if (failures >= settings.attempts) throw error;
    await sleep(Math.min(1000, 50 * 2 ** failures));
    await cluster?.refreshMetadata().catch(() => undefined);
  }
  return states.map((s) => s.out);
}

function byLeader(c: InternalCluster, open: readonly RangeState[]): Map<string, RangeState[]> {
  const lanes = new Map<string, RangeState[]>();
  for (const s of open) {
    const { topic, partition } = s.range;
    const nodeId = Object.keys(c.findLeaderForPartitions(topic, [partition]))[0];
    if (nodeId === undefined) {
      throw Object.assign(new Error(`no leader known for ${topic}/${partition}`), { retriable: true });
    }
    lanes.set(nodeId, [...(lanes.get(nodeId) ?? []), s]);
  }
  return lanes;
}

/** Fetches the ranges one broker leads until all are complete, one request in flight at a time. */
async function readLane(
  settings: RangeFetchSettings,
  c: InternalCluster,
  nodeId: string,
  lane: readonly RangeState[],
): Promise<void> {
  const broker = await c.findBroker({ nodeId });
  let inflight: Promise<Map<string, FetchPartitionData>> | undefined = send(settings, broker, nodeId, lane);
  while (inflight !== undefined) {
    const response = await inflight;
    // Advance every position first, so that the follow-up fetch leaves before the records are built.
    const fetched = lane
      .filter((s) => !s.done)
      .map((s) => {
        const { topic, partition } = s.range;
        const data = response.get(key(topic, partition));
        if (data === undefined) throw new Error(`empty fetch response for ${topic}/${partition}`);
        // A fetch may start before `next` (a compressed batch is returned whole).
        const from = s.next;
        return { s, data, within: data.messages.filter((m) => Number(m.offset) >= from) };
      });
    const anything = fetched.some((f) => f.within.length > 0);
    for (const { s, data, within } of fetched) {
      const last = within.at(-1);
      if (last !== undefined) {
        s.next = Number(last.offset) + 1;
        s.empty = 0;
      } else if (Number(data.highWatermark) <= s.next || (!anything && ++s.empty > MAX_EMPTY_FETCHES)) {
        // Nothing at or after `next` below the range end: the rest was compacted away or is not
        // readable (yet); stop instead of spinning. An empty partition counts only when the broker had
        // nothing for any partition of the request (it waited maxWaitTime); otherwise the response's
        // size limit may have crowded it out.
        s.done = true;
      }
      if (s.next >= s.range.untilOffset) s.done = true;
    }
    const rest = lane.filter((s) => !s.done);
    inflight = rest.length > 0 ? send(settings, broker, nodeId, rest) : undefined;
    // Handled below (next turn of the loop); this only keeps a failure from counting as unhandled.
    inflight?.catch(() => undefined);
    for (const { s, data, within } of fetched) collect(s, within, data);
  }
}

function collect(s: RangeState, within: FetchPartitionData['messages'], data: FetchPartitionData): void {
  const { topic, partition, untilOffset } = s.range;
  for (const m of committedMessages(within, data.abortedTransactions)) {
    const offset = Number(m.offset);
    if (offset >= untilOffset) break;
    s.out.push({
      topic,
      partition,
      offset,
      timestamp: Number(m.timestamp),
      key: m.key,
      value: m.value,
      headers: m.headers ?? {},
    });
  }
}

async function send(
  settings: RangeFetchSettings,
  broker: InternalBroker,
  nodeId: string,
  states: readonly RangeState[],
): Promise<Map<string, FetchPartitionData>> {
  const ready = settings.connectionReady.get(nodeId);
  if (ready !== undefined) await ready;
  const topics = new Map<string, Array<{ partition: number; fetchOffset: string; maxBytes: number }>>();
  for (const s of states) {
    const partitions = topics.get(s.range.topic) ?? [];
    partitions.push({
      partition: s.range.partition,
      fetchOffset: String(s.next),
      maxBytes: settings.maxBytesPerPartition,
    });
    topics.set(s.range.topic, partitions);
  }
  const request = broker.fetch({
    replicaId: -1,
    isolationLevel: READ_COMMITTED,
    maxWaitTime: settings.maxWaitTime,
    minBytes: 1,
    maxBytes: settings.maxBytesPerPartition * states.length,
    topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
  });
  if (ready === undefined)
    settings.connectionReady.set(
      nodeId,
      request.catch(() => undefined),
    );
  // After a failure (broker restarted, connection dropped) the next fetch reconnects alone again.
  request.catch(() => settings.connectionReady.delete(nodeId));
  const response = await request;
  const out = new Map<string, FetchPartitionData>();
  for (const t of response.responses) {
    for (const p of t.partitions) out.set(key(t.topicName, p.partition), p);
  }
  return out;
}
