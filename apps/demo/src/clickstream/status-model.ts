import type { BatchInfo, OutputGuarantee, ReceiverInfo, StreamingListener } from '@dstream/core';

/** What the status page shows (Spark's Streaming tab): the JSON behind `/api/status`. */
export interface StatusSnapshot {
  readonly appName: string;
  readonly startedAt: number | undefined;
  readonly batchInterval: number;
  readonly completedBatches: number;
  readonly totalRecords: number;
  readonly batches: readonly BatchRow[];
  readonly outputs: readonly OutputGuarantee[];
  readonly receivers: readonly ReceiverRow[];
  readonly inputs: readonly string[];
  readonly errors: readonly ErrorRow[];
}

export interface BatchRow {
  readonly batchTime: number;
  readonly records: number;
  readonly inputRate: number;
  readonly schedulingDelay: number | undefined;
  readonly processingDelay: number | undefined;
  readonly totalDelay: number | undefined;
  readonly status: 'queued' | 'processing' | 'completed' | 'failed';
  readonly outputOps: number;
}

export interface ReceiverRow {
  readonly streamId: number;
  readonly name: string;
  readonly state: 'active' | 'error' | 'stopped';
  readonly lastMessage: string | undefined;
}

export interface ErrorRow {
  readonly time: number;
  readonly where: string;
  readonly message: string;
}

const keptBatches = 120;
const keptErrors = 20;

/** A StreamingListener that keeps the recent batches, receivers and errors for the page. */
export class StatusModel implements StreamingListener {
  private readonly batches = new Map<number, BatchRow>();
  private readonly receivers = new Map<number, ReceiverRow>();
  private readonly errors: ErrorRow[] = [];
  private startedAt: number | undefined;
  private completed = 0;
  private records = 0;

  constructor(
    private readonly appName: string,
    private readonly batchInterval: number,
    private readonly guarantees: () => readonly OutputGuarantee[],
    private readonly inputs: readonly string[],
  ) {}

  onStreamingStarted(event: { time: number }): void {
    this.startedAt = event.time;
  }
  onBatchSubmitted(info: BatchInfo): void {
    this.put(info, 'queued');
  }
  onBatchStarted(info: BatchInfo): void {
    this.put(info, 'processing');
  }
  onBatchCompleted(info: BatchInfo): void {
    this.completed++;
    this.records += info.numRecords;
    this.put(info, info.failureReason ? 'failed' : 'completed');
    if (info.failureReason)
      this.error(info.processingEndTime ?? Date.now(), `batch ${info.batchTime}`, info.failureReason);
    for (const op of info.outputOperations)
      if (op.failureReason) this.error(op.endTime ?? Date.now(), `output ${op.name}`, op.failureReason);
  }
  onReceiverStarted(info: ReceiverInfo): void {
    this.receivers.set(info.streamId, {
      streamId: info.streamId,
      name: info.name,
      state: 'active',
      lastMessage: info.message,
    });
  }
  onReceiverError(info: ReceiverInfo): void {
    this.receivers.set(info.streamId, {
      streamId: info.streamId,
      name: info.name,
      state: 'error',
      lastMessage: info.message,
    });
    this.error(info.time, `receiver ${info.name}`, info.message ?? String(info.error));
  }
  onReceiverStopped(info: ReceiverInfo): void {
    this.receivers.set(info.streamId, {
      streamId: info.streamId,
      name: info.name,
      state: 'stopped',
      lastMessage: info.message,
    });
  }

  /** Also fed by the logger: warnings and errors of the engine and connectors. */
  error(time: number, where: string, message: string): void {
    this.errors.push({ time, where, message });
    if (this.errors.length > keptErrors) this.errors.shift();
  }

  snapshot(): StatusSnapshot {
    return {
      appName: this.appName,
      startedAt: this.startedAt,
      batchInterval: this.batchInterval,
      completedBatches: this.completed,
      totalRecords: this.records,
      batches: [...this.batches.values()].sort((a, b) => a.batchTime - b.batchTime),
      outputs: this.guarantees(),
      receivers: [...this.receivers.values()],
      inputs: this.inputs,
      errors: [...this.errors].reverse(),
    };
  }

  private put(info: BatchInfo, status: BatchRow['status']): void {
    this.batches.set(info.batchTime, {
      batchTime: info.batchTime,
      records: info.numRecords,
      inputRate: (info.numRecords * 1000) / this.batchInterval,
      schedulingDelay: info.schedulingDelay,
      processingDelay: info.processingDelay,
      totalDelay: info.totalDelay,
      status,
      outputOps: info.outputOperations.length,
    });
    // Bounded: the oldest rows go (Map keeps insertion order, batch times grow).
    while (this.batches.size > keptBatches) this.batches.delete(this.batches.keys().next().value!);
  }
}
