import { committedBatches } from './committed-records.js';
import type { KafkaFetchRange, KafkaHeaders, KafkaRawRecord } from './kafka-client.js';
import { type RangeState, advance, allLanes, readRanges } from './range-reader.js';
import type {
  PlatformaticClusterMetadata,
  PlatformaticConnectionPool,
  PlatformaticConsumer,
  PlatformaticFetchPartition,
  PlatformaticRecordsBatch,
} from './platformatic-api.js';

const READ_COMMITTED = 1;

export interface PlatformaticRangeFetchSettings {
  readonly consumer: () => Promise<PlatformaticConsumer>;
  /** Metadata with these topics (ids and leaders); `refresh` asks the cluster again. */
  readonly metadata: (topics: readonly string[], refresh: boolean) => Promise<PlatformaticClusterMetadata>;
  /** Consecutive failed rounds (no range progressed) before giving up. */
  readonly attempts: number;
  readonly maxBytesPerPartition: number;
  readonly maxWaitTime: number;
  /**
   * Connection pools lent to one lane at a time. The library keeps one incremental fetch session
   * (KIP-227) per broker and pool; two reads sharing one would race its epoch and forget each
   * other's partitions, so every lane fetches over a pool no other read is using.
   */
  readonly pools: PoolLender;
}

export interface PoolLender {
  acquire(): PlatformaticConnectionPool;
  release(pool: PlatformaticConnectionPool): void;
}

const NO_HEADERS: KafkaHeaders = Object.freeze({});

/**
 * Reads exactly the committed records of each range [fromOffset, untilOffset) with
 * @platformatic/kafka's plain Fetch (`Consumer.fetch`, no MessagesStream): the ranges one broker
 * leads go in one request, the follow-up request leaves before the records of a response are
 * converted, and `readRanges` keeps the progress across a failed round (leader moved, broker
 * restarted) — the same rules as the kafkajs adapter's reader.
 */
export function platformaticFetchRanges(
  settings: PlatformaticRangeFetchSettings,
  ranges: readonly KafkaFetchRange[],
): Promise<KafkaRawRecord[][]> {
  const topics = [...new Set(ranges.map((r) => r.topic))];
  return readRanges(ranges, settings.attempts, async (open, refresh) => {
    const consumer = await settings.consumer();
    const metadata = await settings.metadata(topics, refresh);
    const lanes = byLeader(metadata, open);
    await allLanes([...lanes].map(([node, lane]) => readLane(settings, consumer, metadata, node, lane)));
  });
}

function byLeader(
  metadata: PlatformaticClusterMetadata,
  open: readonly RangeState[],
): Map<number, RangeState[]> {
  const lanes = new Map<number, RangeState[]>();
  for (const s of open) {
    const { topic, partition } = s.range;
    const leader = metadata.topics.get(topic)?.partitions[partition]?.leader;
    if (leader === undefined || leader < 0 || !metadata.brokers.has(leader)) {
      throw Object.assign(new Error(`no leader known for ${topic}/${partition}`), { retriable: true });
    }
    lanes.set(leader, [...(lanes.get(leader) ?? []), s]);
  }
  return lanes;
}

async function readLane(
  settings: PlatformaticRangeFetchSettings,
  consumer: PlatformaticConsumer,
  metadata: PlatformaticClusterMetadata,
  node: number,
  lane: readonly RangeState[],
): Promise<void> {
  const pool = settings.pools.acquire();
  try {
    await readLaneOver(settings, consumer, metadata, node, lane, pool);
  } finally {
    settings.pools.release(pool);
  }
}

