import { type ClientProvider, ConfigError, pooled } from '@dstream/core';
import { type ConnectionOptions, createConnection } from 'mysql2/promise';

/** A value that can be bound to a placeholder. `undefined` is written as NULL. */
export type SqlValue = string | number | bigint | boolean | Date | Uint8Array | null | undefined;

/** A value as it is bound to a prepared statement (mysql2 refuses `undefined`). */
export type BoundValue = Exclude<SqlValue, undefined>;

/**
 * The part of a mysql2 promise connection that dstream uses, typed structurally so that any
 * provider of mysql2 connections (or of wrappers around them) fits.
 */
export interface MysqlConnection {
  /** The server's id for this connection (what `KILL CONNECTION` and `SHOW PROCESSLIST` show). */
  readonly threadId: number | null;
  query(sql: string, values?: BoundValue[]): Promise<[unknown, unknown]>;
  /** A server-side prepared statement: values never pass through client-side escaping. */
  execute(sql: string, values?: BoundValue[]): Promise<[unknown, unknown]>;
  beginTransaction(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  end(): Promise<void>;
  destroy(): void;
}

/** Connection settings for the default provider: mysql2's own options. */
export type MysqlConnectionOptions = ConnectionOptions;

/** How a sink, offset store or source gets connections: one of these two. */
export interface MysqlClientOptions {
  /** Your own provider, e.g. `pooled(() => createConnection(url), { max: 2, close: (c) => c.end() })`. */
  provider?: ClientProvider<MysqlConnection>;
  /** mysql2 connection options (or a URL); dstream builds a small pool per executor from them. */
  connection?: MysqlConnectionOptions | string;
  /** Most connections per executor for the default provider. Default 2. */
  maxConnections?: number;
}

/** Connections whose socket failed while they sat idle: never lend them again. */
const broken = new WeakSet<object>();

/** True if the default provider saw this connection fail while it was idle. */
export function isKnownBroken(connection: MysqlConnection): boolean {
  return broken.has(connection);
}

/**
 * Opens one connection. Without an 'error' listener, a connection that the server drops while it
 * is idle in the pool would crash the process with an unhandled 'error' event.
 */
async function openConnection(options: MysqlConnectionOptions | string): Promise<MysqlConnection> {
  // Statements are prepared per distinct row count; a small cache keeps the server's global
  // prepared-statement count (max_prepared_stmt_count) low across many executors.
  const connection =
    typeof options === 'string'
      ? await createConnection({ uri: options, maxPreparedStatements: 64 })
      : await createConnection({ maxPreparedStatements: 64, ...options });
  connection.on('error', () => broken.add(connection));
  connection.on('end', () => broken.add(connection));
  return connection;
}

/** Ends a connection politely; a connection that cannot say goodbye within a second is destroyed. */
export async function closeConnection(connection: MysqlConnection): Promise<void> {
  if (broken.has(connection)) {
    connection.destroy();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), 1000);
  });
  try {
    const outcome = await Promise.race([connection.end().then(() => 'ended' as const), timeout]);
    if (outcome === 'timeout') connection.destroy();
  } catch {
    connection.destroy();
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The provider given in `options`, or a pool of `maxConnections` (default 2) mysql2 connections
 * per executor built from `options.connection`. `owner` names the caller in errors.
 */
export function resolveProvider(
  options: MysqlClientOptions,
  owner: string,
): { provider: ClientProvider<MysqlConnection>; owned: boolean } {
  if (options.provider !== undefined && options.connection !== undefined) {
    throw new ConfigError(`${owner}: give either provider or connection, not both`);
  }
  if (options.provider !== undefined) return { provider: options.provider, owned: false };
  if (options.connection === undefined) {
    throw new ConfigError(
      `${owner}: connection is missing; give connection (e.g. { host: '127.0.0.1', user: 'root', database: 'test' }) or provider`,
    );
  }
  const max = options.maxConnections ?? 2;
  if (!Number.isInteger(max) || max < 1) {
    throw new ConfigError(`${owner}: maxConnections must be a whole number >= 1, got ${String(max)}`);
  }
  const connection = options.connection;
  const provider = pooled(() => openConnection(connection), { max, close: closeConnection });
  return { provider, owned: true };
}

/**
 * Lends a connection that is not known to be broken (an idle connection the server closed is
 * dropped and replaced rather than failing the task).
 */
export async function acquireLive(provider: ClientProvider<MysqlConnection>): Promise<MysqlConnection> {
  for (let tries = 0; ; tries++) {
    const connection = await provider.acquire();
    if (!broken.has(connection) || tries >= 3) return connection;
    provider.release(connection, new Error('connection closed while idle'));
  }
}
