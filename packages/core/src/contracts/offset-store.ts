/**
 * Where a replayable source's positions live outside the checkpoint: a transactional sink's table,
 * or the Kafka consumer group. A direct stream resumes from any OffsetStore.
 */

/** The records [fromOffset, untilOffset) of one topic-partition in one batch (Spark's OffsetRange). */
export interface OffsetRange {
  readonly topic: string;
  readonly partition: number;
  /** First offset in the range (inclusive). */
  readonly fromOffset: number;
  /** One past the last offset in the range (exclusive): the next offset to read. */
  readonly untilOffset: number;
}

/** The next offset to read for one topic-partition. */
export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/**
 * A store of source positions, keyed by a job (or consumer group) id.
 *
 * ```ts
 * const store: OffsetStore = mysqlOffsetStore({ pool, table: 'dstream_offsets' });
 * const positions = await store.load('clicks-job', ['clicks']);
 * await store.save('clicks-job', [{ topic: 'clicks', partition: 0, fromOffset: 0, untilOffset: 42 }]);
 * ```
 */
export interface OffsetStore {
  /** Shown in logs and in `ctx.guarantees()`. */
  readonly name: string;
  /**
   * The stored next offsets of `jobId` for these topics (empty when nothing is stored yet).
   * ```ts
   * const next = await store.load('job', ['clicks']); // [{ topic: 'clicks', partition: 0, offset: 42 }]
   * ```
   */
  load(jobId: string, topics: readonly string[]): Promise<TopicPartitionOffset[]>;
  /**
   * Records that every range up to `untilOffset` is done. Sinks that store offsets in their own
   * transaction do so inside the transaction instead; this is for stores used on their own.
   * ```ts
   * await store.save('job', batch.offsetRanges ?? []);
   * ```
   */
  save(jobId: string, ranges: readonly OffsetRange[]): Promise<void>;
  /**
   * Releases the store's connections.
   * ```ts
   * await store.close?.();
   * ```
   */
  close?(): Promise<void>;
}
