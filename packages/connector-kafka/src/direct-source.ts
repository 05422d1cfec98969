import type {
  JsonValue,
  OffsetRange,
  OffsetStore,
  Source,
  SourceBatch,
  SourceContext,
  Time,
} from '@dstream/core';
import { ConfigError } from '@dstream/core';
import { type KafkaConnectionOptions, clientProvider } from './client-options.js';
import { type BadRecordPolicy, RecordDecoder } from './record-decoder.js';
import type { ConsumerRecord, Deserializer } from './deserializers.js';
import { stringDeserializer } from './deserializers.js';
import type {
  KafkaClient,
  KafkaPartitionOffsets,
  KafkaRawRecord,
  KafkaTopicPartition,
} from './kafka-client.js';
import { GroupMembership } from './group-membership.js';
import { kafkaErrorType, offsetOutOfRange, sourceReadError } from './kafka-errors.js';

export type OffsetOutOfRangePolicy = 'fail' | 'earliest' | 'latest';

export interface DirectStreamOptions<K, V> extends KafkaConnectionOptions {
  topics: readonly string[];
  /** The consumer group whose offsets show the stream's progress (and, by default, where it resumes). */
  groupId: string;
  /** Where partitions without a stored offset start. Default 'latest' (Spark's auto.offset.reset). */
  startingOffsets?: 'earliest' | 'latest';
  /** Most records per second read from one partition (spark.streaming.kafka.maxRatePerPartition). */
  maxRatePerPartition?: number;
  /** What to do when the wanted offset is gone (retention) or beyond the end. Default 'fail'. */
  onOffsetOutOfRange?: OffsetOutOfRangePolicy;
  /** Key and value deserializers. Default: UTF-8 strings. */
  deserializer?: { key?: Deserializer<K>; value?: Deserializer<V> };
  /** A record that fails to deserialize: 'fail' (default), 'skip' (counted) or sent to a dead-letter topic. */
  onDeserializationError?: BadRecordPolicy;
  /** Where to resume when there is no checkpoint. Default: the group's committed offsets. */
  offsetStore?: OffsetStore;
  /** The job id given to `offsetStore.load`. Default: groupId. */
  jobId?: string;
  /**
   * Commit each completed batch's ranges to the group so that lag stays visible. Default: true without
   * an `offsetStore`, false with one (a transactional Kafka sink already commits the group's offsets
   * in its transactions; a second, non-transactional commit could land after a newer one).
   */
  commitToGroup?: boolean;
  /**
   * Join the group and read only the partitions it assigns (Spark's `ConsumerStrategies.Subscribe`):
   * several instances of one job with the same groupId split the partitions, and take over those of
   * an instance that stops or dies. On a rebalance an instance finishes (and commits) the batches it
   * planned before giving partitions up; a partition it gains resumes from `offsetStore` (or the
   * group's offsets). Session timeout, heartbeat and rebalance timeout come from `consumer`.
   * Default false: read every partition, without group membership.
   */
  subscribe?: boolean;
  /** Shown in logs. */
  name?: string;
}

/** A direct stream's counters. */
export interface DirectSourceStats {
  readonly batches: number;
  readonly records: number;
  /** Records dropped by onDeserializationError: 'skip'. */
  readonly skipped: number;
  /** Records sent to the dead-letter topic. */
  readonly deadLettered: number;
  /** Offsets lost or skipped by onOffsetOutOfRange 'earliest'/'latest'. */
  readonly outOfRangeSkipped: number;
}

/**
 * What a direct source's `compute` puts in a batch partition: the offset range that `readPartition`
 * reads where the partition is processed, or, with a dead-letter topic (whose producer lives on the
 * driver), the records already read.
 */
export type KafkaPlanned<K, V> = OffsetRange | ConsumerRecord<K, V>;

export interface KafkaDirectSource<K, V> extends Source<ConsumerRecord<K, V>, KafkaPlanned<K, V>> {
  stats(): DirectSourceStats;
}

/** A sum the driver reads and executors add to (core's `Accumulator`). */
export interface SkippedCounter {
  add(amount: number): void;
  readonly value: number;
}

