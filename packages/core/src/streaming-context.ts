import { join } from 'node:path';
import type { Time } from './batch.js';
import {
  type CheckpointData,
  type EncodedCheckpoint,
  captureCheckpoint,
  checkCompatible,
  encodeCapture,
  recoverCheckpoint,
  restoreCheckpoint,
  writeCheckpoint,
} from './checkpoint/checkpoint-data.js';
import { localCheckpointStore } from './checkpoint/local-checkpoint-store.js';
import { Accumulator, type Broadcast, applyDeltas, withTaskAccumulators } from './accumulators.js';
import type { ExecutorData } from './executor/executor-protocol.js';
import { ExecutorPool } from './executor/executor-pool.js';
import { ReceiverTracker } from './executor/receiver-tracker.js';
import {
  type ResolvedSpeculation,
  type SpeculationOptions,
  resolveSpeculation,
} from './executor/speculation.js';
import { closeExecutorClients } from './client-providers.js';
import type { CheckpointStore } from './contracts/checkpoint-store.js';
import type { Receiver } from './contracts/receiver.js';
import type { Source } from './contracts/source.js';
import { DStreamGraph } from './dstream/dstream-graph.js';
import type { DStream } from './dstream/dstream.js';
import type { InputEnvironment, QueueStreamOptions } from './dstream/input-streams.js';
import { queueStream, receiverStream, sourceStream } from './dstream/input-streams.js';
import { union } from './dstream/shuffle-operations.js';
import { CheckpointError, ConfigError, StateError } from './errors.js';
import {
  type DeliveryGuarantee,
  type OutputGuarantee,
  assertGuarantee,
  computeGuarantees,
} from './guarantees.js';
import { ListenerBus, type Logger, type StreamingListener, consoleLogger } from './listener.js';
import { type PIDOptions, PIDRateEstimator } from './flow/pid-rate-estimator.js';
import { RateLimiter } from './flow/rate-limiter.js';
import { ReceivedBlockTracker } from './receiver/received-block-tracker.js';
import type { BlockStore, ReceiverHandle, ReceiverSupervisor } from './receiver/receiver-supervisor.js';
import { WriteAheadLog } from './wal/write-ahead-log.js';
import { socketReceiver } from './receiver/socket-receiver.js';
import { type Clock, SystemClock } from './scheduler/clock.js';
import { type TaskRunnerOptions, runTasksInline } from './scheduler/inline-task-runner.js';
import { JobScheduler } from './scheduler/job-scheduler.js';

export interface StreamingContextOptions {
  /** The batch interval in ms (Spark's batchDuration). */
  batchInterval: number;
  /** Time source: the system clock by default; a ManualClock for tests. */
  clock?: Clock;
  appName?: string;
  /** Partitions of wide operations when none is given (Spark's spark.default.parallelism). Default 2. */
  defaultParallelism?: number;
  /** How often receivers' records are cut into blocks (ms). Default 200. */
  blockInterval?: number;
  /** Wait before restarting a receiver (ms). Default 2000. */
  receiverRestartDelay?: number;
  /** Attempts per task before its batch fails. Default 4. */
  maxTaskAttempts?: number;
  /** Tasks of one output running at once. Default 8. */
  taskConcurrency?: number;
  /** Refuse to start unless every output has at least this end-to-end guarantee. */
  requireGuarantee?: DeliveryGuarantee;
  listeners?: StreamingListener[];
  logger?: Logger;
  /** Where print() writes. Default: process.stdout. */
  out?: (text: string) => void;
  /** Stop gracefully on SIGTERM and SIGINT (Spark's stopGracefullyOnShutdown). */
  stopGracefullyOnShutdown?: boolean;
  /**
   * Log received blocks before they count as stored, and their allocation to batches, so that a
   * restarted job replays them (Spark's receiver write-ahead log). Needs a checkpoint directory
   * (the log goes to `<dir>/receivedData`) or an explicit directory.
   */
  writeAheadLog?: boolean | { directory: string };
  /**
   * Worker-thread executors (default 0: tasks run on the driver's event loop). Each executor loads
   * `jobModule` and rebuilds the graph with the same job function; use `StreamingContext.fromModule`.
   */
  executors?: number;
  /** The module and export of the job function, for executors (set by fromModule). */
  jobModule?: { url: string | URL; export?: string };
  /** Most records a second each receiver puts into blocks (Spark's spark.streaming.receiver.maxRate). */
  receiverMaxRate?: number;
  /** Most records a second a direct source reads per partition (spark.streaming.kafka.maxRatePerPartition). */
  maxRatePerPartition?: number;
  /**
   * Records that may wait for batches per receiver before store() asks the receiver to slow down and
   * storeAll() waits: memory stays bounded when data arrives faster than it is processed. Default 500 000.
   */
  receiverMaxPendingRecords?: number;
  /**
   * Backpressure (Spark 1.5+): a PID estimator sets the ingestion rate from each batch's processing and
   * scheduling delay; `initialRate` bounds the first batches.
   */
  backpressure?: { enabled: boolean; initialRate?: number } & PIDOptions;
  /**
   * Speculative execution on executors (Spark's spark.speculation, off by default): a task much
   * slower than its stage's finished tasks runs again on another executor; the first result wins.
   */
  speculation?: SpeculationOptions;
}

