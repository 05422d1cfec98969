import type { BlockStore, ReceiverSupervisor } from '../receiver/receiver-supervisor.js';
import type { ExecutorMessage, ReceiverDriverMessage } from './executor-protocol.js';
import { deserializeError } from './executor-protocol.js';
import { packRecords } from './record-codec.js';

interface Waiting {
  readonly stream: number;
  readonly count: number;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * The receivers an executor hosts, and the driver as their block store: a block goes to the driver
 * (records packed into a transferred buffer) and counts as stored only when the driver answers that
 * it is — after its write-ahead log has it, when that is on.
 */
export class ExecutorReceivers implements BlockStore {
  private nextBlockId = 1;
  private readonly waiting = new Map<number, Waiting>();
  /** Per stream: records waiting on the driver, as it last said, and records sent but not yet stored. */
  private readonly onDriver = new Map<number, number>();
  private readonly inFlight = new Map<number, number>();

  constructor(
    private readonly executorId: number,
    private readonly supervisor: (streamId: number) => ReceiverSupervisor<unknown> | undefined,
    private readonly setRate: (rate: number | undefined) => void,
    private readonly post: (message: ExecutorMessage, transfer?: ArrayBuffer[]) => void,
  ) {}

  addBlock(stream: number, records: unknown[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const blockId = this.nextBlockId++;
    const data = packRecords(records);
    this.inFlight.set(stream, (this.inFlight.get(stream) ?? 0) + records.length);
    const stored = new Promise<void>((resolve, reject) => {
      this.waiting.set(blockId, { stream, count: records.length, resolve, reject });
    });
    this.post({ type: 'block', streamId: stream, blockId, data }, [data]);
    return stored;
  }

  pending(stream: number): number {
    return (this.onDriver.get(stream) ?? 0) + (this.inFlight.get(stream) ?? 0);
  }

  /** Handles one of the driver's receiver messages. */
  handle(message: ReceiverDriverMessage): void {
    switch (message.type) {
      case 'blockStored': {
        const block = this.waiting.get(message.blockId);
        if (block === undefined) return;
        this.waiting.delete(message.blockId);
        this.inFlight.set(block.stream, (this.inFlight.get(block.stream) ?? 0) - block.count);
        this.onDriver.set(block.stream, message.pending);
        if (message.error === undefined) block.resolve();
        else block.reject(deserializeError(message.error, this.executorId));
        return;
      }
      case 'receiverDrained':
        this.onDriver.set(message.streamId, message.pending);
        this.supervisor(message.streamId)?.drained();
        return;
      case 'receiverRate':
        this.setRate(message.rate);
        return;
      case 'startReceiver':
        this.setRate(message.rate);
        void this.supervisor(message.streamId)?.start();
        return;
      case 'flushReceiver':
      case 'stopReceiver': {
        const supervisor = this.supervisor(message.streamId);
        const done =
          supervisor === undefined
            ? Promise.resolve()
            : message.type === 'stopReceiver'
              ? supervisor.stop()
              : supervisor.flush(message.all);
        const reply = () => this.post({ type: 'reply', requestId: message.requestId });
        done.then(reply, reply);
        return;
      }
    }
  }

  /** Stops every receiver still running here (the executor is stopping). */
  async stopAll(streamIds: readonly number[]): Promise<void> {
    for (const id of streamIds) await this.supervisor(id)?.stop();
  }
}
