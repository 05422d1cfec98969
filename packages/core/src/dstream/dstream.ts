import type { Batch, Time } from '../batch.js';
import type { Sink } from '../contracts/sink.js';
import { ConfigError, StateError } from '../errors.js';
import type { KeyedMap } from '../keyed-map.js';
import type { Key } from '../stable-hash.js';
import type { DStreamGraph } from './dstream-graph.js';
import * as outputs from './output-operations.js';
import type { ForeachPartitionContext } from './output-operations.js';
import * as shuffle from './shuffle-operations.js';
import * as state from './state-operations.js';
import type { MapWithStateDStream, StateSpec } from './state-operations.js';
import type { BatchMeta, ComputeFn, Emit, Pair, Step } from './types.js';
import { derivedMeta } from './types.js';
import * as windows from './window-operations.js';

/** A batch read record by record: partition i's records are pushed into `emit` by `run(i, emit)`. */
export interface PartitionScan<T> {
  readonly time: Time;
  readonly numPartitions: number;
  readonly meta: BatchMeta;
  run(partition: number, emit: Emit<T>): void;
  /**
   * Where the records come from, for running a partition on an executor: the base partitions, the
   * stream whose fused chain turns them into T records, and whether that chain is the identity.
   */
  readonly origin: {
    readonly partitions: ReadonlyArray<readonly unknown[]>;
    readonly chain: DStream<T>;
    readonly identity: boolean;
    /** Set when the base partitions are what a source planned and its read stream must read them first. */
    readonly readStreamId?: number;
  };
}

/** A source's read of planned partitions (Source.readPartition), on an executor or on the driver. */
export interface RemoteRead {
  /** The input stream whose batches hold what the source planned. */
  readonly input: DStream<unknown>;
  read(
    planned: readonly unknown[],
    context: { executorId: number; partition: number },
  ): Promise<readonly unknown[]>;
}

/** The map side of a wide operation, run per input partition (on an executor when there are any). */
export interface MapSide {
  readonly parent: DStream<unknown>;
  readonly emitInto: (map: KeyedMap<unknown, unknown>) => Emit<unknown>;
  readonly mergeCombiners: (a: unknown, b: unknown) => unknown;
}

export interface DStreamInit<T> {
  kind: string;
  params?: string;
  parents: DStream<unknown>[];
  compute?: ComputeFn<T>;
  narrow?: { base: DStream<unknown>; step: Step<unknown, T> };
  slideDuration?: number;
}

/**
 * A discretized stream: a recipe that yields one Batch<T> per batch time. Transformations return
 * new DStreams; output operations register the graph's outputs; nothing runs until `start()`.
 *
 * ```ts
 * const counts = ctx.socketTextStream('127.0.0.1', 9999)
 *   .flatMap((line) => line.split(' '))
 *   .map((word) => [word, 1] as [string, number])
 *   .reduceByKey((a, b) => a + b);
 * counts.print();
 * ```
 */
export class DStream<T> {
  readonly id: number;
  readonly kind: string;
  readonly params: string;
  readonly parents: DStream<unknown>[];
  /** The interval at which this stream yields batches (a window's slide, else the batch interval). */
  readonly slideDuration: number;
  rememberDuration = 0;
  private readonly generated = new Map<Time, Promise<Batch<T> | undefined>>();
  /** Batches once computed, readable synchronously (for checkpoints). */
  private readonly resolved = new Map<Time, Batch<T>>();
  /** Whether this stream's remembered batches go into checkpoints (windows and state need them). */
  checkpointed = false;
  /** @internal Set on wide operations whose map side can run on executors. */
  mapSide: MapSide | undefined;
  /** @internal Set on the read stream of a source that reads its partitions where they are processed. */
  remoteRead: RemoteRead | undefined;
  private readonly computeFn: ComputeFn<T> | undefined;
  private readonly narrow: { base: DStream<unknown>; step: Step<unknown, T> } | undefined;
  private cached = false;

  constructor(
    readonly graph: DStreamGraph,
    init: DStreamInit<T>,
  ) {
    this.kind = init.kind;
    this.params = init.params ?? '';
    this.parents = init.parents;
    this.slideDuration = init.slideDuration ?? init.parents[0]?.slideDuration ?? graph.batchInterval;
    this.computeFn = init.compute;
    this.narrow = init.narrow;
    this.id = graph.addStream(this as DStream<unknown>);
  }

