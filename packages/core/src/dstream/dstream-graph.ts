import { createHash } from 'node:crypto';
import type { Time } from '../batch.js';
import type { JsonValue } from '../contracts/source.js';
import { StateError } from '../errors.js';
import type { OffsetRange } from '../contracts/offset-store.js';
import type { DStream, PartitionScan } from './dstream.js';
import type { InputDescription } from './types.js';

/** An input stream's hooks into batch generation (sources, receivers, queues). */
export interface InputStreamHooks {
  readonly description: InputDescription;
  start(): Promise<void>;
  /** Decides and stores the stream's batch at `time`; returns its record count. */
  generate(time: Time): Promise<number>;
  batchCompleted(time: Time): Promise<void>;
  stop(): Promise<void>;
  /** The input's position for a checkpoint (replayable inputs only). */
  position?(): JsonValue | undefined;
  /** Restores a position before start; pending batches are then generated again. */
  restore?(position: JsonValue): void;
}

/** An output operation: the end of a chain that runs as a job each batch. */
export interface OutputOperation {
  /** Stable within the job graph: `output-<n>-<kind>`. */
  readonly id: string;
  readonly name: string;
  readonly kind: 'print' | 'foreachBatch' | 'foreachPartition' | 'sink';
  readonly stream: DStream<unknown>;
  /** Runs the operation for a batch; false when the stream had no batch at that time. */
  run(time: Time): Promise<boolean>;
  close?(): Promise<void>;
  /** The per-partition work of foreachPartition and sinks: what executors run. */
  partitionTask?: (records: readonly unknown[], context: PartitionTaskContext) => Promise<void>;
  /** What a replayed batch does to this output (sinks declare it; user functions run again). */
  readonly guarantee: 'idempotent' | 'transactional' | 'at-least-once';
  readonly mechanism: string;
}

/** What output operations need from the running context: task execution and console output. */
export interface OutputRuntime {
  /**
   * Runs one task per partition (on the driver's event loop, or on executors), retrying a failed
   * task up to the context's maxTaskAttempts; rejects with TaskFailedError after the last attempt.
   */
  runTasks(
    label: string,
    time: Time,
    numPartitions: number,
    task: (partition: number, attempt: number, executorId: number) => Promise<void>,
  ): Promise<void>;
  /** Where print() writes. */
  write(text: string): void;
  /** Worker-thread executors, when the context has any. */
  executors?: ExecutorBackend;
}

/** What an output's partition task knows (on the driver or on an executor). */
export interface PartitionTaskContext {
  readonly batchTime: Time;
  readonly partition: number;
  readonly numPartitions: number;
  readonly attempt: number;
  readonly executorId: number;
  readonly offsetRanges: readonly OffsetRange[];
  readonly partitionsAlignedWithOffsets: boolean;
}

/** Runs partition work on worker-thread executors. */
export interface ExecutorBackend {
  /** Runs the map side of `wide` on every partition of `scan`; returns each partition's combined entries. */
  combine(
    label: string,
    time: Time,
    wide: DStream<unknown>,
    scan: PartitionScan<unknown>,
  ): Promise<Array<Array<[unknown, unknown]>>>;
  /** Runs `output`'s partition task on every partition of `scan`. */
  runOutput(label: string, time: Time, output: OutputOperation, scan: PartitionScan<unknown>): Promise<void>;
}

/**
 * The graph of a job: its streams, inputs and outputs (Spark's DStreamGraph). Frozen at start.
 */
export class DStreamGraph {
  readonly streams: DStream<unknown>[] = [];
  readonly inputs: Array<{ stream: DStream<unknown>; hooks: InputStreamHooks }> = [];
  readonly outputs: OutputOperation[] = [];
  zeroTime: Time | undefined;
  runtime: OutputRuntime | undefined;
  private frozen = false;

  constructor(
    readonly batchInterval: number,
    readonly defaultParallelism: number,
  ) {}

  assertMutable(what: string): void {
    if (this.frozen) {
      throw new StateError(
        `cannot add ${what} after the StreamingContext has started: define the whole graph first`,
      );
    }
  }

  addStream(stream: DStream<unknown>): number {
    this.assertMutable(`operation ${stream.kind}`);
    this.streams.push(stream);
    return this.streams.length - 1;
  }

  addInput(stream: DStream<unknown>, hooks: InputStreamHooks): void {
    this.inputs.push({ stream, hooks });
  }

  addOutput(output: OutputOperation): void {
    this.assertMutable(`output operation ${output.kind}`);
    this.outputs.push(output);
  }

  nextOutputId(kind: string): string {
    return `output-${this.outputs.length}-${kind}`;
  }

  /** Freezes the graph and works out how long each stream must remember its batches. */
  freeze(zeroTime: Time): void {
    this.frozen = true;
    this.zeroTime = zeroTime;
    for (const output of this.outputs) output.stream.setRememberDuration(output.stream.slideDuration);
  }

  /** Drops remembered batches that no later batch can need. */
  clearMetadata(time: Time): void {
    for (const stream of this.streams) stream.clearOldBatches(time);
  }

  /** The input streams an output reads from. */
  inputsOf(stream: DStream<unknown>): InputDescription[] {
    const seen = new Set<DStream<unknown>>();
    const found: InputDescription[] = [];
    const visit = (s: DStream<unknown>): void => {
      if (seen.has(s)) return;
      seen.add(s);
      const input = this.inputs.find((i) => i.stream === s);
      if (input) found.push(input.hooks.description);
      for (const p of s.parents) visit(p);
    };
    visit(stream);
    return found;
  }

  /** A hash of the graph's shape: what executors and restarts check against. */
  fingerprint(): string {
    const hash = createHash('sha256');
    for (const s of this.streams) hash.update(`${s.describe()}\n`);
    for (const o of this.outputs) hash.update(`${o.id}<-${o.stream.id}\n`);
    return hash.digest('hex').slice(0, 16);
  }

  /** One line per stream, for error messages about a changed graph. */
  describe(): string[] {
    return [
      ...this.streams.map((s) => s.describe()),
      ...this.outputs.map((o) => `${o.id} <- #${o.stream.id}`),
    ];
  }
}
