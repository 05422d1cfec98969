import { type ClientProvider, perExecutor } from '@dstream/core';
import { Redis, type RedisOptions } from 'ioredis';
import { mapRedisError } from './redis-errors.js';

/** The client the connector uses: an ioredis standalone client. */
export type RedisClient = Redis;

/** Where Redis is: a `redis://[user:password@]host:port/db` URL or ioredis options. */
export type RedisConnection = string | RedisOptions;

/**
 * What the connector changes from ioredis' defaults, and why: a lost connection fails the commands
 * in flight at once (no silent reconnect that re-sends a half-answered pipeline, no offline queue
 * that waits forever); the task fails with a retryable ConnectionError and its retry gets a fresh
 * client from the provider.
 */
export const connectorDefaults: RedisOptions = {
  lazyConnect: true,
  enableOfflineQueue: false,
  autoResendUnfulfilledCommands: false,
  retryStrategy: () => null,
  maxRetriesPerRequest: 0,
  connectTimeout: 5_000,
};

/** host:port (and db), never credentials: safe for messages and logs. */
export function describeConnection(connection: RedisConnection | undefined): string {
  if (connection === undefined) return '127.0.0.1:6379';
  if (typeof connection === 'string') {
    try {
      const url = new URL(connection);
      const db = url.pathname.length > 1 ? url.pathname : '';
      return `${url.hostname}:${url.port || '6379'}${db}`;
    } catch {
      return '(unparsable Redis URL)';
    }
  }
  if (connection.path !== undefined) return connection.path;
  return `${connection.host ?? '127.0.0.1'}:${connection.port ?? 6379}${connection.db ? `/${connection.db}` : ''}`;
}

/**
 * Creates and connects a client with the connector's defaults (your options win). Fails with a
 * ConnectionError naming host:port within `connectTimeout` when the server cannot be reached.
 */
export async function createRedisClient(
  connection: RedisConnection | undefined,
  connectionName?: string,
  defaults: RedisOptions = {},
): Promise<RedisClient> {
  const base: RedisOptions = {
    ...connectorDefaults,
    ...defaults,
    ...(connectionName === undefined ? {} : { connectionName }),
  };
  const client =
    typeof connection === 'string' ? new Redis(connection, base) : new Redis({ ...base, ...connection });
  // ioredis reports the socket error on the 'error' event and rejects connect() with a bare
  // "Connection is closed."; keep the first one for a useful message.
  let socketError: unknown;
  client.on('error', (error: unknown) => {
    socketError ??= error;
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw mapRedisError(socketError ?? error, 'sink', 'connecting', describeConnection(connection));
  }
  return client;
}

/** Closes a client politely when it still answers, at once otherwise. */
export async function closeRedisClient(client: RedisClient): Promise<void> {
  if (client.status === 'ready') {
    await client.quit().catch(() => client.disconnect());
  } else {
    client.disconnect();
  }
}

/** True when the client can no longer send (it never reconnects with the connector's defaults). */
export function isClientBroken(client: RedisClient): boolean {
  return client.status === 'end' || client.status === 'close';
}

/**
 * The default provider: one lazily connected client per executor, closed on stop and replaced
 * after it was released with an error.
 */
export function redisProvider(
  connection?: RedisConnection,
  connectionName?: string,
): ClientProvider<RedisClient> {
  // A write that gets no answer for a minute (a half-open connection) fails as a lost connection
  // instead of hanging the batch. Not for the receiver's client, whose XREADGROUP blocks on purpose.
  const writerDefaults: RedisOptions = { commandTimeout: 60_000 };
  return perExecutor(() => createRedisClient(connection, connectionName, writerDefaults), {
    close: closeRedisClient,
  });
}