export interface CheckpointOptions {
  /**
   * How often to checkpoint (ms, a multiple of the batch interval). Default: every batch. A longer
   * interval makes batches between checkpoints replay under new batch times after a crash.
   */
  interval?: number;
  /** Checkpoints kept; older ones are deleted. Default 3. */
  retain?: number;
}

export interface GetOrCreateOptions {
  /** Start without the checkpoint's state when the job's graph no longer matches it (warned). */
  discardIncompatibleCheckpoint?: boolean;
}

export type ContextState = 'initialized' | 'active' | 'stopped';

/** A job: a function that builds the graph on a context, exported from a module. */
export type Job = (ctx: StreamingContext) => void;

function positive(name: string, value: number | undefined, fallback: number, integer = false): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new ConfigError(
      `StreamingContext: ${name} must be ${integer ? 'a whole number ' : ''}> 0, got ${String(value)}`,
    );
  }
  return v;
}

/**
 * The driver (Spark's StreamingContext): owns the graph of DStreams, the batch interval, the clock
 * and the scheduler.
 *
 * ```ts
 * const ctx = new StreamingContext({ batchInterval: 1000 });
 * ctx.socketTextStream('127.0.0.1', 9999).flatMap((l) => l.split(' ')).countByValue().print();
 * await ctx.start();
 * await ctx.awaitTermination();
 * ```
 */
export class StreamingContext {
  readonly batchInterval: number;
  readonly clock: Clock;
  readonly appName: string;
  readonly logger: Logger;
  private readonly graph: DStreamGraph;
  private readonly bus: ListenerBus;
  private readonly scheduler: JobScheduler;
  private readonly supervisors: ReceiverSupervisor<unknown>[] = [];
  private readonly inputEnv: InputEnvironment;
  private readonly options: StreamingContextOptions;
  private readonly taskOptions: TaskRunnerOptions;
  private contextState: ContextState = 'initialized';
  private receiverCount = 0;
  private terminated: Promise<void>;
  private resolveTerminated!: () => void;
  private rejectTerminated!: (error: unknown) => void;
  private stopping: Promise<void> | undefined;
  private checkpointStoreValue: CheckpointStore | undefined;
  private checkpointOptions: CheckpointOptions = {};
  private lastCheckpointTime: Time | undefined;
  private checkpointWrites: Promise<void> = Promise.resolve();
  private recovered: CheckpointData | undefined;
  private signalHandler: (() => void) | undefined;
  private checkpointDirectory: string | undefined;
  private tracker: ReceivedBlockTracker | undefined;
  private walReplay: { checkpointTime: Time; pendingTimes: Time[] } | undefined;
  private readonly accumulators: Accumulator[] = [];
  private readonly limiters: RateLimiter[] = [];
  /** The ingestion rate backpressure allows (records/s for the whole job), or undefined for none. */
  private estimatedRate: number | undefined;
  private readonly broadcasts: unknown[] = [];
  private executorData: ExecutorData | undefined;
  private pool: ExecutorPool | undefined;
  /** With executors: where receivers run (on the driver's event loop without). */
  private receiverTracker: ReceiverTracker | undefined;
  private readonly speculation: ResolvedSpeculation | undefined;
  /** On an executor: the driver, as the block store of the receivers hosted here. */
  private executorBlockStore: BlockStore | undefined;

