import { randomUUID } from 'node:crypto';
import { ManualClock, StreamingContext } from '@dstream/core';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queue } from './fixtures/executors-job.js';
import { adminClient, deletePrefix, freshPrefix, redisUrl } from './redis-test-env.js';

let admin: Redis;
let prefix: string;

beforeAll(async () => {
  admin = await adminClient();
});
afterAll(async () => {
  await deletePrefix(admin, prefix);
  await admin.quit();
});

async function connectionsNamed(name: string): Promise<number> {
  const list = (await admin.client('LIST')) as string;
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}

describe('per-executor clients through StreamingContext executors', () => {
  it('2 executors × 3 batches × 4 partitions: one Redis connection per executor, counts exact', async () => {
    prefix = freshPrefix('executors');
    const connectionName = `dstream-exec-${randomUUID()}`;
    // Executors (worker threads) copy the environment when they start: the job module reads these.
    process.env.DSTREAM_TEST_CONNECTION_NAME = connectionName;
    process.env.DSTREAM_TEST_KEY_PREFIX = prefix;
    process.env.DSTREAM_REDIS_URL = redisUrl;
    const batch = (): Array<[string, number]> =>
      Array.from({ length: 100 }, (_, i): [string, number] => [`${prefix}:k${i % 10}`, 1]);
    queue.length = 0;
    queue.push(batch(), batch(), batch());
    const clock = new ManualClock();
    const ctx = await StreamingContext.fromModule(
      new URL('./fixtures/executors-job.ts', import.meta.url),
      'counters',
      {
        batchInterval: 1000,
        clock,
        executors: 2,
      },
    );
    try {
      await ctx.start();
      for (let i = 1; i <= 3; i++) {
        clock.advance(1000);
        await ctx.whenBatchCompleted(i * 1000);
      }
      expect(await connectionsNamed(connectionName)).toBe(2);
    } finally {
      await ctx.stop();
    }
    for (let i = 0; i < 10; i++) expect(await admin.get(`${prefix}:k${i}`)).toBe('30');
    expect(await connectionsNamed(connectionName)).toBe(0);
  }, 60_000);
});
