import { committedMessages } from './committed-records.js';
import { type RangeState, advance, allLanes, readRanges } from './range-reader.js';
import type { KafkaFetchRange, KafkaRawRecord } from './kafka-client.js';
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

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * Reads exactly the committed records of each range [fromOffset, untilOffset), in offset order, as
 * Spark's KafkaRDD reads a batch: the ranges led by one broker go in ONE Fetch request (per-partition
 * maxBytes), and as soon as its response is in, the follow-up fetch for the ranges not yet complete
 * is sent, before the records of that response are converted (`readRanges` keeps the progress across
 * a failed round and regroups by the refreshed leaders).
 */
export function fetchRanges(
  settings: RangeFetchSettings,
  ranges: readonly KafkaFetchRange[],
): Promise<KafkaRawRecord[][]> {
  const topics = [...new Set(ranges.map((r) => r.topic))];
  let cluster: InternalCluster | undefined;
  return readRanges(ranges, settings.attempts, async (open, refresh) => {
    if (refresh) await cluster?.refreshMetadata().catch(() => undefined);
    const c = await settings.cluster(topics);
    cluster = c;
    const lanes = byLeader(c, open);
    await allLanes([...lanes].map(([nodeId, lane]) => readLane(settings, c, nodeId, lane)));
  });
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
      advance(
        s,
        last === undefined ? undefined : Number(last.offset) + 1,
        Number(data.highWatermark),
        anything,
      );
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