  /** `#id kind(params) <- #parents`, for fingerprints and messages. */
  describe(): string {
    return `#${this.id} ${this.kind}(${this.params}) <- ${this.parents.map((p) => `#${p.id}`).join(',')}`;
  }

  // ---- evaluation -------------------------------------------------------------------------------

  /** Whether this stream has a batch at `time` (windows only at multiples of their slide). */
  isTimeValid(time: Time): boolean {
    const zero = this.graph.zeroTime;
    if (zero === undefined || time <= zero) return false;
    return (time - zero) % this.slideDuration === 0;
  }

  /** The batch at `time`, computed once and remembered while later batches may need it. */
  getOrCompute(time: Time): Promise<Batch<T> | undefined> {
    const known = this.generated.get(time);
    if (known !== undefined) return known;
    if (!this.isTimeValid(time)) return Promise.resolve(undefined);
    const computed = this.narrow !== undefined ? this.materialize(time) : this.computeFn!(time);
    this.generated.set(time, computed);
    computed.then(
      (batch) => {
        if (batch !== undefined && this.generated.get(time) === computed) this.resolved.set(time, batch);
      },
      // A failed batch is forgotten, so that a retry of the batch computes it again.
      () => {
        if (this.generated.get(time) === computed) this.generated.delete(time);
      },
    );
    return computed;
  }

  /** Stores a batch computed elsewhere (an input's batch, or one restored from a checkpoint). */
  putBatch(time: Time, batch: Batch<T>): void {
    this.generated.set(time, Promise.resolve(batch));
    this.resolved.set(time, batch);
  }

  /** @internal The computed batches still remembered, oldest first (for checkpoints). */
  rememberedBatches(upTo: Time): Batch<T>[] {
    return [...this.resolved.values()].filter((b) => b.time <= upTo).sort((a, b) => a.time - b.time);
  }

  /**
   * The batch at `time` for a consumer that reads it record by record. Fused narrow chains are not
   * materialized: the consumer's emit is called straight from the base partitions. `remote`: the
   * consumer runs its tasks on executors, so a source's planned partitions (readPartition) are left
   * for the executors to read, unless the driver has already read them or the stream is cached.
   */
  async scan(time: Time, remote = false): Promise<PartitionScan<T> | undefined> {
    if (this.narrow !== undefined && !this.cached && !this.generated.has(time))
      return this.scanFused(time, remote);
    if (remote && this.remoteRead !== undefined && !this.cached && !this.generated.has(time))
      return this.scanPlanned(time, this, this.remoteRead, true);
    const batch = await this.getOrCompute(time);
    if (batch === undefined) return undefined;
    return {
      time,
      numPartitions: batch.partitions.length,
      meta: batch,
      run(partition, emit) {
        const records = batch.partitions[partition]!;
        for (let i = 0; i < records.length; i++) emit(records[i]!);
      },
      origin: { partitions: batch.partitions, chain: this, identity: true },
    };
  }

  /**
   * @internal Pushes base records through this stream's fused chain (or as they are, for the
   * identity): what an executor runs for one partition.
   */
  runChain(records: readonly unknown[], emit: Emit<T>, identity: boolean): void {
    if (identity || this.narrow === undefined) {
      for (let i = 0; i < records.length; i++) emit(records[i] as T);
      return;
    }
    const push = this.narrow.step(emit);
    for (let i = 0; i < records.length; i++) push(records[i]);
  }

  /**
   * The planned partitions of `read`'s source, for tasks on executors that read them there: nothing
   * is read on the driver (Spark's KafkaRDD reads on its executors).
   */
  private async scanPlanned(
    time: Time,
    read: DStream<unknown>,
    remote: RemoteRead,
    identity: boolean,
  ): Promise<PartitionScan<T> | undefined> {
    const planned = await remote.input.getOrCompute(time);
    if (planned === undefined) return undefined;
    return {
      time,
      numPartitions: planned.partitions.length,
      meta: derivedMeta(planned, true),
      run() {
        throw new StateError('a planned partition is read on an executor, not scanned on the driver');
      },
      origin: { partitions: planned.partitions, chain: this, identity, readStreamId: read.id },
    };
  }