  constructor(options: StreamingContextOptions) {
    this.options = options;
    this.batchInterval = positive('batchInterval', options?.batchInterval, Number.NaN, true);
    const parallelism = positive('defaultParallelism', options.defaultParallelism, 2, true);
    this.clock = options.clock ?? new SystemClock();
    this.appName = options.appName ?? 'dstream';
    this.logger = options.logger ?? consoleLogger;
    this.graph = new DStreamGraph(this.batchInterval, parallelism);
    this.bus = new ListenerBus(this.logger);
    for (const l of options.listeners ?? []) this.bus.listeners.push(l);
    const maxTaskAttempts = positive('maxTaskAttempts', options.maxTaskAttempts, 4, true);
    const concurrency = positive('taskConcurrency', options.taskConcurrency, 8, true);
    const out = options.out ?? ((text: string) => process.stdout.write(text));
    this.taskOptions = { maxTaskAttempts, concurrency, retryDelay: 50, logger: this.logger };
    this.graph.runtime = {
      runTasks: (label, time, n, task) =>
        runTasksInline(this.taskOptions, label, time, n, async (partition, attempt, executorId) => {
          const { deltas } = await withTaskAccumulators(() => task(partition, attempt, executorId));
          applyDeltas(this.accumulators, deltas);
        }),
      write: out,
    };
    this.inputEnv = {
      graph: this.graph,
      clock: this.clock,
      bus: this.bus,
      logger: this.logger,
      blockInterval: positive('blockInterval', options.blockInterval, 200),
      receiverRestartDelay: options.receiverRestartDelay ?? 2000,
      nextReceiverId: () => this.receiverCount++,
      blockTracker: () => {
        if (this.tracker === undefined)
          throw new StateError('received blocks are tracked only while the context runs');
        return this.tracker;
      },
      blockStore: () => this.executorBlockStore ?? this.inputEnv.blockTracker(),
      receiverHandle: (supervisor) =>
        this.receiverTracker?.handle(supervisor.streamId, supervisor.receiver.name) ?? supervisor,
      writeAheadLog: Boolean(options.writeAheadLog),
      receiverLimiter: () => {
        const limiter = new RateLimiter(this.receiverRate());
        this.limiters.push(limiter);
        return limiter;
      },
      receiverMaxPendingRecords: positive(
        'receiverMaxPendingRecords',
        options.receiverMaxPendingRecords,
        500_000,
        true,
      ),
      partitionRate: (lastPartitions) => {
        const share =
          this.estimatedRate === undefined
            ? undefined
            : this.estimatedRate / Math.max(1, this.graph.inputs.length) / lastPartitions;
        const cap = options.maxRatePerPartition;
        if (share === undefined) return cap;
        return cap === undefined ? Math.max(1, share) : Math.min(cap, Math.max(1, share));
      },
    };
    if (options.receiverMaxRate !== undefined) positive('receiverMaxRate', options.receiverMaxRate, 1);
    if (options.maxRatePerPartition !== undefined)
      positive('maxRatePerPartition', options.maxRatePerPartition, 1);
    if (options.backpressure?.enabled) this.enableBackpressure(options.backpressure);
    this.speculation = resolveSpeculation(options.speculation);
    this.scheduler = new JobScheduler(
      this.graph,
      this.clock,
      this.bus,
      this.logger,
      (error) => void this.fail(error),
    );
    this.terminated = new Promise((resolve, reject) => {
      this.resolveTerminated = resolve;
      this.rejectTerminated = reject;
    });
    this.terminated.catch(() => undefined);
  }