async function readLaneOver(
  settings: PlatformaticRangeFetchSettings,
  consumer: PlatformaticConsumer,
  metadata: PlatformaticClusterMetadata,
  node: number,
  lane: readonly RangeState[],
  pool: PlatformaticConnectionPool,
): Promise<void> {
  let inflight: Promise<Map<string, PlatformaticFetchPartition>> | undefined = send(
    settings,
    consumer,
    metadata,
    node,
    lane,
    pool,
  );
  while (inflight !== undefined) {
    const response = await inflight;
    // Advance every position first, so that the follow-up fetch leaves before the records are built.
    const fetched = lane
      .filter((s) => !s.done)
      .map((s) => {
        const { topic, partition } = s.range;
        const id = metadata.topics.get(topic)!.id;
        // An incremental fetch session leaves out partitions with nothing new.
        const data = response.get(`${id}\u0000${partition}`);
        const batches = data?.records ?? [];
        return { s, data, batches };
      });
    const anything = fetched.some((f) => f.batches.length > 0);
    for (const { s, data, batches } of fetched) {
      const last = batches.at(-1);
      const after = last === undefined ? undefined : Number(last.firstOffset) + last.lastOffsetDelta + 1;
      advance(s, after, data === undefined ? undefined : Number(data.highWatermark), anything);
    }
    const rest = lane.filter((s) => !s.done);
    inflight = rest.length > 0 ? send(settings, consumer, metadata, node, rest, pool) : undefined;
    inflight?.catch(() => undefined);
    for (const { s, data, batches } of fetched) {
      if (data !== undefined) collect(s, committedBatches(batches, data.abortedTransactions));
    }
  }
}

function collect(s: RangeState, batches: readonly PlatformaticRecordsBatch[]): void {
  const { topic, partition, fromOffset, untilOffset } = s.range;
  for (const batch of batches) {
    const base = Number(batch.firstOffset);
    const timestamp = Number(batch.firstTimestamp);
    for (const r of batch.records) {
      const offset = base + r.offsetDelta;
      // A fetch may start before the range (a compressed batch is returned whole) and end after it.
      if (offset < fromOffset) continue;
      if (offset >= untilOffset) return;
      s.out.push({
        topic,
        partition,
        offset,
        timestamp: timestamp + Number(r.timestampDelta),
        key: r.key,
        value: r.value,
        headers: r.headers.length === 0 ? NO_HEADERS : headers(r.headers),
      });
    }
  }
}

function headers(entries: ReadonlyArray<[Buffer | null, Buffer | null]>): KafkaHeaders {
  const out: Record<string, Buffer | Buffer[] | undefined> = {};
  for (const [k, v] of entries) {
    if (k === null) continue;
    const name = k.toString();
    const value = v ?? Buffer.alloc(0);
    const seen = out[name];
    out[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

async function send(
  settings: PlatformaticRangeFetchSettings,
  consumer: PlatformaticConsumer,
  metadata: PlatformaticClusterMetadata,
  node: number,
  states: readonly RangeState[],
  pool: PlatformaticConnectionPool,
): Promise<Map<string, PlatformaticFetchPartition>> {
  const topics = new Map<string, Array<(typeof states)[number]>>();
  for (const s of states) topics.set(s.range.topic, [...(topics.get(s.range.topic) ?? []), s]);
  const response = await consumer.fetch({
    node,
    connectionPool: pool,
    isolationLevel: READ_COMMITTED,
    maxWaitTime: settings.maxWaitTime,
    minBytes: 1,
    maxBytes: settings.maxBytesPerPartition * states.length,
    topics: [...topics].map(([topic, ss]) => {
      const meta = metadata.topics.get(topic)!;
      return {
        topicId: meta.id,
        partitions: ss.map((s) => ({
          partition: s.range.partition,
          fetchOffset: BigInt(s.next),
          partitionMaxBytes: settings.maxBytesPerPartition,
          currentLeaderEpoch: -1,
          lastFetchedEpoch: -1,
        })),
      };
    }),
  });
  const out = new Map<string, PlatformaticFetchPartition>();
  for (const t of response.responses) {
    for (const p of t.partitions) out.set(`${t.topicId}\u0000${p.partitionIndex}`, p);
  }
  return out;
}
