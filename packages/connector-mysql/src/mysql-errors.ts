import { ConnectionError, DStreamError, SinkWriteError, SourceReadError } from '@dstream/core';

/** The fields of a mysql2 error (or a Node socket error) that decide how we classify it. */
interface NativeMysqlError {
  code?: unknown;
  errno?: unknown;
  fatal?: unknown;
  sqlMessage?: unknown;
  message?: unknown;
}

/** Socket-level failures: the server is unreachable or the connection went away. */
const connectionCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CONNECTION_KILLED',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_GONE_ERROR',
  'CR_SERVER_GONE_ERROR',
  'CR_SERVER_LOST',
]);

/** Transient server-side conflicts: running the whole transaction again can succeed. */
const transientCodes = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'ER_LOCK_TABLE_FULL']);

/** True when the client object is unusable afterwards and must not go back to the pool as healthy. */
export function isBrokenConnection(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as NativeMysqlError;
  if (e.fatal === true) return true;
  if (DStreamError.isInstance(error)) return error.code === 'CONNECTION';
  return typeof e.code === 'string' && connectionCodes.has(e.code);
}

function describe(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const e = error as NativeMysqlError;
  const text = typeof e.sqlMessage === 'string' ? e.sqlMessage : String(e.message ?? error);
  return typeof e.code === 'string' ? `${e.code}: ${text}` : text;
}

/**
 * Maps a native mysql2 error into core's taxonomy. `what` says what was being done, e.g.
 * "mysqlSink(page_counts) writing partition 3 of batch 5000". Errors already in the taxonomy pass
 * through unchanged.
 */
export function toDStreamError(error: unknown, what: string, kind: 'sink' | 'source' = 'sink'): DStreamError {
  if (DStreamError.isInstance(error)) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as NativeMysqlError;
  const code = typeof e.code === 'string' ? e.code : '';
  if (connectionCodes.has(code) || e.fatal === true) {
    return new ConnectionError(`${what}: MySQL connection failed (${describe(error)})`, { cause: error });
  }
  const retryable = transientCodes.has(code);
  const message = `${what}: ${describe(error)}${retryable ? ' (transient, retrying the task can succeed)' : ''}`;
  return kind === 'sink'
    ? new SinkWriteError(message, { cause: error, retryable })
    : new SourceReadError(message, { cause: error, retryable });
}
