import { join } from 'node:path';
import { type ClientProvider, type OffsetRange, type Sink, perExecutor } from '@dstream/core';
import { textFileSink } from '@dstream/connector-file';
import { createHBaseClient, hbaseSink } from '@dstream/connector-hbase';
import type { HBaseSinkClient } from '@dstream/connector-hbase';
import { mysqlSink } from '@dstream/connector-mysql';
import { type RedisClient, type RedisCommand, redisProvider, redisSink } from '@dstream/connector-redis';
import type { PageView } from './events.js';
import type { RunConfig } from './run-config.js';

/** One window of the leaderboard: page views per page in (time − window, time]. */
export interface WindowRecord {
  readonly time: number;
  readonly counts: Readonly<Record<string, number>>;
}

/** One batch's source offset ranges: the ledger the window check is computed from. */
export interface BatchRanges {
  readonly time: number;
  readonly ranges: readonly OffsetRange[];
}

/** A user's running total (updateStateByKey). */
export interface UserTotal {
  readonly user: string;
  readonly views: number;
  readonly lastPage: string;
  readonly lastSeen: number;
}

/** Keys of the Redis leaderboard of a run. */
export function leaderboardKeys(prefix: string) {
  return {
    latest: `${prefix}:leaderboard`,
    window: (time: number) => `${prefix}:leaderboard:${time}`,
    windows: `${prefix}:windows`,
    batch: (time: number) => `${prefix}:batch:${time}`,
    batches: `${prefix}:batches`,
  };
}

export const HISTORY_FAMILY = 'e';
const windowTtlSeconds = 24 * 3600;

// Providers: one client per executor, created lazily where the sink runs, never on the driver and
// shipped (the seeds' "Task not serializable" fix). Kept per process, so every sink of this job in
// this executor shares them.
let redis: ClientProvider<RedisClient> | undefined;
let hbase: ClientProvider<HBaseSinkClient> | undefined;

/** The leaderboard: a Redis sorted set per window (ZADD of absolute counts: a replay rewrites it). */
export function leaderboardSink(config: RunConfig): Sink<WindowRecord> {
  const choice = config.outputs.redis;
  if ('standIn' in choice) return standIn<WindowRecord>(join(choice.standIn, 'leaderboard', 'window'));
  redis ??= redisProvider(choice.url, 'dstream-demo');
  const keys = leaderboardKeys(config.names.redisPrefix);
  return redisSink<WindowRecord>({
    mode: 'pipelined',
    idempotent: true,
    provider: redis,
    commands: (w): RedisCommand[] => {
      const hasCounts = Object.keys(w.counts).length > 0;
      const commands: RedisCommand[] = [{ op: 'del', key: keys.window(w.time) }];
      if (hasCounts) commands.push({ op: 'zadd', key: keys.window(w.time), scores: w.counts });
      commands.push(
        { op: 'expire', key: keys.window(w.time), seconds: windowTtlSeconds },
        { op: 'zadd', key: keys.windows, scores: { [String(w.time)]: w.time } },
        { op: 'del', key: keys.latest },
      );
      if (hasCounts) commands.push({ op: 'zadd', key: keys.latest, scores: w.counts });
      return commands;
    },
  });
}

/**
 * The batch ledger: which offset ranges each batch time read (SET per batch time: a replay of the
 * batch, always over the same ranges, rewrites the same value). A window at T must count exactly
 * the events of the batches in (T − window, T].
 */
export function batchLedgerSink(config: RunConfig): Sink<BatchRanges> {
  const choice = config.outputs.redis;
  if ('standIn' in choice) return standIn<BatchRanges>(join(choice.standIn, 'batches', 'batch'));
  redis ??= redisProvider(choice.url, 'dstream-demo');
  const keys = leaderboardKeys(config.names.redisPrefix);
  return redisSink<BatchRanges>({
    mode: 'pipelined',
    idempotent: true,
    provider: redis,
    commands: (b): RedisCommand[] => [
      { op: 'set', key: keys.batch(b.time), value: JSON.stringify(b.ranges), ttlSeconds: windowTtlSeconds },
      { op: 'zadd', key: keys.batches, scores: { [String(b.time)]: b.time } },
    ],
  });
}

/** Per-user totals in MySQL: each partition's rows and batch marker in one InnoDB transaction. */
export function totalsSink(config: RunConfig): Sink<UserTotal> {
  const choice = config.outputs.mysql;
  if ('standIn' in choice) return standIn<UserTotal>(join(choice.standIn, 'user-totals', 'batch'));
  return mysqlSink<UserTotal>({
    name: 'mysql user totals',
    // A small pool per executor (the sink's default provider over this connection).
    connection: {
      host: choice.host,
      port: choice.port,
      user: 'root',
      password: '',
      database: choice.database,
    },
    maxConnections: 2,
    table: config.names.totalsTable,
    rowOf: (t) => ({ user: t.user, views: t.views, last_page: t.lastPage, last_seen: t.lastSeen }),
    key: 'user',
    mode: 'transactional',
    update: { views: 'replace', last_page: 'replace', last_seen: 'replace' },
    jobId: config.groupId,
  });
}

/** Each user's history in HBase: one cell per event, stamped with the batch time (replays overwrite). */
export function historySink(config: RunConfig): Sink<PageView> {
  const choice = config.outputs.hbase;
  if ('standIn' in choice) return standIn<PageView>(join(choice.standIn, 'history', 'batch'));
  hbase ??= perExecutor(() => createHBaseClient({ zookeeper: choice.zookeeper }), {
    close: (client) => client.close(),
  });
  return hbaseSink<PageView>({
    name: 'hbase user history',
    table: config.names.historyTable,
    mode: 'idempotent',
    provider: hbase,
    rowOf: (v) => v.user,
    cellsOf: (v) => [{ family: HISTORY_FAMILY, qualifier: historyQualifier(v.id), value: JSON.stringify(v) }],
  });
}

/** `p-offset` zero-padded, so a user's history scans in partition, then offset order. */
export function historyQualifier(id: string): string {
  const [p, o] = id.split('-') as [string, string];
  return `${p.padStart(3, '0')}-${o.padStart(12, '0')}`;
}

/**
 * The embedded stand-in (connector-file): one directory per batch, each part file written to a
 * temporary name and renamed, a replay rewriting the same files: idempotent, like the server it
 * stands in for.
 */
function standIn<T>(prefix: string): Sink<T> {
  return textFileSink<T>({ prefix, suffix: 'jsonl', format: (r) => JSON.stringify(r) });
}