  /**
   * Spark's getOrCreate: builds the job with `create` (always: closures cannot be stored), and if
   * the checkpoint holds a run of the same graph, restores its state and input positions, so that
   * `start()` first re-runs the batches that were unfinished.
   *
   * ```ts
   * const ctx = await StreamingContext.getOrCreate('/var/lib/job/checkpoint', () => {
   *   const ctx = new StreamingContext({ batchInterval: 1000 });
   *   buildGraph(ctx);
   *   return ctx;
   * });
   * await ctx.start();
   * ```
   */
  static async getOrCreate(
    checkpoint: string | CheckpointStore,
    create: () => StreamingContext | Promise<StreamingContext>,
    options: GetOrCreateOptions = {},
  ): Promise<StreamingContext> {
    const ctx = await create();
    if (!(ctx instanceof StreamingContext))
      throw new ConfigError('getOrCreate: the create function must return a StreamingContext');
    if (ctx.checkpointStoreValue === undefined) ctx.checkpoint(checkpoint);
    const data = await recoverCheckpoint(ctx.checkpointStoreValue!, ctx.logger);
    if (data !== undefined) {
      try {
        checkCompatible(ctx.graph, data);
        ctx.recovered = data;
      } catch (error) {
        if (!options.discardIncompatibleCheckpoint) throw error;
        ctx.logger.warn('discarding an incompatible checkpoint: the job starts without its state', { error });
      }
    }
    return ctx;
  }

  /** Where checkpoints go: a directory (atomic local files) or any CheckpointStore. */
  checkpoint(target: string | CheckpointStore, options: CheckpointOptions = {}): void {
    this.graph.assertMutable('a checkpoint directory');
    if (
      options.interval !== undefined &&
      (!(options.interval > 0) || options.interval % this.batchInterval !== 0)
    ) {
      throw new ConfigError(
        `checkpoint: interval ${options.interval} ms must be a positive multiple of the batch interval ${this.batchInterval} ms`,
      );
    }
    if (options.retain !== undefined && !(Number.isInteger(options.retain) && options.retain >= 1)) {
      throw new ConfigError(`checkpoint: retain must be a whole number >= 1, got ${options.retain}`);
    }
    this.checkpointStoreValue = typeof target === 'string' ? localCheckpointStore(target) : target;
    this.checkpointDirectory = typeof target === 'string' ? target : undefined;
    this.checkpointOptions = options;
  }

  /** The checkpoint store, if checkpointing is on. */
  get checkpointStore(): CheckpointStore | undefined {
    return this.checkpointStoreValue;
  }

  /** True when this context was restored from a checkpoint by getOrCreate. */
  get restoredFromCheckpoint(): boolean {
    return this.recovered !== undefined;
  }

  /**
   * Imports a job module and builds its graph: what worker-thread executors need, since each of
   * them loads the same module and rebuilds the same graph.
   *
   * ```ts
   * // job.ts: export function wordCount(ctx: StreamingContext) { ... }
   * const ctx = await StreamingContext.fromModule(new URL('./job.ts', import.meta.url), 'wordCount', {
   *   batchInterval: 1000,
   *   executors: 2,
   * });
   * ```
   */
  static async fromModule(
    url: string | URL,
    exportName: string,
    options: StreamingContextOptions,
  ): Promise<StreamingContext> {
    const href = String(url);
    const module = (await import(href)) as Record<string, unknown>;
    const job = module[exportName];
    if (typeof job !== 'function')
      throw new ConfigError(`fromModule: ${href} has no job function export "${exportName}"`);
    const ctx = new StreamingContext({ ...options, jobModule: { url: href, export: exportName } });
    (job as Job)(ctx);
    return ctx;
  }

  /** @internal The context an executor builds its copy of the graph on. */
  static forExecutor(data: ExecutorData): StreamingContext {
    const ctx = new StreamingContext({
      batchInterval: data.batchInterval,
      defaultParallelism: data.defaultParallelism,
      blockInterval: data.blockInterval,
      receiverRestartDelay: data.receiverRestartDelay,
      receiverMaxPendingRecords: data.receiverMaxPendingRecords,
    });
    ctx.executorData = data;
    return ctx;
  }

