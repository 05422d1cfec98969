import type { OffsetRange } from '../contracts/offset-store.js';
import { DStreamError, type ErrorCode, TaskFailedError } from '../errors.js';

/** What an executor is started with. */
export interface ExecutorData {
  readonly executorId: number;
  readonly moduleUrl: string;
  readonly exportName: string;
  readonly batchInterval: number;
  readonly defaultParallelism: number;
  readonly broadcasts: unknown[];
  /** What receivers hosted on this executor need from the driver's options. */
  readonly blockInterval: number;
  readonly receiverRestartDelay: number;
  readonly receiverMaxPendingRecords: number;
}

interface TaskBase {
  readonly type: 'task';
  readonly taskId: number;
  readonly time: number;
  readonly partition: number;
  readonly attempt: number;
  /** The stream whose fused chain turns the base records into the partition's records. */
  readonly chainStreamId: number;
  readonly identity: boolean;
  /** A source's read stream that turns the base records (what it planned) into records first. */
  readonly readStreamId?: number;
  /** The base records, v8-serialized into a transferred buffer. */
  readonly data: ArrayBuffer;
}

export interface CombineTask extends TaskBase {
  readonly kind: 'combine';
  readonly wideStreamId: number;
}

export interface OutputTask extends TaskBase {
  readonly kind: 'output';
  readonly outputIndex: number;
  readonly numPartitions: number;
  readonly offsetRanges: readonly OffsetRange[];
  readonly aligned: boolean;
}

/** The driver's messages about receivers hosted on an executor (Spark's ReceiverTracker ↔ supervisor). */
export type ReceiverDriverMessage =
  | { readonly type: 'startReceiver'; readonly streamId: number; readonly rate: number | undefined }
  | { readonly type: 'stopReceiver'; readonly streamId: number; readonly requestId: number }
  | {
      readonly type: 'flushReceiver';
      readonly streamId: number;
      readonly requestId: number;
      readonly all: boolean;
    }
  /** A batch took blocks: `pending` records of the stream still wait on the driver. */
  | { readonly type: 'receiverDrained'; readonly streamId: number; readonly pending: number }
  | { readonly type: 'receiverRate'; readonly rate: number | undefined }
  | {
      readonly type: 'blockStored';
      readonly blockId: number;
      readonly pending: number;
      readonly error?: SerializedError;
    };

export type DriverMessage = CombineTask | OutputTask | ReceiverDriverMessage | { readonly type: 'stop' };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string | undefined;
  code?: ErrorCode | undefined;
  retryable?: boolean | undefined;
}

export type ExecutorMessage =
  | { readonly type: 'ready'; readonly fingerprint: string; readonly graph: string[] }
  | {
      readonly type: 'result';
      readonly taskId: number;
      readonly data?: ArrayBuffer;
      readonly accumulators: Array<[number, number]>;
    }
  | { readonly type: 'failed'; readonly taskId: number; readonly error: SerializedError }
  | { readonly type: 'fatal'; readonly error: SerializedError }
  | ReceiverExecutorMessage;

/** An executor's messages about the receivers it hosts. */
export type ReceiverExecutorMessage =
  /** A block to store (in the write-ahead log when it is on); answered by blockStored. */
  | {
      readonly type: 'block';
      readonly streamId: number;
      readonly blockId: number;
      readonly data: ArrayBuffer;
    }
  | {
      readonly type: 'receiverEvent';
      readonly event: 'onReceiverStarted' | 'onReceiverStopped' | 'onReceiverError';
      readonly streamId: number;
      readonly name: string;
      readonly time: number;
      readonly message?: string;
      readonly error?: SerializedError;
    }
  | { readonly type: 'reply'; readonly requestId: number };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    return {
      name: error.name,
      message: error.message,
      stack: error.stack,
      code: DStreamError.isInstance(error) ? error.code : undefined,
      retryable: DStreamError.isInstance(error) ? error.retryable : undefined,
    };
  }
  return { name: 'Error', message: String(error) };
}

/** An executor's error, re-created on the driver with its name, message and stack. */
export function deserializeError(error: SerializedError, executorId: number): Error {
  const e =
    error.code !== undefined
      ? new DStreamError(error.code, `${error.message} (on executor ${executorId})`, {
          retryable: error.retryable ?? false,
        })
      : new TaskFailedError(`${error.name}: ${error.message} (on executor ${executorId})`, {
          retryable: true,
        });
  if (error.stack !== undefined) e.stack = error.stack;
  return e;
}
