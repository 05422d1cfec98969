import { randomUUID } from 'node:crypto';
import type { SinkContext } from '@dstream/core';
import { Redis } from 'ioredis';

/** The Redis server our machines run; tests fail (never skip) with how to start it when it is down. */
export const redisUrl = process.env.DSTREAM_REDIS_URL ?? 'redis://127.0.0.1:6379';

const howToStart =
  'start it with: redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no';

/** A plain ioredis client for checking what the sink wrote (not the code under test). */
export async function adminClient(): Promise<Redis> {
  const client = new Redis(redisUrl, {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(`Redis is not reachable at ${redisUrl} (${String(error)}); ${howToStart}`);
  }
  return client;
}

/** A fresh key prefix per test. */
export function freshPrefix(label: string): string {
  return `dstream-test:${label}:${randomUUID()}`;
}

/** Deletes every key under a prefix. */
export async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
}

export function sinkContext(overrides: Partial<SinkContext> = {}): SinkContext {
  return {
    outputId: 'output-1',
    batchTime: 1_000,
    partition: 0,
    numPartitions: 1,
    offsetRanges: [],
    partitionOffsetRange: undefined,
    executorId: 0,
    attempt: 1,
    ...overrides,
  };
}
