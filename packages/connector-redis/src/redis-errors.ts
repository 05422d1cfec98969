import { ConfigError, ConnectionError, DStreamError, SinkWriteError, SourceReadError } from '@dstream/core';

/**
 * Maps ioredis' native errors into core's taxonomy. Messages carry what we were doing and the
 * server's reply text; never a connection URL (it may hold a password) nor command arguments
 * (record values).
 */

const connectionCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** Server replies meaning "not now" (loading, busy script, failover): retrying the task can help. */
const transientReplies = ['LOADING', 'BUSY', 'TRYAGAIN', 'MASTERDOWN', 'READONLY', 'CLUSTERDOWN'];

const authReplies = ['NOAUTH', 'WRONGPASS', 'NOPERM'];

function field(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[name] : undefined;
}

/** True for errors that mean the connection is gone or never came up. */
export function isConnectionFailure(error: unknown): boolean {
  if (DStreamError.isInstance(error)) return error.code === 'CONNECTION';
  const code = field(error, 'code');
  if (typeof code === 'string' && connectionCodes.has(code)) return true;
  const name = field(error, 'name');
  if (name === 'MaxRetriesPerRequestError') return true;
  const message = String(field(error, 'message') ?? '');
  return (
    message.startsWith('Connection is closed') ||
    message.includes("Stream isn't writeable") ||
    message.startsWith('Command timed out') ||
    message.includes('Socket closed unexpectedly')
  );
}

/** True for a reply error from the server (as opposed to a socket error). */
export function isReplyError(error: unknown): boolean {
  return field(error, 'name') === 'ReplyError';
}

export function replyText(error: unknown): string {
  return String(field(error, 'message') ?? error);
}

export type RedisErrorRole = 'sink' | 'source' | 'offsets';

/**
 * @param doing what failed, e.g. "writing partition 3 of batch 1000 (output counts)".
 * @param where the redacted server address (see describeConnection).
 */
export function mapRedisError(error: unknown, role: RedisErrorRole, doing: string, where = ''): DStreamError {
  if (DStreamError.isInstance(error)) return error;
  const at = where === '' ? '' : ` at ${where}`;
  const text = replyText(error);
  if (isConnectionFailure(error)) {
    const code = field(error, 'code');
    const detail = typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
    return new ConnectionError(`Redis${at}: ${doing} failed, connection lost or refused (${detail})`, {
      cause: error,
    });
  }
  if (isReplyError(error) && authReplies.some((p) => text.startsWith(p))) {
    return new ConfigError(`Redis${at}: ${doing} was refused (${text}); check username and password`, {
      cause: error,
    });
  }
  const retryable = isReplyError(error) && transientReplies.some((p) => text.startsWith(p));
  const message = `Redis${at}: ${doing} failed: ${text}`;
  return role === 'source'
    ? new SourceReadError(message, { cause: error, retryable })
    : new SinkWriteError(message, { cause: error, retryable });
}
