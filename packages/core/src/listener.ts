import type { Time } from './batch.js';

/** One output operation's run within a batch. */
export interface OutputOperationInfo {
  readonly batchTime: Time;
  readonly outputId: string;
  readonly name: string;
  readonly kind: string;
  readonly startTime: number;
  readonly endTime?: number;
  readonly duration?: number;
  readonly failureReason?: string;
}

/** A batch as the scheduler saw it (Spark's BatchInfo); delays in ms. */
export interface BatchInfo {
  readonly batchTime: Time;
  /** Records that the input streams put into this batch. */
  readonly numRecords: number;
  readonly submissionTime: number;
  readonly processingStartTime?: number;
  readonly processingEndTime?: number;
  /** processingStartTime − batchTime: how long the batch waited (for earlier batches, or its inputs). */
  readonly schedulingDelay?: number;
  readonly processingDelay?: number;
  readonly totalDelay?: number;
  readonly outputOperations: readonly OutputOperationInfo[];
  readonly failureReason?: string;
}

export interface ReceiverInfo {
  readonly streamId: number;
  readonly name: string;
  readonly time: number;
  readonly message?: string;
  readonly error?: unknown;
}

/**
 * Spark's StreamingListener. Every method is optional; a listener that throws is logged and kept.
 *
 * ```ts
 * ctx.addStreamingListener({
 *   onBatchCompleted(info) { console.log(info.batchTime, info.numRecords, info.processingDelay); },
 * });
 * ```
 */
export interface StreamingListener {
  onStreamingStarted?(event: { time: number }): void;
  onBatchSubmitted?(info: BatchInfo): void;
  onBatchStarted?(info: BatchInfo): void;
  onBatchCompleted?(info: BatchInfo): void;
  onOutputOperationStarted?(info: OutputOperationInfo): void;
  onOutputOperationCompleted?(info: OutputOperationInfo): void;
  onReceiverStarted?(info: ReceiverInfo): void;
  onReceiverError?(info: ReceiverInfo): void;
  onReceiverStopped?(info: ReceiverInfo): void;
}

/** Structured logging; fields never carry credentials. */
export interface Logger {
  debug(message: string, fields?: object): void;
  info(message: string, fields?: object): void;
  warn(message: string, fields?: object): void;
  error(message: string, fields?: object): void;
}

/** Warnings and errors to stderr, one line each; debug and info are dropped. */
export const consoleLogger: Logger = {
  debug() {},
  info() {},
  warn(message, fields) {
    process.stderr.write(`[dstream] WARN ${message}${fields ? ` ${safeJson(fields)}` : ''}\n`);
  },
  error(message, fields) {
    process.stderr.write(`[dstream] ERROR ${message}${fields ? ` ${safeJson(fields)}` : ''}\n`);
  },
};

function safeJson(value: object): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (v instanceof Error ? `${v.name}: ${v.message}` : v));
  } catch {
    return '[unserializable]';
  }
}

/** Delivers events to every listener, isolating failures. */
export class ListenerBus {
  readonly listeners: StreamingListener[] = [];

  constructor(private readonly logger: Logger) {}

  post<E extends keyof StreamingListener>(
    event: E,
    payload: Parameters<NonNullable<StreamingListener[E]>>[0],
  ): void {
    for (const listener of this.listeners) {
      const handler = listener[event] as ((p: typeof payload) => void) | undefined;
      if (handler === undefined) continue;
      try {
        handler.call(listener, payload);
      } catch (error) {
        this.logger.warn(`listener threw in ${event}`, { error });
      }
    }
  }
}
