/**
 * One error taxonomy for dstream, owned by core. Connectors map their clients' native errors into
 * these classes (one `<name>-errors.ts` per connector). Every message names the offending value or
 * setting; `retryable` tells the scheduler whether re-running the task can help.
 */

export const errorCodes = [
  'CONFIG',
  'STATE',
  'CONNECTION',
  'SERIALIZATION',
  'CHECKPOINT',
  'OFFSET_OUT_OF_RANGE',
  'SINK_WRITE',
  'SOURCE_READ',
  'GUARANTEE',
  'TASK_FAILED',
  'TIMEOUT',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

const marker = Symbol.for('@dstream/core/DStreamError');

export interface DStreamErrorOptions {
  cause?: unknown;
  retryable?: boolean;
}

/** Base class of every error dstream throws on purpose. */
export class DStreamError extends Error {
  readonly [marker] = true;
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: DStreamErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  /** True for any DStreamError, even one created by a second copy of @dstream/core. */
  static isInstance(value: unknown): value is DStreamError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }
}

/** A setting or argument is invalid; the message names it and the value given. */
export class ConfigError extends DStreamError {
  constructor(message: string, options?: DStreamErrorOptions) {
    super('CONFIG', message, options);
  }
}

/** An operation is not allowed in the context's current state (started twice, added after start). */
export class StateError extends DStreamError {
  constructor(message: string, options?: DStreamErrorOptions) {
    super('STATE', message, options);
  }
}

/** A server could not be reached or dropped the connection; retrying may help. */
export class ConnectionError extends DStreamError {
  constructor(message: string, options?: DStreamErrorOptions) {
    super('CONNECTION', message, { retryable: true, ...options });
  }
}

/** A record could not be encoded or decoded. */
export class SerializationError extends DStreamError {
  constructor(message: string, options?: DStreamErrorOptions) {
    super('SERIALIZATION', message, options);
  }
}

/** A checkpoint could not be written, read or applied to this job. */
export class CheckpointError extends DStreamError {
  constructor(message: string, options?: DStreamErrorOptions) {
    super('CHECKPOINT', message, options);
  }
}

/** The offsets a source wants are no longer (or not yet) available. */
export class OffsetOutOfRangeError extends DStreamError {
  constructor(message: string, options?: DStreamErrorOptions) {
    super('OFFSET_OUT_OF_RANGE', message, options);
  }
}

/** A sink failed to write a partition. */
export class SinkWriteError extends DStreamError {
  constructor(message: string, options?: DStreamErrorOptions) {
    super('SINK_WRITE', message, options);
  }
}

/** A source failed to produce a batch. */
export class SourceReadError extends DStreamError {
  constructor(message: string, options?: DStreamErrorOptions) {
    super('SOURCE_READ', message, options);
  }
}

/** The job cannot deliver the guarantee that `requireGuarantee` asks for. */
export class GuaranteeError extends DStreamError {
  constructor(message: string, options?: DStreamErrorOptions) {
    super('GUARANTEE', message, options);
  }
}

/** A task failed after its last attempt; `cause` is the task's own error. */
export class TaskFailedError extends DStreamError {
  constructor(message: string, options?: DStreamErrorOptions) {
    super('TASK_FAILED', message, options);
  }
}

/** A call did not answer in time. */
export class TimeoutError extends DStreamError {
  constructor(message: string, options?: DStreamErrorOptions) {
    super('TIMEOUT', message, { retryable: true, ...options });
  }
}