  /** Runs the fused narrow chain over the base stream's partitions. */
  private async scanFused(time: Time, remote = false): Promise<PartitionScan<T> | undefined> {
    if (!this.isTimeValid(time)) return undefined;
    const { base, step } = this.narrow!;
    if (remote && base.remoteRead !== undefined && !base.cached && !base.generated.has(time))
      return this.scanPlanned(time, base, base.remoteRead, false);
    const baseBatch = await base.getOrCompute(time);
    if (baseBatch === undefined) return undefined;
    let lastEmit: Emit<T> | undefined;
    let lastPush: Emit<unknown> | undefined;
    return {
      time,
      numPartitions: baseBatch.partitions.length,
      meta: derivedMeta(baseBatch, true),
      run(partition, emit) {
        // One chain per consumer, not per partition (steps hold no state): the chain's calls then
        // see the same closures in every partition, which keeps them inlinable.
        if (emit !== lastEmit) {
          lastEmit = emit;
          lastPush = step(emit);
        }
        const push = lastPush!;
        const records = baseBatch.partitions[partition]!;
        for (let i = 0; i < records.length; i++) push(records[i]);
      },
      origin: { partitions: baseBatch.partitions, chain: this, identity: false },
    };
  }

  private async materialize(time: Time): Promise<Batch<T> | undefined> {
    const scan = await this.scanFused(time);
    if (scan === undefined) return undefined;
    const partitions: T[][] = [];
    for (let p = 0; p < scan.numPartitions; p++) {
      const out: T[] = [];
      scan.run(p, (r) => out.push(r));
      partitions.push(out);
    }
    return { time, partitions, ...scan.meta };
  }

  /** @internal Raises how long batches are kept, for this stream and everything upstream. */
  setRememberDuration(duration: number): void {
    if (duration <= this.rememberDuration) return;
    this.rememberDuration = duration;
    for (const parent of this.parents) parent.setRememberDuration(duration);
  }

  /** @internal */
  clearOldBatches(time: Time): void {
    const keepAfter = time - Math.max(this.rememberDuration, this.graph.batchInterval);
    for (const t of this.generated.keys()) if (t <= keepAfter) this.generated.delete(t);
    for (const t of this.resolved.keys()) if (t <= keepAfter) this.resolved.delete(t);
  }

  // ---- narrow transformations (fused into one pass per partition) ------------------------------

  private chain<U>(kind: string, step: Step<T, U>): DStream<U> {
    if (this.narrow !== undefined && !this.cached) {
      const inner = this.narrow.step;
      return new DStream<U>(this.graph, {
        kind,
        parents: [this as DStream<unknown>],
        narrow: { base: this.narrow.base, step: (emit) => inner(step(emit)) },
      });
    }
    return new DStream<U>(this.graph, {
      kind,
      parents: [this as DStream<unknown>],
      narrow: { base: this as DStream<unknown>, step: step as Step<unknown, U> },
    });
  }

  /** Each record mapped to one record. */
  map<U>(fn: (record: T) => U): DStream<U> {
    return this.chain('map', (emit) => (r) => emit(fn(r)));
  }

  /** Each record mapped to zero or more records. */
  flatMap<U>(fn: (record: T) => Iterable<U>): DStream<U> {
    return this.chain('flatMap', (emit) => (r) => {
      const out = fn(r);
      if (Array.isArray(out)) {
        for (let i = 0; i < out.length; i++) emit(out[i]);
      } else {
        for (const u of out) emit(u);
      }
    });
  }

  /** The records for which `predicate` holds. */
  filter(predicate: (record: T) => boolean): DStream<T> {
    return this.chain('filter', (emit) => (r) => {
      if (predicate(r)) emit(r);
    });
  }

  /** Each partition's records mapped at once (e.g. to reuse one client or buffer per partition). */
  mapPartitions<U>(fn: (records: readonly T[], partition: number) => Iterable<U>): DStream<U> {
    return new DStream<U>(this.graph, {
      kind: 'mapPartitions',
      parents: [this as DStream<unknown>],
      compute: async (time) => {
        const batch = await this.getOrCompute(time);
        if (batch === undefined) return undefined;
        const partitions = batch.partitions.map((records, i) => Array.from(fn(records, i)));
        return { time, partitions, ...derivedMeta(batch, true) };
      },
    });
  }

  /** Keeps each batch once computed, for streams read by several outputs. */
  cache(): this {
    this.graph.assertMutable('cache()');
    this.cached = true;
    return this;
  }

  /** Alias of cache(), as in Spark. */
  persist(): this {
    return this.cache();
  }