  /** @internal An executor's graph. */
  executorGraph(): DStreamGraph {
    return this.graph;
  }

  /** @internal On an executor: the receivers it hosts store their blocks here (the driver). */
  useExecutorBlockStore(store: BlockStore): void {
    this.executorBlockStore = store;
  }

  /** @internal The supervisor of receiver `streamId` (an executor starts it when the driver says). */
  receiverSupervisor(streamId: number): ReceiverSupervisor<unknown> | undefined {
    return this.supervisors.find((s) => s.streamId === streamId);
  }

  /** @internal On an executor: the rate limit the driver set for its receivers. */
  setReceiverRate(rate: number | undefined): void {
    for (const limiter of this.limiters) limiter.setRate(rate);
  }

  /** Where each receiver runs: its supervisor here, or its executor's. */
  private receiverHandles(): ReceiverHandle[] {
    return this.supervisors.map((s) => this.inputEnv.receiverHandle(s));
  }

  /**
   * A read-only value sent once to each executor (Spark's broadcast variable).
   *
   * ```ts
   * const blacklist = ctx.broadcast(new Set(['spam']));
   * words.filter((w) => !blacklist.value.has(w));
   * ```
   */
  broadcast<T>(value: T): Broadcast<T> {
    this.graph.assertMutable('a broadcast variable');
    const id = this.broadcasts.length;
    // On an executor the driver's value wins: a job that computes its value from local state
    // (a file, the clock) still sees exactly what the driver saw.
    const shipped = this.executorData?.broadcasts[id] as T | undefined;
    const resolved =
      this.executorData !== undefined && id < this.executorData.broadcasts.length ? (shipped as T) : value;
    this.broadcasts.push(resolved);
    return { id, value: resolved };
  }

  /**
   * A sum that tasks add to and the driver reads; a task's additions count once, when it succeeds.
   *
   * ```ts
   * const malformed = ctx.accumulator('malformed');
   * ```
   */
  accumulator(name: string): Accumulator {
    const acc = new Accumulator(this.accumulators.length, name);
    this.accumulators.push(acc);
    return acc;
  }

  /** Each receiver's rate: its cap and its share of the backpressure rate, whichever is lower. */
  private receiverRate(): number | undefined {
    const share =
      this.estimatedRate === undefined
        ? undefined
        : this.estimatedRate / Math.max(1, this.graph.inputs.length);
    const cap = this.options.receiverMaxRate;
    if (share === undefined) return cap;
    return cap === undefined ? share : Math.min(cap, share);
  }

  private enableBackpressure(options: { initialRate?: number } & PIDOptions): void {
    if (options.initialRate !== undefined)
      this.estimatedRate = positive('backpressure.initialRate', options.initialRate, 1);
    const estimator = new PIDRateEstimator(this.batchInterval, options);
    this.bus.listeners.unshift({
      onBatchCompleted: (info) => {
        if (info.processingDelay === undefined || info.failureReason !== undefined) return;
        const rate = estimator.compute(
          info.processingEndTime ?? info.batchTime,
          info.numRecords,
          info.processingDelay,
          info.schedulingDelay ?? 0,
        );
        if (rate === undefined) return;
        this.estimatedRate = rate;
        const perReceiver = this.receiverRate();
        for (const limiter of this.limiters) limiter.setRate(perReceiver);
        this.receiverTracker?.rateChanged();
      },
    });
  }

  /** The rate backpressure currently allows (records/s for the whole job), if it is on and has one. */
  get ingestionRate(): number | undefined {
    return this.estimatedRate;
  }

  /** A context with the graph that `job` builds. */
  static fromJob(job: Job, options: StreamingContextOptions): StreamingContext {
    const ctx = new StreamingContext(options);
    job(ctx);
    return ctx;
  }

  get state(): ContextState {
    return this.contextState;
  }

  // ---- inputs ---------------------------------------------------------------------------------

  /** Batches taken from an in-memory queue of record arrays (Spark's queueStream); push to it any time. */
  queueStream<T>(queue: Array<readonly T[]>, options: QueueStreamOptions<T> = {}): DStream<T> {
    return queueStream(this.inputEnv, queue, options);
  }

