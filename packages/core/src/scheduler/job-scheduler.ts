import type { Time } from '../batch.js';
import type { DStreamGraph } from '../dstream/dstream-graph.js';
import type { BatchInfo, ListenerBus, Logger, OutputOperationInfo } from '../listener.js';
import type { Clock } from './clock.js';
import { RecurringTimer } from './clock.js';

/**
 * Spark's JobGenerator + JobScheduler: a recurring timer posts batch times; for each, the inputs
 * decide their batches (in order, one at a time), then the batch's output jobs run — one batch
 * after the other, so a slow batch delays the next and the delay shows as scheduling delay.
 */
export class JobScheduler {
  private readonly timer: RecurringTimer;
  private generating: Promise<void> = Promise.resolve();
  private running: Promise<void> = Promise.resolve();
  private halted = false;
  private lastGenerated: Time | undefined;
  private readonly completedWaiters = new Set<() => void>();
  lastCompletedTime: Time | undefined;
  pendingBatches = 0;
  /** Batches generated and not yet completed (what a checkpoint must re-run after a restart). */
  readonly unfinished = new Set<Time>();
  /**
   * Called right after a batch is generated, between generations, where every input's position
   * and the set of unfinished batches agree: the context checkpoints from here, as Spark does.
   */
  afterGenerate: ((time: Time) => void | Promise<void>) | undefined;

  constructor(
    private readonly graph: DStreamGraph,
    private readonly clock: Clock,
    private readonly bus: ListenerBus,
    private readonly logger: Logger,
    private readonly onFatal: (error: unknown) => void,
  ) {
    this.timer = new RecurringTimer(clock, graph.batchInterval, (time) => this.post(time));
  }

  /**
   * Starts the timer at the first batch after `zeroTime`; after a restart, first re-runs the
   * batches the checkpoint left unfinished and resumes at the first batch time after now.
   */
  start(zeroTime: Time, recovery?: { checkpointTime: Time; pendingTimes: Time[] }): void {
    if (recovery === undefined) {
      this.timer.start(zeroTime + this.graph.batchInterval);
      return;
    }
    this.lastCompletedTime = recovery.checkpointTime;
    for (const time of [...recovery.pendingTimes].sort((a, b) => a - b)) void this.post(time);
    const interval = this.graph.batchInterval;
    const now = this.clock.now();
    const last = Math.max(recovery.checkpointTime, ...recovery.pendingTimes, now - (now % interval));
    this.timer.start(last + interval);
  }

  /** Runs `fn` between two batch generations, when every input's position is consistent. */
  betweenGenerations<R>(fn: () => R): Promise<R> {
    const result = this.generating.then(fn);
    this.generating = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Generates (and then runs) the batch at `time`, after every batch already posted. */
  post(time: Time): Promise<void> {
    this.pendingBatches++;
    const generated = this.generating.then(() => this.generate(time));
    this.generating = generated.catch(() => undefined);
    return generated;
  }

  /** Stops the timer; returns the time of the last batch generated. */
  stopTimer(): Time | undefined {
    this.timer.stop();
    return this.lastGenerated;
  }

  /** Skips every batch not yet started (non-graceful stop). */
  halt(): void {
    this.halted = true;
  }

  /** Resolves once every batch generated so far has finished. */
  async drain(): Promise<void> {
    await this.generating;
    await this.running;
  }

  private async generate(time: Time): Promise<void> {
    if (this.halted) {
      this.pendingBatches--;
      return;
    }
    let numRecords = 0;
    try {
      for (const input of this.graph.inputs) numRecords += await input.hooks.generate(time);
    } catch (error) {
      this.pendingBatches--;
      this.logger.error(`failed to generate the batch at ${time} ms`, { error });
      this.onFatal(error);
      return;
    }
    this.lastGenerated = time;
    this.unfinished.add(time);
    // The batch runs only once its checkpoint is durable: a crash after its outputs committed
    // then always finds it among the unfinished batches and replays it at the same time.
    const durable = this.afterGenerate?.(time);
    const info: BatchInfo = {
      batchTime: time,
      numRecords,
      submissionTime: this.clock.now(),
      outputOperations: [],
    };
    this.bus.post('onBatchSubmitted', info);
    this.running = this.running
      .then(() => durable)
      .then(
        () => this.runBatch(info),
        (error: unknown) => {
          this.pendingBatches--;
          this.onFatal(error);
        },
      );
  }

  private async runBatch(submitted: BatchInfo): Promise<void> {
    this.pendingBatches--;
    if (this.halted) return;
    const time = submitted.batchTime;
    const start = this.clock.now();
    // Measured from the batch's own time, as the batch was due then: a generator that fell behind
    // (a late timer, a slow source) counts as delay too.
    const started: BatchInfo = { ...submitted, processingStartTime: start, schedulingDelay: start - time };
    this.bus.post('onBatchStarted', started);
    const ops: OutputOperationInfo[] = [];
    let failure: unknown;
    for (const output of this.graph.outputs) {
      const opStart = this.clock.now();
      const base = {
        batchTime: time,
        outputId: output.id,
        name: output.name,
        kind: output.kind,
        startTime: opStart,
      };
      this.bus.post('onOutputOperationStarted', base);
      try {
        await output.run(time);
        const end = this.clock.now();
        const done: OutputOperationInfo = { ...base, endTime: end, duration: end - opStart };
        ops.push(done);
        this.bus.post('onOutputOperationCompleted', done);
      } catch (error) {
        const end = this.clock.now();
        const failed: OutputOperationInfo = {
          ...base,
          endTime: end,
          duration: end - opStart,
          failureReason: String(error),
        };
        ops.push(failed);
        this.bus.post('onOutputOperationCompleted', failed);
        failure = error;
        break;
      }
    }
    const end = this.clock.now();
    const completed: BatchInfo = {
      ...started,
      processingEndTime: end,
      processingDelay: end - start,
      totalDelay: end - start + (started.schedulingDelay ?? 0),
      outputOperations: ops,
      ...(failure === undefined ? {} : { failureReason: String(failure) }),
    };
    if (failure !== undefined) {
      this.bus.post('onBatchCompleted', completed);
      this.logger.error(`batch at ${time} ms failed`, { error: failure });
      this.onFatal(failure);
      return;
    }
    try {
      // A stream whose batches a checkpoint keeps (a window's per-batch reductions) is read by its
      // window only at slide times; computed now, its batch is in the next checkpoint, so a crash
      // before the next slide cannot drop it. Outputs already computed most, and those are cached.
      for (const stream of this.graph.streams)
        if (stream.checkpointed && stream.isTimeValid(time)) await stream.getOrCompute(time);
      for (const input of this.graph.inputs) await input.hooks.batchCompleted(time);
    } catch (error) {
      this.bus.post('onBatchCompleted', { ...completed, failureReason: String(error) });
      this.onFatal(error);
      return;
    }
    this.lastCompletedTime = time;
    this.unfinished.delete(time);
    this.graph.clearMetadata(time);
    this.bus.post('onBatchCompleted', completed);
    for (const waiter of this.completedWaiters) waiter();
  }

  /** Resolves when the batch at `time` (or a later one) has completed. */
  whenCompleted(time: Time): Promise<void> {
    if (this.lastCompletedTime !== undefined && this.lastCompletedTime >= time) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.lastCompletedTime !== undefined && this.lastCompletedTime >= time) {
          this.completedWaiters.delete(check);
          resolve();
        }
      };
      this.completedWaiters.add(check);
    });
  }
}