  /** A batch → batch function, for what the DStream API lacks (joins with static data, sorting). */
  transform<U>(fn: (batch: Batch<T>) => Batch<U> | ReadonlyArray<readonly U[]>): DStream<U> {
    return new DStream<U>(this.graph, {
      kind: 'transform',
      parents: [this as DStream<unknown>],
      compute: async (time) => {
        const batch = await this.getOrCompute(time);
        if (batch === undefined) return undefined;
        const out = fn(batch);
        if (Array.isArray(out))
          return { time, partitions: out as ReadonlyArray<readonly U[]>, ...derivedMeta(batch, false) };
        return { ...(out as Batch<U>), time };
      },
    });
  }

  /** The records of this stream and of `others`, batch by batch. */
  union(...others: DStream<T>[]): DStream<T> {
    return shuffle.union(this, others);
  }

  /** Spreads records over `numPartitions` partitions, round-robin. */
  repartition(numPartitions: number): DStream<T> {
    return shuffle.repartition(this, numPartitions);
  }

  /** One record per batch: its number of records (0 for an empty batch). */
  count(): DStream<number> {
    return shuffle.count(this);
  }

  /** One record per non-empty batch: its records combined with `fn`. */
  reduce(fn: (a: T, b: T) => T): DStream<T> {
    return shuffle.reduce(this, fn);
  }

  /** [value, occurrences] per distinct value of each batch. */
  countByValue(numPartitions?: number): DStream<[T & Key, number]> {
    return shuffle.countByValue(this as unknown as DStream<T & Key>, numPartitions);
  }

  // ---- key-value operations --------------------------------------------------------------------

  /** Values of each key combined with `fn` (map-side combine, hash-partitioned). */
  reduceByKey<K extends Key, V>(
    this: DStream<Pair<K, V>>,
    fn: (a: V, b: V) => V,
    numPartitions?: number,
  ): DStream<[K, V]> {
    return shuffle.combineByKey(this, (v) => v, fn, fn, numPartitions, 'reduceByKey');
  }

  /** Spark's combineByKey: the general form of reduceByKey. */
  combineByKey<K extends Key, V, C>(
    this: DStream<Pair<K, V>>,
    createCombiner: (value: V) => C,
    mergeValue: (combiner: C, value: V) => C,
    mergeCombiners: (a: C, b: C) => C,
    numPartitions?: number,
  ): DStream<[K, C]> {
    return shuffle.combineByKey(
      this,
      createCombiner,
      mergeValue,
      mergeCombiners,
      numPartitions,
      'combineByKey',
    );
  }

  /** All values of each key. */
  groupByKey<K extends Key, V>(this: DStream<Pair<K, V>>, numPartitions?: number): DStream<[K, V[]]> {
    return shuffle.groupByKey(this, numPartitions);
  }

  /** The values of each key in this stream and in `other`. */
  cogroup<K extends Key, V, W>(
    this: DStream<Pair<K, V>>,
    other: DStream<Pair<K, W>>,
    numPartitions?: number,
  ): DStream<[K, [V[], W[]]]> {
    return shuffle.cogroup(this, other, numPartitions);
  }

  /** Pairs of values for keys present in both streams. */
  join<K extends Key, V, W>(
    this: DStream<Pair<K, V>>,
    other: DStream<Pair<K, W>>,
    numPartitions?: number,
  ): DStream<[K, [V, W]]> {
    return shuffle.join(this, other, 'inner', numPartitions) as DStream<[K, [V, W]]>;
  }

  /** Every value of this stream, with the other's values or undefined. */
  leftOuterJoin<K extends Key, V, W>(
    this: DStream<Pair<K, V>>,
    other: DStream<Pair<K, W>>,
    numPartitions?: number,
  ): DStream<[K, [V, W | undefined]]> {
    return shuffle.join(this, other, 'left', numPartitions) as DStream<[K, [V, W | undefined]]>;
  }

  /** Every value of the other stream, with this stream's values or undefined. */
  rightOuterJoin<K extends Key, V, W>(
    this: DStream<Pair<K, V>>,
    other: DStream<Pair<K, W>>,
    numPartitions?: number,
  ): DStream<[K, [V | undefined, W]]> {
    return shuffle.join(this, other, 'right', numPartitions) as DStream<[K, [V | undefined, W]]>;
  }

