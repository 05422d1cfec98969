import {
  type ClientProvider,
  ConfigError,
  type OffsetRange,
  type OffsetStore,
  type TopicPartitionOffset,
} from '@dstream/core';
import {
  type RedisClient,
  type RedisConnection,
  describeConnection,
  isClientBroken,
  redisProvider,
} from './redis-client.js';
import { evalCached, raiseOffsetsScript, raiseOffsetsScriptSha } from './apply-script.js';
import { mapRedisError } from './redis-errors.js';

export interface RedisOffsetStoreOptions {
  /** Keys are `<keyPrefix>:offsets:<jobId>`, one hash per job. Default `dstream`. */
  readonly keyPrefix?: string;
  /** Where clients come from; default one per executor for `connection`. */
  readonly provider?: ClientProvider<RedisClient>;
  /** Used when no provider is given; default 127.0.0.1:6379. */
  readonly connection?: RedisConnection;
}

/** The hash that holds a job's offsets: one field per topic-partition, value = next offset. */
export function offsetsKey(keyPrefix: string, jobId: string): string {
  return `${keyPrefix}:offsets:${jobId}`;
}

/** A field that cannot be confused across topics, whatever characters a topic name holds. */
export function offsetField(topic: string, partition: number): string {
  return JSON.stringify([topic, partition]);
}

export function checkKeyPrefix(keyPrefix: string, who: string): string {
  if (typeof keyPrefix !== 'string' || keyPrefix.length === 0) {
    throw new ConfigError(`${who}: keyPrefix must be a non-empty string, got ${JSON.stringify(keyPrefix)}`);
  }
  return keyPrefix;
}

function parseField(field: string): [string, number] | undefined {
  try {
    const parsed: unknown = JSON.parse(field);
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && Number.isInteger(parsed[1])) {
      return [parsed[0], parsed[1] as number];
    }
  } catch {
    // Not ours: another writer's field in the same hash; ignored.
  }
  return undefined;
}

/**
 * Source offsets in Redis, one hash per job (an offset only ever moves forward: saving an older one,
 * as a batch re-run after a restart does, leaves the newer one in place): what the exactly-once Redis sink writes inside its
 * script, and what a direct stream reads on restart.
 *
 * ```ts
 * const offsets = redisOffsetStore({ keyPrefix: 'clicks', connection: 'redis://127.0.0.1:6379' });
 * await offsets.save('clicks-job', [{ topic: 'clicks', partition: 0, fromOffset: 0, untilOffset: 42 }]);
 * await offsets.load('clicks-job', ['clicks']); // [{ topic: 'clicks', partition: 0, offset: 42 }]
 * ```
 */
export function redisOffsetStore(options: RedisOffsetStoreOptions = {}): OffsetStore {
  const keyPrefix = checkKeyPrefix(options.keyPrefix ?? 'dstream', 'redisOffsetStore');
  const ownsProvider = options.provider === undefined;
  const provider = options.provider ?? redisProvider(options.connection, 'dstream-offsets');
  const where = describeConnection(options.connection);

  const withClient = async <R>(doing: string, fn: (client: RedisClient) => Promise<R>): Promise<R> => {
    const client = await provider.acquire();
    try {
      if (isClientBroken(client)) throw new Error('Connection is closed.');
      const result = await fn(client);
      provider.release(client);
      return result;
    } catch (error) {
      provider.release(client, error);
      throw mapRedisError(error, 'offsets', doing, where);
    }
  };

  return {
    name: `redis offsets (${keyPrefix}:offsets:*)`,
    async load(jobId, topics) {
      const wanted = new Set(topics);
      const all = await withClient(`loading offsets of job ${jobId}`, (c) =>
        c.hgetall(offsetsKey(keyPrefix, jobId)),
      );
      const result: TopicPartitionOffset[] = [];
      for (const [field, value] of Object.entries(all)) {
        const parsed = parseField(field);
        if (parsed === undefined || !wanted.has(parsed[0])) continue;
        result.push({ topic: parsed[0], partition: parsed[1], offset: Number(value) });
      }
      return result.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    },
    async save(jobId, ranges: readonly OffsetRange[]) {
      if (ranges.length === 0) return;
      const args: string[] = [];
      for (const r of ranges) args.push(offsetField(r.topic, r.partition), String(r.untilOffset));
      await withClient(`saving offsets of job ${jobId}`, (c) =>
        evalCached(c, raiseOffsetsScript, raiseOffsetsScriptSha, [offsetsKey(keyPrefix, jobId)], args),
      );
    },
    async close() {
      if (ownsProvider) await provider.close();
    },
  };
}
