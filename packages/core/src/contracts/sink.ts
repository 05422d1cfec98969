import type { Time } from '../batch.js';
import type { OffsetRange, OffsetStore } from './offset-store.js';

/**
 * How a sink makes a replayed batch harmless:
 * - `idempotent`: writing the same batch again leaves the same result (upserts on deterministic
 *   keys, explicit HBase timestamps, files renamed into place);
 * - `transactional`: the partition's results and its batch marker / source offsets are committed in
 *   one transaction, and a batch already committed is skipped;
 * - `at-least-once`: a replay writes again (appends, plain increments).
 */
export type SinkGuarantee = 'idempotent' | 'transactional' | 'at-least-once';

/** What a sink's write knows about the partition it writes. */
export interface SinkContext {
  /** The id of the output operation in the job graph: stable across restarts of the same job. */
  readonly outputId: string;
  /** The batch's time; with `outputId` and `partition`, a unique, replay-stable marker. */
  readonly batchTime: Time;
  readonly partition: number;
  readonly numPartitions: number;
  /** Every source offset range of this batch (empty for sources without offsets). */
  readonly offsetRanges: readonly OffsetRange[];
  /** The range whose records this partition holds, while partitions are aligned with the source's. */
  readonly partitionOffsetRange: OffsetRange | undefined;
  /** 0 for the driver's event loop, 1..N for worker-thread executors. */
  readonly executorId: number;
  /** 1 on the first try; a retried task has a higher attempt. */
  readonly attempt: number;
}

/** What the driver passes to `commitBatch` once every partition of a batch was written. */
export interface SinkBatchInfo {
  readonly outputId: string;
  readonly batchTime: Time;
  readonly numPartitions: number;
  readonly offsetRanges: readonly OffsetRange[];
}

/**
 * A destination for a DStream's records: `stream.to(sink)`. A factory returns a plain object.
 *
 * ```ts
 * const sink: Sink<[string, number]> = {
 *   name: 'console',
 *   guarantee: 'at-least-once',
 *   mechanism: 'prints each record',
 *   async writePartition(records) { for (const r of records) console.log(r); },
 * };
 * counts.to(sink);
 * ```
 */
export interface Sink<T> {
  /** Shown in logs, listener events and `ctx.guarantees()`. */
  readonly name: string;
  /** What a replayed batch does to this sink's output. */
  readonly guarantee: SinkGuarantee;
  /**
   * One line on how the guarantee is achieved, e.g. "INSERT … ON DUPLICATE KEY UPDATE on (page)".
   * ```ts
   * mechanism: 'MULTI/EXEC with a batch marker per partition'
   * ```
   */
  readonly mechanism: string;
  /**
   * Where the sink keeps source offsets when it is transactional, so that a source can resume from
   * it on restart.
   * ```ts
   * directStream(ctx, { topics: ['clicks'], offsetStore: sink.offsetStore });
   * ```
   */
  readonly offsetStore?: OffsetStore;
  /**
   * Called once per executor before its first write.
   * ```ts
   * async open() { await pool.use((c) => c.query(createTableSql)); }
   * ```
   */
  open?(): Promise<void>;
  /**
   * Writes one partition of one batch. Resolves only when the records are durable in the target:
   * that is what lets the driver consider the batch done. May run again for the same batch after
   * a failure or restart (`context.attempt`, or a new process replaying the batch).
   * ```ts
   * async writePartition(records, { batchTime, partition }) { await upsert(records); }
   * ```
   */
  writePartition(records: readonly T[], context: SinkContext): Promise<void>;
  /**
   * Called on the driver after every partition of the batch was written (e.g. to record the batch's
   * offsets or publish a completion marker).
   * ```ts
   * async commitBatch({ offsetRanges }) { await store.save('job', offsetRanges); }
   * ```
   */
  commitBatch?(info: SinkBatchInfo): Promise<void>;
  /**
   * Releases the sink's resources in this executor.
   * ```ts
   * async close() { await provider.close(); }
   * ```
   */
  close?(): Promise<void>;
}