  /** Every value of both streams, paired where keys match. */
  fullOuterJoin<K extends Key, V, W>(
    this: DStream<Pair<K, V>>,
    other: DStream<Pair<K, W>>,
    numPartitions?: number,
  ): DStream<[K, [V | undefined, W | undefined]]> {
    return shuffle.join(this, other, 'full', numPartitions);
  }

  /** Values mapped, keys kept. */
  mapValues<K, V, U>(this: DStream<Pair<K, V>>, fn: (value: V) => U): DStream<[K, U]> {
    return this.map((pair) => [pair[0], fn(pair[1])] as [K, U]);
  }

  // ---- stateful operations ---------------------------------------------------------------------

  /** Keeps a state per key across batches; `update` sees the batch's values and the old state. */
  updateStateByKey<K extends Key, V, S>(
    this: DStream<Pair<K, V>>,
    update: (values: V[], state: S | undefined) => S | undefined,
    numPartitions?: number,
  ): DStream<[K, S]> {
    return state.updateStateByKey(this, update, numPartitions);
  }

  /** Spark's mapWithState: a function per record with access to the key's state, and timeouts. */
  mapWithState<K extends Key, V, S, M>(
    this: DStream<Pair<K, V>>,
    spec: StateSpec<K, V, S, M>,
  ): MapWithStateDStream<K, S, M> {
    return state.mapWithState(this, spec);
  }

  // ---- windows ---------------------------------------------------------------------------------

  /** All records of the last `windowDuration` ms, every `slideDuration` ms. */
  window(windowDuration: number, slideDuration?: number): DStream<T> {
    return windows.window(this, windowDuration, slideDuration ?? this.slideDuration);
  }

  /** The number of records in each window. */
  countByWindow(windowDuration: number, slideDuration?: number): DStream<number> {
    return windows.countByWindow(this, windowDuration, slideDuration ?? this.slideDuration);
  }

  /** Each window's records combined; with `inverse`, computed incrementally from the previous window. */
  reduceByWindow(
    fn: (a: T, b: T) => T,
    windowDuration: number,
    slideDuration?: number,
    inverse?: (a: T, b: T) => T,
  ): DStream<T> {
    return windows.reduceByWindow(this, fn, windowDuration, slideDuration ?? this.slideDuration, inverse);
  }

  /**
   * Values of each key over a window. With `inverse`, each window is the previous one plus the new
   * batches minus the old ones (Spark's incremental form); `filter` then drops keys whose value
   * returned to zero.
   */
  reduceByKeyAndWindow<K extends Key, V>(
    this: DStream<Pair<K, V>>,
    fn: (a: V, b: V) => V,
    windowDuration: number,
    slideDuration?: number,
    options: { inverse?: (a: V, b: V) => V; numPartitions?: number; filter?: (pair: [K, V]) => boolean } = {},
  ): DStream<[K, V]> {
    return windows.reduceByKeyAndWindow(
      this,
      fn,
      windowDuration,
      slideDuration ?? this.slideDuration,
      options,
    );
  }

  /** [value, count] per distinct value over a window (incremental). */
  countByValueAndWindow(
    windowDuration: number,
    slideDuration?: number,
    numPartitions?: number,
  ): DStream<[T & Key, number]> {
    return windows.countByValueAndWindow(
      this as unknown as DStream<T & Key>,
      windowDuration,
      slideDuration ?? this.slideDuration,
      numPartitions,
    );
  }

  // ---- output operations -----------------------------------------------------------------------

  /** Prints the first `num` records of each batch in Spark's console format. */
  print(num = 10): void {
    if (!Number.isInteger(num) || num < 0)
      throw new ConfigError(`print: num must be a whole number >= 0, got ${num}`);
    outputs.print(this, num);
  }

  /** Runs `fn` on the driver with each batch (Spark's foreachRDD). */
  foreachBatch(fn: (batch: Batch<T>) => void | Promise<void>): void {
    outputs.foreachBatch(this, fn);
  }

  /** Runs `fn` once per partition of each batch as a task (retried on failure). */
  foreachPartition(
    fn: (records: readonly T[], context: ForeachPartitionContext) => void | Promise<void>,
  ): void {
    outputs.foreachPartition(this, fn);
  }

  /** Writes every batch to a sink; the batch completes only when the sink has it. */
  to(sink: Sink<T>): void {
    outputs.toSink(this, sink);
  }
}
