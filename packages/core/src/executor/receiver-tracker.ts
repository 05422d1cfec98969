import type { ListenerBus, Logger } from '../listener.js';
import type { ReceivedBlockTracker } from '../receiver/received-block-tracker.js';
import type { ReceiverHandle } from '../receiver/receiver-supervisor.js';
import type { ExecutorPool } from './executor-pool.js';
import { type ReceiverExecutorMessage, deserializeError, serializeError } from './executor-protocol.js';
import { unpackRecords } from './record-codec.js';

export interface ReceiverTrackerOptions {
  readonly blocks: ReceivedBlockTracker;
  readonly bus: ListenerBus;
  readonly logger: Logger;
  /** Wait before a receiver whose executor died starts on another one (ms). */
  readonly restartDelay: number;
  /** Each receiver's current rate limit (receiverMaxRate and backpressure). */
  readonly rate: () => number | undefined;
}

/**
 * Spark's ReceiverTracker, for worker-thread executors: places each receiver on an executor (the
 * one with fewest receivers), stores the blocks that executor sends — through the write-ahead log
 * when it is on — and answers only once a block is stored, so a reliable receiver still acks only
 * durable data. When the executor dies, the receiver starts again on another one; what it had
 * buffered but not stored was never acknowledged, so a reliable upstream sends it again.
 */
export class ReceiverTracker {
  private readonly receivers = new Map<number, RemoteReceiver>();

  constructor(
    readonly pool: ExecutorPool,
    readonly options: ReceiverTrackerOptions,
  ) {}

  /** The handle of receiver `streamId` (named `name`), created on first use. */
  handle(streamId: number, name: string): RemoteReceiver {
    let receiver = this.receivers.get(streamId);
    if (receiver === undefined)
      this.receivers.set(streamId, (receiver = new RemoteReceiver(this, streamId, name)));
    return receiver;
  }

  /** The live executor with fewest receivers, other than `avoid` when there is another. */
  pickHost(avoid?: number): { id: number; instance: number } | undefined {
    const live = this.pool.live();
    const others = live.filter((e) => e.instance !== avoid);
    const candidates = others.length > 0 ? others : live;
    const load = (instance: number) => [...this.receivers.values()].filter((r) => r.host === instance).length;
    return candidates.reduce<{ id: number; instance: number } | undefined>(
      (best, e) => (best === undefined || load(e.instance) < load(best.instance) ? e : best),
      undefined,
    );
  }

  onMessage(instance: number, message: ReceiverExecutorMessage): void {
    if (message.type === 'block') {
      const { blocks } = this.options;
      blocks.addBlock(message.streamId, unpackRecords(message.data)).then(
        () =>
          this.pool.post(instance, {
            type: 'blockStored',
            blockId: message.blockId,
            pending: blocks.pending(message.streamId),
          }),
        (error: unknown) =>
          this.pool.post(instance, {
            type: 'blockStored',
            blockId: message.blockId,
            pending: blocks.pending(message.streamId),
            error: serializeError(error),
          }),
      );
    } else if (message.type === 'receiverEvent') {
      const executorId = this.pool.idOf(instance) ?? 0;
      this.options.bus.post(message.event, {
        streamId: message.streamId,
        name: message.name,
        time: message.time,
        ...(message.message === undefined ? {} : { message: message.message }),
        ...(message.error === undefined ? {} : { error: deserializeError(message.error, executorId) }),
      });
    }
  }

  /** An executor thread ended: its receivers start elsewhere. */
  onExecutorLost(instance: number): void {
    for (const receiver of this.receivers.values()) if (receiver.host === instance) receiver.lost(instance);
  }

  /** The rate limit changed: every executor's receivers take the new one. */
  rateChanged(): void {
    const rate = this.options.rate();
    for (const e of this.pool.live()) this.pool.post(e.instance, { type: 'receiverRate', rate });
  }
}

/** The driver's handle on a receiver that runs on an executor. */
export class RemoteReceiver implements ReceiverHandle {
  /** The executor instance hosting the receiver, if it runs. */
  host: number | undefined;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tracker: ReceiverTracker,
    readonly streamId: number,
    private readonly name: string,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    this.place(undefined);
  }

  private place(avoid: number | undefined): void {
    if (this.stopped) return;
    const host = this.tracker.pickHost(avoid);
    if (host === undefined) {
      this.tracker.options.logger.error(`receiver ${this.name}: no executor is alive to run it`);
      return;
    }
    this.host = host.instance;
    this.tracker.pool.post(host.instance, {
      type: 'startReceiver',
      streamId: this.streamId,
      rate: this.tracker.options.rate(),
    });
  }

  /** Its executor died: start it on another one after the restart delay. */
  lost(instance: number): void {
    this.host = undefined;
    if (this.stopped) return;
    const reason = `receiver ${this.name}: its executor died; starting it on another executor`;
    this.tracker.options.logger.warn(reason);
    this.tracker.options.bus.post('onReceiverError', {
      streamId: this.streamId,
      name: this.name,
      time: Date.now(),
      message: reason,
    });
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => this.place(instance), this.tracker.options.restartDelay);
  }

  async flush(all = false): Promise<void> {
    const host = this.host;
    if (host === undefined) return;
    // A host that dies meanwhile loses only what it had not stored, which nobody acknowledged.
    await this.tracker.pool
      .request(host, (requestId) => ({ type: 'flushReceiver', streamId: this.streamId, requestId, all }))
      .catch(() => undefined);
  }

  get pending(): number {
    return this.tracker.options.blocks.pending(this.streamId);
  }

  drained(): void {
    if (this.host === undefined) return;
    this.tracker.pool.post(this.host, {
      type: 'receiverDrained',
      streamId: this.streamId,
      pending: this.pending,
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const host = this.host;
    this.host = undefined;
    if (host === undefined) return;
    await this.tracker.pool
      .request(host, (requestId) => ({ type: 'stopReceiver', streamId: this.streamId, requestId }))
      .catch(() => undefined);
  }
}
