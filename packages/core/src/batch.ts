import type { OffsetRange } from './contracts/offset-store.js';

/** Milliseconds since the epoch (system clock) or since zero (manual clock): a batch's time. */
export type Time = number;

/**
 * One batch of a DStream: Spark's RDD for one batch time. `partitions` are the records, split the
 * way the stream partitions them (one per Kafka partition, receiver block or hash bucket).
 *
 * ```ts
 * const batch: Batch<string> = { time: 1000, partitions: [['a', 'b'], ['c']] };
 * ```
 */
export interface Batch<T> {
  readonly time: Time;
  readonly partitions: ReadonlyArray<readonly T[]>;
  /**
   * Source offsets this batch was computed from (Spark's HasOffsetRanges). Carried through narrow
   * operations; `offsetRanges[i]` belongs to partition `i` while `partitionsAlignedWithOffsets`.
   */
  readonly offsetRanges?: readonly OffsetRange[];
  /** True while partition i still holds exactly the records of offsetRanges[i] (no shuffle yet). */
  readonly partitionsAlignedWithOffsets?: boolean;
}

/** The number of records in a batch. */
export function batchSize(batch: Batch<unknown>): number {
  let n = 0;
  for (const partition of batch.partitions) n += partition.length;
  return n;
}

/** All records of a batch, partition after partition. */
export function batchRecords<T>(batch: Batch<T>): T[] {
  const out: T[] = [];
  for (const partition of batch.partitions) for (const record of partition) out.push(record);
  return out;
}