// The range a failed multi-range read names (kafkajs says which partition), else the first one.
const failedRange = (error: unknown, ranges: readonly OffsetRange[]): OffsetRange => {
  const named = error as { topic?: unknown; partition?: unknown } | null;
  const found = ranges.find(
    (r) => typeof named === 'object' && named?.topic === r.topic && named.partition === r.partition,
  );
  return found ?? ranges[0]!;
};

const tp = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

interface SavedPosition {
  next: Array<[string, number, number]>;
  pending: Array<[number, Array<[string, number, number, number]>]>;
}

/**
 * Spark's createDirectStream as a core Source: each batch reads, per topic-partition, exactly the
 * range [from, min(latest, from + rate cap)), one batch partition per Kafka partition, with the
 * ranges on the batch (HasOffsetRanges) and in the checkpoint.
 *
 * ```ts
 * const source = kafkaDirectSource({ brokers: ['127.0.0.1:9092'], topics: ['clicks'], groupId: 'job' });
 * const clicks = ctx.source(source);
 * ```
 */
export function kafkaDirectSource<K = string | null, V = string | null>(
  options: DirectStreamOptions<K, V>,
  /** Counts records skipped by `onDeserializationError: 'skip'` on executors too (`directStream` passes one). */
  skippedCounter?: SkippedCounter,
): KafkaDirectSource<K, V> {
  if (options.topics.length === 0) throw new ConfigError('directStream: topics is empty');
  if (options.groupId.length === 0) throw new ConfigError('directStream: groupId is empty');
  const rate = options.maxRatePerPartition;
  if (rate !== undefined && !(rate > 0)) {
    throw new ConfigError(`directStream: maxRatePerPartition must be > 0, got ${rate}`);
  }
  const provider = clientProvider(options, 'directStream');
  const policy = options.onOffsetOutOfRange ?? 'fail';
  const next = new Map<string, number>();
  const pending = new Map<Time, OffsetRange[]>();
  let restored = false;
  let client: KafkaClient | undefined;
  let context: SourceContext = { batchInterval: 1000, rateLimit: () => undefined, log: () => undefined };
  const counters = { batches: 0, records: 0, outOfRangeSkipped: 0 };
  const commits = new Set<Promise<void>>();
  let membership: GroupMembership | undefined;
  // Batches being planned right now: a rebalance waits for them too (their ranges become pending).
  let planning = 0;
  const decoder = new RecordDecoder<K, V>({
    key: options.deserializer?.key ?? (stringDeserializer as unknown as Deserializer<K>),
    value: options.deserializer?.value ?? (stringDeserializer as unknown as Deserializer<V>),
    policy: options.onDeserializationError ?? 'fail',
  });

  const connected = (): KafkaClient => {
    if (client === undefined) throw new ConfigError('directStream: compute() before start()');
    return client;
  };
  // On an executor the source was never started: its reads use the executor's client, made on first use.
  let executorClient: Promise<KafkaClient> | undefined;
  const reader = (): Promise<KafkaClient> => {
    if (client !== undefined) return Promise.resolve(client);
    executorClient ??= provider.acquire().catch((error: unknown) => {
      executorClient = undefined;
      throw error;
    });
    return executorClient;
  };
  // Dead letters are written by the driver's producer before the batch is handed on, so with a
  // dead-letter topic the driver reads the batch in compute; otherwise the batch partitions are the
  // ranges, read where they are processed (Spark's KafkaRDD).
  const readsWhereProcessed = typeof options.onDeserializationError !== 'object';

  const maxPerPartition = (): number | undefined => {
    const limits = [rate, context.rateLimit()].filter((x): x is number => x !== undefined && x > 0);
    if (limits.length === 0) return undefined;
    return Math.max(1, Math.floor((Math.min(...limits) * context.batchInterval) / 1000));
  };

  // Applies onOffsetOutOfRange to a wanted offset outside [earliest, latest].
  const inRange = (topic: string, o: KafkaPartitionOffsets, wanted: number): number => {
    if (wanted >= o.earliest && wanted <= o.latest) return wanted;
    if (policy === 'fail') throw offsetOutOfRange(topic, o.partition, wanted, o);
    const to = policy === 'earliest' ? o.earliest : o.latest;
    const lost =
      wanted < o.earliest ? `[${wanted}, ${o.earliest}) deleted` : `${wanted} beyond end ${o.latest}`;
    counters.outOfRangeSkipped += Math.max(0, to - wanted);
    context.log(
      'warn',
      `directStream: ${topic}/${o.partition} offset out of range (${lost}); continuing at ${policy} ${to}`,
      {
        topic,
        partition: o.partition,
        wanted,
        earliest: o.earliest,
        latest: o.latest,
      },
    );
    return to;
  };

  const plan = async (): Promise<OffsetRange[]> => {
    const c = connected();
    const cap = maxPerPartition();
    const ranges: OffsetRange[] = [];
    // A rebalance under way: plan nothing until the new assignment is in.
    if (membership?.rebalancing === true) return ranges;
    for (const topic of options.topics) {
      for (const o of await c.topicOffsets(topic)) {
        if (membership !== undefined && !membership.owns(topic, o.partition)) continue;
        // A partition added after start is read from its beginning.
        const from = inRange(topic, o, next.get(tp(topic, o.partition)) ?? o.earliest);
        const until = cap === undefined ? o.latest : Math.min(o.latest, from + cap);
        ranges.push({ topic, partition: o.partition, fromOffset: from, untilOffset: until });
      }
    }
    return ranges;
  };

  // Records skipped per range read, for the counter of the task that asked for the range.
  const skippedIn = new Map<OffsetRange, number>();
  const decode = (range: OffsetRange, raw: readonly KafkaRawRecord[]): ConsumerRecord<K, V>[] => {
    const before = decoder.skipped;
    const records = decoder.decode(raw);
    if (decoder.skipped > before) skippedIn.set(range, decoder.skipped - before);
    return records;
  };

  const read = async (c: KafkaClient, range: OffsetRange): Promise<ConsumerRecord<K, V>[]> => {
    if (range.untilOffset <= range.fromOffset) return [];
    try {
      return decode(range, await c.fetchRange(range));
    } catch (error) {
      if (kafkaErrorType(error) !== 'OFFSET_OUT_OF_RANGE')
        throw sourceReadError(range.topic, range.partition, error);
      // Retention deleted the start of the range while we read it.
      const o = (await c.topicOffsets(range.topic)).find((x) => x.partition === range.partition);
      if (o === undefined) throw sourceReadError(range.topic, range.partition, error);
      const from = inRange(range.topic, o, range.fromOffset);
      if (from >= range.untilOffset) return [];
      return decode(range, await c.fetchRange({ ...range, fromOffset: from }));
    }
  };

  // All of a batch's ranges, in one fetch per leader when the client can; a range that meets
  // OFFSET_OUT_OF_RANGE (retention) is read again alone, where onOffsetOutOfRange applies.
  const readAll = async (
    c: KafkaClient,
    ranges: readonly OffsetRange[],
  ): Promise<ConsumerRecord<K, V>[][]> => {
    const wanted = ranges.filter((r) => r.untilOffset > r.fromOffset);
    const alone = () => Promise.all(ranges.map((r) => read(c, r)));
    if (c.fetchRanges === undefined || wanted.length < 2) return alone();
    let fetched: Awaited<ReturnType<NonNullable<KafkaClient['fetchRanges']>>>;
    try {
      fetched = await c.fetchRanges(wanted);
    } catch (error) {
      if (kafkaErrorType(error) === 'OFFSET_OUT_OF_RANGE') return alone();
      const failed = failedRange(error, wanted);
      throw sourceReadError(failed.topic, failed.partition, error);
    }
    const byRange = new Map(wanted.map((r, i) => [r, fetched[i] ?? []]));
    return ranges.map((r) => decode(r, byRange.get(r) ?? []));
  };

  // The partitions an executor (or the driver) reads at once, e.g. all of a batch's, go in one
  // readAll: ranges asked for in the same turn of the event loop are fetched together.
  let queued: Array<{
    range: OffsetRange;
    resolve: (records: ConsumerRecord<K, V>[]) => void;
    reject: (error: unknown) => void;
  }> = [];
  const flush = async (): Promise<void> => {
    const batch = queued;
    queued = [];
    try {
      const records = await readAll(
        await reader(),
        batch.map((q) => q.range),
      );
      for (const [i, q] of batch.entries()) q.resolve(records[i] ?? []);
    } catch (error) {
      for (const q of batch) q.reject(error);
    }
  };
  const readQueued = (range: OffsetRange): Promise<ConsumerRecord<K, V>[]> =>
    new Promise((resolve, reject) => {
      if (queued.length === 0) setImmediate(() => void flush());
      queued.push({ range, resolve, reject });
    });

  // Where the given partitions resume: the offset store (or the group), else startingOffsets.
  const loadOffsets = async (c: KafkaClient, wanted: readonly KafkaTopicPartition[] | undefined) => {
    const want = wanted === undefined ? undefined : new Set(wanted.map((x) => tp(x.topic, x.partition)));
    const store = options.offsetStore;
    const stored = store
      ? await store.load(options.jobId ?? options.groupId, options.topics)
      : await c.groupOffsets(options.groupId, options.topics);
    for (const o of stored) {
      if (want === undefined || want.has(tp(o.topic, o.partition)))
        next.set(tp(o.topic, o.partition), o.offset);
    }
    for (const topic of options.topics) {
      const offsets = await c.topicOffsets(topic);
      if (offsets.length === 0) throw new ConfigError(`directStream: topic '${topic}' does not exist`);
      for (const o of offsets) {
        const key = tp(topic, o.partition);
        if (want !== undefined && !want.has(key)) continue;
        if (!next.has(key)) next.set(key, options.startingOffsets === 'earliest' ? o.earliest : o.latest);
      }
    }
  };

  // Resolves when no planned batch is left uncompleted (or at the deadline).
  const drained = async (deadline: number): Promise<void> => {
    while (Date.now() < deadline) {
      const open = [...pending.values()].some((ranges) => ranges.some((r) => r.untilOffset > r.fromOffset));
      if (!open && planning === 0 && commits.size === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    context.log(
      'warn',
      `directStream: rebalance of group '${options.groupId}' proceeds with batches unfinished`,
      {
        batches: [...pending.keys()],
      },
    );
  };

  const subscribe = async (c: KafkaClient): Promise<void> => {
    const consumer = options.consumer;
    membership = new GroupMembership({
      groupId: options.groupId,
      topics: options.topics,
      ...(consumer?.sessionTimeout === undefined ? {} : { sessionTimeout: consumer.sessionTimeout }),
      ...(consumer?.rebalanceTimeout === undefined ? {} : { rebalanceTimeout: consumer.rebalanceTimeout }),
      ...(consumer?.heartbeatInterval === undefined ? {} : { heartbeatInterval: consumer.heartbeatInterval }),
      drain: drained,
      assigned: async (all, added) => {
        const owned = new Set(all.map((x) => tp(x.topic, x.partition)));
        for (const k of [...next.keys()]) if (!owned.has(k)) next.delete(k);
        // Another instance may have moved a gained partition on since we last held it (or since our
        // checkpoint): the offset store, not our memory, says where it resumes.
        for (const x of added) next.delete(tp(x.topic, x.partition));
        for (const [time, ranges] of pending) {
          pending.set(
            time,
            ranges.filter((r) => owned.has(tp(r.topic, r.partition)) && next.has(tp(r.topic, r.partition))),
          );
        }
        if (added.length > 0) await loadOffsets(c, added);
      },
      log: (level, message, fields) => context.log(level, message, fields),
    });
    await membership.start(c);
  };

  return {
    name: options.name ?? `kafka direct ${options.topics.join(',')}`,
    replayable: true,
    replayReason: 'offset ranges are recomputed from the checkpoint or the offset store',
    async start(ctx) {
      context = ctx;
      client = await provider.acquire();
      if (options.subscribe === true) {
        await subscribe(client);
        return;
      }
      if (restored) return;
      await loadOffsets(client, undefined);
    },
    async compute(time): Promise<SourceBatch<KafkaPlanned<K, V>>> {
      let ranges = pending.get(time);
      if (ranges === undefined) {
        planning++;
        try {
          ranges = await plan();
          pending.set(time, ranges);
        } finally {
          planning--;
        }
        for (const r of ranges) next.set(tp(r.topic, r.partition), r.untilOffset);
      }
      counters.batches++;
      if (readsWhereProcessed) {
        // The offsets planned; records of aborted transactions and compacted ones are not told apart.
        const recordCount = ranges.reduce((n, r) => n + Math.max(0, r.untilOffset - r.fromOffset), 0);
        counters.records += recordCount;
        return { partitions: ranges.map((r) => [r]), offsetRanges: ranges, recordCount };
      }
      const partitions = await readAll(connected(), ranges);
      await decoder.flushDeadLetters(connected());
      for (const p of partitions) counters.records += p.length;
      return { partitions, offsetRanges: ranges };
    },
    ...(readsWhereProcessed
      ? {
          async readPartition(planned: readonly KafkaPlanned<K, V>[]): Promise<ConsumerRecord<K, V>[]> {
            const ranges = planned as readonly OffsetRange[];
            let skipped = 0;
            try {
              const read = await Promise.all(ranges.map(readQueued));
              for (const range of ranges) skipped += skippedIn.get(range) ?? 0;
              return read.flat();
            } finally {
              for (const range of ranges) skippedIn.delete(range);
              // Counted here, in the task's own context: a failed task attempt's skips are dropped.
              if (skipped > 0) skippedCounter?.add(skipped);
            }
          },
        }
      : {}),
    async onBatchCompleted(time, offsetRanges) {
      const ranges = offsetRanges.length > 0 ? offsetRanges : (pending.get(time) ?? []);
      pending.delete(time);
      const commitToGroup = options.commitToGroup ?? options.offsetStore === undefined;
      if (!commitToGroup || client === undefined) return;
      const m = membership;
      // A partition handed over meanwhile (its batch outlived the drain) is not committed: the
      // classic protocol would accept it and could move the new owner's offset back.
      const offsets = ranges
        .filter((r) => m === undefined || m.holds(r.topic, r.partition))
        .map((r) => ({ topic: r.topic, partition: r.partition, offset: r.untilOffset }));
      const written =
        m === undefined ? client.commitGroupOffsets(options.groupId, offsets) : m.commit(offsets);
      const commit = written.catch((error: unknown) => {
        // Without subscribe, lag visibility only: the checkpoint or the offset store is what the stream
        // resumes from. With subscribe, the member already retried it; the next owner re-reads the range.
        context.log('warn', `directStream: committing offsets to group '${options.groupId}' failed`, {
          error: String(error),
        });
      });
      commits.add(commit);
      try {
        await commit;
      } finally {
        commits.delete(commit);
      }
    },
    position(): JsonValue {
      const saved: SavedPosition = {
        next: [...next].map(([key, offset]) => {
          const [topic, partition] = key.split('\u0000') as [string, string];
          return [topic, Number(partition), offset];
        }),
        pending: [...pending].map(([time, ranges]) => [
          time,
          ranges.map((r): [string, number, number, number] => [
            r.topic,
            r.partition,
            r.fromOffset,
            r.untilOffset,
          ]),
        ]),
      };
      return saved as unknown as JsonValue;
    },
    restore(position) {
      const saved = position as unknown as SavedPosition;
      next.clear();
      pending.clear();
      for (const [topic, partition, offset] of saved.next) next.set(tp(topic, partition), offset);
      for (const [time, ranges] of saved.pending) {
        pending.set(
          time,
          ranges.map(([topic, partition, fromOffset, untilOffset]) => ({
            topic,
            partition,
            fromOffset,
            untilOffset,
          })),
        );
      }
      restored = true;
    },
    async stop() {
      await Promise.allSettled([...commits]);
      const m = membership;
      membership = undefined;
      await m?.stop().catch((error: unknown) => {
        context.log('warn', `directStream: leaving group '${options.groupId}' failed`, {
          error: String(error),
        });
      });
      const c = client;
      client = undefined;
      if (c !== undefined) provider.release(c);
      await decoder.close();
      await provider.close();
    },
    stats: () => ({
      ...counters,
      skipped: skippedCounter?.value ?? decoder.skipped,
      deadLettered: decoder.deadLettered,
    }),
  };
}