  /** Lines read from a TCP server; reconnects when the server comes back. */
  socketTextStream(host: string, port: number): DStream<string> {
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new ConfigError(`socketTextStream: port must be 1..65535, got ${port}`);
    return this.receiverStream(socketReceiver(host, port));
  }

  /** The records a custom receiver stores. */
  receiverStream<T>(receiver: Receiver<T>): DStream<T> {
    this.graph.assertMutable('receiverStream');
    const { stream, supervisor } = receiverStream(this.inputEnv, receiver);
    this.supervisors.push(supervisor as ReceiverSupervisor<unknown>);
    return stream;
  }

  /**
   * A direct (pull) input: the source computes each batch on the driver; its `decode`, if any,
   * runs where the partitions are processed.
   */
  source<R, T = R>(source: Source<T, R>): DStream<T> {
    this.graph.assertMutable('source');
    return sourceStream(this.inputEnv, source);
  }

  /** The union of several streams of the same interval. */
  union<T>(streams: DStream<T>[]): DStream<T> {
    if (streams.length === 0) throw new ConfigError('union: give at least one stream');
    return union(streams[0]!, streams.slice(1));
  }

  addStreamingListener(listener: StreamingListener): void {
    this.bus.listeners.push(listener);
  }

  // ---- introspection --------------------------------------------------------------------------

  /** Each output's end-to-end guarantee, with the reason for every step. */
  guarantees(): OutputGuarantee[] {
    return computeGuarantees(this.graph);
  }

  /** A hash of the graph's shape (executors and restarts check it). */
  graphFingerprint(): string {
    return this.graph.fingerprint();
  }

