import { ConfigError } from '@dstream/core';

export interface HBaseClientOptions {
  /** ZooKeeper quorum of the cluster, `host:port[,host:port]` (HBase's `hbase.zookeeper.quorum`). */
  readonly zookeeper: string;
  /** HBase's parent znode (`zookeeper.znode.parent`). Default `/hbase`. */
  readonly zookeeperRoot?: string;
  /** Longest wait for one RPC's answer (ms). Default 10 000. */
  readonly rpcTimeoutMs?: number;
  /** Longest time for one operation including its retries (ms). Default 60 000. */
  readonly operationTimeoutMs?: number;
  /** Most attempts per operation (the first one included). Default 20. */
  readonly maxAttempts?: number;
  /** First pause between attempts (ms), doubled each time up to `maxBackoffMs`. Default 100. */
  readonly retryBackoffMs?: number;
  /** Longest pause between attempts (ms). Default 2 000. */
  readonly maxBackoffMs?: number;
  /** Longest wait for a TCP connection (ms). Default 5 000. */
  readonly connectTimeoutMs?: number;
  /** The user named in the connection header (SIMPLE auth). Default: the OS user. */
  readonly user?: string;
}

export type ResolvedClientOptions = Required<Omit<HBaseClientOptions, 'zookeeperRoot' | 'user'>> & {
  readonly zookeeperRoot: string;
  readonly user: string;
};

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`HBase client option ${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

export function resolveClientOptions(options: HBaseClientOptions, osUser: string): ResolvedClientOptions {
  if (typeof options.zookeeper !== 'string' || !/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/.test(options.zookeeper)) {
    throw new ConfigError(
      `HBase client option zookeeper must be "host:port[,host:port]", got ${JSON.stringify(options.zookeeper)}`,
    );
  }
  const root = options.zookeeperRoot ?? '/hbase';
  if (!root.startsWith('/'))
    throw new ConfigError(`HBase client option zookeeperRoot must start with '/', got ${root}`);
  return {
    zookeeper: options.zookeeper,
    zookeeperRoot: root,
    rpcTimeoutMs: positive('rpcTimeoutMs', options.rpcTimeoutMs, 10_000),
    operationTimeoutMs: positive('operationTimeoutMs', options.operationTimeoutMs, 60_000),
    maxAttempts: Math.floor(positive('maxAttempts', options.maxAttempts, 20)),
    retryBackoffMs: positive('retryBackoffMs', options.retryBackoffMs, 100),
    maxBackoffMs: positive('maxBackoffMs', options.maxBackoffMs, 2_000),
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, 5_000),
    user: options.user ?? osUser,
  };
}

/** Exponential backoff with jitter: attempt 1 → ~base, doubling up to max. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return exponential / 2 + Math.random() * (exponential / 2);
}
