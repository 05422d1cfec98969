import type { Receiver, ReceiverContext } from '../contracts/receiver.js';
import type { ListenerBus, Logger } from '../listener.js';
import type { Clock } from '../scheduler/clock.js';
import { RecurringTimer } from '../scheduler/clock.js';
import { BlockGenerator } from './block-generator.js';
import type { RateLimiter } from '../flow/rate-limiter.js';

/** Where a supervisor puts its blocks: the driver's ReceivedBlockTracker, or the driver seen from an executor. */
export interface BlockStore {
  /** Stores a block; resolves once it is stored (durable with the write-ahead log on). */
  addBlock(stream: number, records: unknown[]): Promise<void>;
  /** Records of `stream` waiting for a batch. */
  pending(stream: number): number;
}

/** What the driver does with a receiver, wherever it runs (its own event loop or an executor). */
export interface ReceiverHandle {
  readonly streamId: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stores what is buffered (all of it when `all`, else what the rate limit allows). */
  flush(all?: boolean): Promise<void>;
  /** Records received and not yet taken by a batch. */
  readonly pending: number;
  /** Called after a batch took blocks: wakes receivers waiting for room. */
  drained(): void;
}

export interface SupervisorOptions {
  streamId: number;
  blockInterval: number;
  restartDelay: number;
  clock: Clock;
  bus: ListenerBus;
  logger: Logger;
  tracker: BlockStore;
  /** Records a second into blocks (receiverMaxRate and backpressure). */
  limiter: RateLimiter;
  /** Records that may wait for batches before store() asks the receiver to slow down. */
  maxPending: number;
}

/**
 * Runs one receiver (Spark's ReceiverSupervisor): starts it, feeds what it stores into the
 * BlockGenerator, and restarts it after `restart()` or a failed start, after a delay. Each start
 * gets its own context, so callbacks from an earlier run (a socket closing late) are ignored.
 */
export class ReceiverSupervisor<T> implements ReceiverHandle {
  private readonly buffer = new BlockGenerator<T>();
  private readonly storing = new Set<Promise<void>>();
  private roomWaiters: Array<() => void> = [];
  private generation = 0;
  private stopped = true;
  private restarting = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly blockTimer: RecurringTimer;

  constructor(
    readonly receiver: Receiver<T>,
    private readonly options: SupervisorOptions,
  ) {
    this.blockTimer = new RecurringTimer(options.clock, options.blockInterval, () => void this.cut());
  }

  get streamId(): number {
    return this.options.streamId;
  }

  /**
   * Cuts the buffer into a block — no more records than the rate limit allows, unless `all` — and
   * stores it (through the write-ahead log when it is on).
   */
  private cut(all = false): Promise<void> {
    const records = all
      ? this.buffer.cut()
      : this.buffer.cut(this.options.limiter.take(this.buffer.buffered));
    return this.track(this.options.tracker.addBlock(this.options.streamId, records));
  }

  /** A promise that resolves when fewer than maxPending records wait, or undefined if they do now. */
  private room(): Promise<void> | undefined {
    if (this.pending < this.options.maxPending || this.stopped) return undefined;
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Called after a batch took blocks: wakes receivers waiting for room. */
  drained(): void {
    if (this.roomWaiters.length === 0 || (this.pending >= this.options.maxPending && !this.stopped)) return;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiters) w();
  }

  private track(storing: Promise<void>): Promise<void> {
    this.storing.add(storing);
    const done = (): void => {
      this.storing.delete(storing);
    };
    storing.then(done, (error: unknown) => {
      done();
      this.options.logger.error(`receiver ${this.receiver.name}: could not store a block`, { error });
    });
    return storing;
  }

  /** Stores what the rate limit lets through (everything when `all`); the next batch takes it. */
  async flush(all = false): Promise<void> {
    void this.cut(all);
    await Promise.allSettled([...this.storing]);
  }

  /** Records received and not yet taken by a batch. */
  get pending(): number {
    return this.buffer.buffered + this.options.tracker.pending(this.options.streamId);
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.blockTimer.start(this.options.clock.now() + this.options.blockInterval);
    await this.startReceiver();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.generation++;
    clearTimeout(this.restartTimer);
    this.blockTimer.stop();
    await this.callStop();
    await this.flush(true);
    this.drained();
    this.post('onReceiverStopped');
  }

  private async startReceiver(): Promise<void> {
    const generation = ++this.generation;
    const context = this.contextFor(generation);
    try {
      await this.receiver.onStart(context);
      if (generation === this.generation && !this.stopped) this.post('onReceiverStarted');
    } catch (error) {
      this.scheduleRestart(generation, `receiver ${this.receiver.name} failed to start`, error);
    }
  }

  private contextFor(generation: number): ReceiverContext<T> {
    const live = (): boolean => generation === this.generation && !this.stopped;
    return {
      streamId: this.options.streamId,
      store: (record) => {
        if (!live()) return undefined;
        this.buffer.add(record);
        return this.room();
      },
      storeAll: async (records) => {
        if (!live()) return;
        const block = Array.from(records);
        const wait = this.options.limiter.reserve(block.length);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        await this.room();
        if (live()) await this.track(this.options.tracker.addBlock(this.options.streamId, block));
      },
      restart: (reason, error) => this.scheduleRestart(generation, reason, error),
      reportError: (message, error) => {
        this.options.logger.warn(`receiver ${this.receiver.name}: ${message}`, { error });
        this.post('onReceiverError', message, error);
      },
      isStopped: () => !live(),
    };
  }

  private scheduleRestart(generation: number, reason: string, error?: unknown): void {
    if (generation !== this.generation || this.stopped || this.restarting) return;
    this.restarting = true;
    this.generation++;
    this.options.logger.warn(`restarting receiver ${this.receiver.name}: ${reason}`, { error });
    this.post('onReceiverError', reason, error);
    void this.callStop().then(() => {
      if (this.stopped) return;
      this.restartTimer = setTimeout(() => {
        this.restarting = false;
        if (!this.stopped) void this.startReceiver();
      }, this.options.restartDelay);
    });
  }

  private async callStop(): Promise<void> {
    try {
      await this.receiver.onStop();
    } catch (error) {
      this.options.logger.warn(`receiver ${this.receiver.name} failed to stop`, { error });
    }
  }

  private post(
    event: 'onReceiverStarted' | 'onReceiverStopped' | 'onReceiverError',
    message?: string,
    error?: unknown,
  ): void {
    this.options.bus.post(event, {
      streamId: this.options.streamId,
      name: this.receiver.name,
      time: Date.now(),
      ...(message === undefined ? {} : { message }),
      ...(error === undefined ? {} : { error }),
    });
  }
}