  /** The graph, one line per stream and output. */
  describeGraph(): string[] {
    return this.graph.describe();
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /** Starts the inputs and the batch timer. */
  async start(): Promise<void> {
    if (this.contextState === 'active')
      throw new StateError('StreamingContext.start(): the context has already been started');
    if (this.contextState === 'stopped')
      throw new StateError(
        'StreamingContext.start(): a stopped context cannot be restarted; create a new one',
      );
    if (this.graph.outputs.length === 0) {
      throw new StateError(
        'StreamingContext.start(): no output operations registered, so nothing would run (add print(), foreachBatch() or to(sink))',
      );
    }
    if (this.options.requireGuarantee !== undefined)
      assertGuarantee(this.guarantees(), this.options.requireGuarantee);
    if (this.executorData !== undefined)
      throw new StateError("an executor's copy of the graph is never started");
    this.tracker = await this.openBlockTracker();
    await this.startExecutors();
    const now = this.clock.now();
    const recovered = this.recovered;
    const firstReplay = this.walReplay?.pendingTimes[0];
    const zeroTime =
      recovered?.zeroTime ??
      (firstReplay !== undefined ? firstReplay - this.batchInterval : now - (now % this.batchInterval));
    this.graph.freeze(zeroTime);
    if (recovered !== undefined) {
      restoreCheckpoint(this.graph, recovered);
      this.lastCheckpointTime = recovered.checkpointTime;
    }
    this.contextState = 'active';
    try {
      for (const input of this.graph.inputs) await input.hooks.start();
    } catch (error) {
      await this.fail(error);
      throw error;
    }
    if (this.checkpointStoreValue !== undefined)
      this.scheduler.afterGenerate = (time) => this.maybeCheckpoint(time);
    if (this.options.stopGracefullyOnShutdown) {
      this.signalHandler = () => void this.stop({ graceful: true });
      process.once('SIGTERM', this.signalHandler);
      process.once('SIGINT', this.signalHandler);
    }
    this.scheduler.start(
      zeroTime,
      this.walReplay ??
        (recovered && { checkpointTime: recovered.checkpointTime, pendingTimes: recovered.pendingTimes }),
    );
    this.bus.post('onStreamingStarted', { time: now });
  }

  private async startExecutors(): Promise<void> {
    const count = this.options.executors ?? 0;
    if (!Number.isInteger(count) || count < 0)
      throw new ConfigError(`StreamingContext: executors must be a whole number >= 0, got ${count}`);
    if (count === 0) return;
    const module = this.options.jobModule;
    if (module === undefined) {
      throw new ConfigError(
        `executors: ${count} needs the job's module so each executor can rebuild the graph: create the context with StreamingContext.fromModule(url, exportName, options)`,
      );
    }
    const pool = new ExecutorPool({
      count,
      moduleUrl: String(module.url),
      exportName: module.export ?? 'default',
      batchInterval: this.batchInterval,
      defaultParallelism: this.graph.defaultParallelism,
      broadcasts: this.broadcasts,
      accumulators: this.accumulators,
      fingerprint: this.graph.fingerprint(),
      graph: this.graph.describe(),
      tasks: this.taskOptions,
      logger: this.logger,
      blockInterval: this.inputEnv.blockInterval,
      receiverRestartDelay: this.inputEnv.receiverRestartDelay,
      receiverMaxPendingRecords: this.inputEnv.receiverMaxPendingRecords,
      speculation: this.speculation,
      onReceiverMessage: (instance, message) => this.receiverTracker?.onMessage(instance, message),
      onExecutorLost: (instance) => this.receiverTracker?.onExecutorLost(instance),
    });
    try {
      await pool.start();
    } catch (error) {
      await pool.stop();
      throw error;
    }
    this.pool = pool;
    this.graph.runtime = { ...this.graph.runtime!, executors: pool };
    // Receivers run on the executors too (Spark's ReceiverTracker places them).
    this.receiverTracker = new ReceiverTracker(pool, {
      blocks: this.inputEnv.blockTracker(),
      bus: this.bus,
      logger: this.logger,
      restartDelay: this.inputEnv.receiverRestartDelay,
      rate: () => this.receiverRate(),
    });
  }

  private async openBlockTracker(): Promise<ReceivedBlockTracker> {
    const wal = this.options.writeAheadLog;
    if (!wal) return new ReceivedBlockTracker(undefined, this.logger);
    const directory =
      typeof wal === 'object'
        ? wal.directory
        : this.checkpointDirectory && join(this.checkpointDirectory, 'receivedData');
    if (directory === undefined) {
      throw new ConfigError(
        'writeAheadLog needs a directory: call ctx.checkpoint(dir) with a directory, or pass writeAheadLog: { directory }',
      );
    }
    const tracker = new ReceivedBlockTracker(new WriteAheadLog(directory), this.logger);
    const replay = await tracker.recover(this.recovered?.checkpointTime);
    if (replay.length > 0) {
      // Batches allocated in the log after the checkpoint replay at their own times, with their blocks.
      const recovered = this.recovered;
      const pendingTimes = [...new Set([...(recovered?.pendingTimes ?? []), ...replay])].sort(
        (a, b) => a - b,
      );
      this.walReplay = {
        checkpointTime: recovered?.checkpointTime ?? replay[0]! - this.batchInterval,
        pendingTimes,
      };
    }
    return tracker;
  }

  private checkpointInterval(): number {
    // Every batch by default (Spark checkpoints its metadata every batch too): a batch replays at its
    // own time only if its checkpoint was written before it ran.
    return this.checkpointOptions.interval ?? this.batchInterval;
  }

  /** Called synchronously right after the batch at `time` was generated. */
  private maybeCheckpoint(time: Time): Promise<void> | undefined {
    if (this.lastCheckpointTime !== undefined && time - this.lastCheckpointTime < this.checkpointInterval()) {
      return undefined;
    }
    this.lastCheckpointTime = time;
    return this.writeCheckpoint(this.capture(time));
  }

  /** The graph's state now, encoded at once: call only between batch generations. */
  private capture(time: Time): EncodedCheckpoint {
    return encodeCapture(
      time,
      captureCheckpoint(this.graph, {
        appName: this.appName,
        checkpointTime: this.scheduler.lastCompletedTime ?? this.graph.zeroTime ?? 0,
        pendingTimes: [...this.scheduler.unfinished].sort((a, b) => a - b),
      }),
    );
  }

  /** Writes checkpoints one after the other; a failed write is logged (the next one may succeed). */
  private writeCheckpoint(data: EncodedCheckpoint): Promise<void> {
    const store = this.checkpointStoreValue;
    if (store === undefined) return Promise.resolve();
    const written = this.checkpointWrites.then(async () => {
      try {
        await writeCheckpoint(store, data, this.checkpointOptions.retain ?? 3);
      } catch (error) {
        // The batch must not run without its checkpoint: fail it (and stop) rather than risk a replay
        // under another batch time after a crash.
        throw new CheckpointError(
          `failed to write the checkpoint for ${data.time} ms to ${store.name}: ${String(error)}`,
          {
            cause: error,
          },
        );
      }
      await this.tracker?.cleanup(data.checkpointTime).catch((error: unknown) => {
        this.logger.warn('could not clean up the write-ahead log', { error });
      });
    });
    this.checkpointWrites = written.catch(() => undefined);
    return written;
  }

  /**
   * Stops the context. Graceful: receivers stop first, what they received is processed, running
   * batches finish. Otherwise batches not yet started are dropped.
   */
  async stop(options: { graceful?: boolean } = {}): Promise<void> {
    if (this.contextState === 'initialized') {
      this.contextState = 'stopped';
      this.resolveTerminated();
      return;
    }
    this.stopping ??= this.shutdown(options.graceful === true, undefined);
    await this.stopping;
  }

  /** Resolves when the context stops; rejects with the error that stopped it. */
  awaitTermination(): Promise<void> {
    return this.terminated;
  }

  /** True if the context stopped within `timeout` ms (rejects with the error that stopped it). */
  async awaitTerminationOrTimeout(timeout: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeout);
    });
    try {
      return await Promise.race([this.terminated.then(() => true), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** @internal Resolves when the batch at `time` has completed (tests, graceful stop). */
  whenBatchCompleted(time: Time): Promise<void> {
    return this.scheduler.whenCompleted(time);
  }

  private async fail(error: unknown): Promise<void> {
    if (this.contextState !== 'active') return;
    this.stopping ??= this.shutdown(false, error);
    await this.stopping;
  }

  private async shutdown(graceful: boolean, error: unknown): Promise<void> {
    this.contextState = 'stopped';
    const lastTime = this.scheduler.stopTimer();
    if (graceful && error === undefined) {
      for (const receiver of this.receiverHandles()) await receiver.stop();
      const pending = this.receiverHandles().some((s) => s.pending > 0);
      if (pending) {
        const base = lastTime ?? this.graph.zeroTime ?? 0;
        void this.scheduler.post(base + this.batchInterval);
      }
    } else {
      this.scheduler.halt();
    }
    await this.scheduler.drain();
    if (this.signalHandler !== undefined) {
      process.off('SIGTERM', this.signalHandler);
      process.off('SIGINT', this.signalHandler);
    }
    // A graceful stop leaves a checkpoint of everything processed; a failure keeps the last one.
    if (graceful && error === undefined && this.checkpointStoreValue !== undefined) {
      const at = Math.max(this.scheduler.lastCompletedTime ?? 0, this.lastCheckpointTime ?? 0);
      await this.writeCheckpoint(await this.scheduler.betweenGenerations(() => this.capture(at)));
    }
    await this.checkpointWrites;
    const errors: unknown[] = [];
    for (const receiver of this.receiverHandles())
      await receiver.stop().catch((e: unknown) => errors.push(e));
    for (const input of this.graph.inputs) await input.hooks.stop().catch((e: unknown) => errors.push(e));
    for (const output of this.graph.outputs) await output.close?.().catch((e: unknown) => errors.push(e));
    await this.pool?.stop().catch((e: unknown) => errors.push(e));
    await closeExecutorClients();
    await this.tracker?.close().catch((e: unknown) => errors.push(e));
    for (const e of errors) this.logger.warn('error while stopping', { error: e });
    if (error === undefined) this.resolveTerminated();
    else this.rejectTerminated(error);
  }
}
