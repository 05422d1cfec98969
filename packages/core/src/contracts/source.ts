import type { Time } from '../batch.js';
import type { OffsetRange } from './offset-store.js';

/** JSON-compatible values: what a source may put in a checkpoint. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What a source's `compute` returns for one batch time. */
export interface SourceBatch<T> {
  readonly partitions: ReadonlyArray<readonly T[]>;
  /** One range per partition when the partitions map to offset ranges (Kafka direct). */
  readonly offsetRanges?: readonly OffsetRange[];
  /**
   * The records the batch holds, when that is not the number of records in `partitions`: a source
   * whose `decode` turns one compact byte batch into many records says how many (listeners and
   * backpressure count records).
   */
  readonly recordCount?: number;
}

/** What core gives a source when the context starts. */
export interface SourceContext {
  /** The batch interval, ms. */
  readonly batchInterval: number;
  /** The current rate bound (records/s per partition) from backpressure, or undefined for none. */
  readonly rateLimit: () => number | undefined;
  /** Structured log without credentials. */
  readonly log: (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: object) => void;
}

/**
 * A pull-based (direct) input: each batch, the driver asks the source what the batch covers, as
 * Spark's DirectKafkaInputDStream does. Register one with `ctx.source(source)`.
 *
 * ```ts
 * let n = 0;
 * const counter: Source<number> = {
 *   name: 'counter',
 *   replayable: false,
 *   replayReason: 'numbers are generated in memory',
 *   async compute() { return { partitions: [[n++]] }; },
 * };
 * const numbers = ctx.source(counter);
 * ```
 */
export interface Source<T, R = T> {
  /** Shown in logs, listener events and `ctx.guarantees()`. */
  readonly name: string;
  /** Whether a batch can be read again after a failure or restart. */
  readonly replayable: boolean;
  /**
   * Why, in a few words ("offsets in the checkpoint", "socket data is not kept").
   * ```ts
   * replayReason: 'offset ranges are recomputed from the checkpoint'
   * ```
   */
  readonly replayReason: string;
  /**
   * Called once when the context starts.
   * ```ts
   * async start(context) { this.consumer = await connect(); }
   * ```
   */
  start?(context: SourceContext): Promise<void>;
  /**
   * Called on the driver once per batch time, in order. Decide what the batch covers and read it.
   * After a restore, it is called again for the batches the checkpoint left unfinished and must
   * return the same records for them (keep each unfinished batch's range in `position()`, as the
   * Kafka, MySQL and file sources do); a source that cannot is not replayable.
   * ```ts
   * async compute(time) { return { partitions: [await readSince(last)] }; }
   * ```
   */
  compute(time: Time): Promise<SourceBatch<R>>;
  /**
   * Turns one record that `compute` read (raw: bytes, a compact batch) into the stream's records,
   * where its partition is processed: on an executor when the context has executors, fused with
   * the narrow operations after it, so the driver only moves the raw bytes (Spark decodes Kafka
   * records on executors too). Without `decode`, `compute`'s records are the stream's records.
   * It runs on the executor's own copy of the source, built by the job module: it may use the
   * source's options, not what `start` or `compute` learned on the driver.
   * ```ts
   * decode(raw, emit) { emit({ offset: raw.offset, value: JSON.parse(raw.value.toString()) }); }
   * ```
   */
  decode?(raw: R, emit: (record: T) => void): void;
  /**
   * Reads one partition of what `compute` planned (say, an offset range) into the stream's
   * records, where the partition is processed: on an executor, with that executor's own clients
   * (a `perExecutor` provider), as Spark's KafkaRDD reads on its executors; on the driver only when
   * the batch is needed there (no executors, or a driver-side operation such as a window or a
   * join). `compute` then returns the plan and `recordCount`; a failed task reads again, so the
   * read must return the same records every time. Like `decode`, it runs on the executor's own
   * copy of the source, which was never started. A source has `decode` or `readPartition`, not both.
   * ```ts
   * async readPartition([range], { executorId }) { return fetchRange(await client.get(), range); }
   * ```
   */
  readPartition?(
    planned: readonly R[],
    context: { readonly executorId: number; readonly partition: number },
  ): Promise<readonly T[]>;
  /**
   * Called after every output of the batch at `time` succeeded (e.g. commit offsets to the group).
   * ```ts
   * async onBatchCompleted(time, ranges) { await consumer.commit(ranges); }
   * ```
   */
  onBatchCompleted?(time: Time, offsetRanges: readonly OffsetRange[]): Promise<void>;
  /**
   * The source's position for the checkpoint.
   * ```ts
   * position() { return { next: this.next }; }
   * ```
   */
  position?(): JsonValue;
  /**
   * Restores a position written by `position()` before `start`.
   * ```ts
   * restore(position) { this.next = (position as { next: number }).next; }
   * ```
   */
  restore?(position: JsonValue): void;
  /**
   * Called once when the context stops.
   * ```ts
   * async stop() { await this.consumer.disconnect(); }
   * ```
   */
  stop?(): Promise<void>;
}
