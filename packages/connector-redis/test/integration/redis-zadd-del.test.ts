import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisCommand, type RedisSinkMode, redisSink } from '../../src/index.js';
import { adminClient, deletePrefix, freshPrefix, redisUrl, sinkContext } from './redis-test-env.js';

let admin: Redis;
let prefix: string;

beforeAll(async () => {
  admin = await adminClient();
});
afterEach(async () => {
  if (prefix !== undefined) await deletePrefix(admin, prefix);
});
afterAll(async () => {
  await admin.quit();
});

const modes: RedisSinkMode[] = ['pipelined', 'exactly-once'];

describe.each(modes)('redisSink (%s): ZADD and DEL rebuild a sorted set', (mode) => {
  it('DEL then ZADD leaves exactly the new scores, and a replay leaves the same set', async () => {
    prefix = freshPrefix(`zadd-${mode}`);
    const key = `${prefix}:leaderboard`;
    await admin.zadd(key, 99, '/stale');
    const sink = redisSink<RedisCommand[]>({
      mode,
      ...(mode === 'pipelined' ? { idempotent: true } : {}),
      connection: redisUrl,
      keyPrefix: prefix,
      commands: (cmds) => cmds,
    });
    const batch: RedisCommand[][] = [
      [
        { op: 'del', key },
        { op: 'zadd', key, scores: { '/home': 3, '/cart': 1.5 } },
      ],
    ];
    try {
      await sink.writePartition(batch, sinkContext({ outputId: prefix, batchTime: 1000 }));
      await sink.writePartition(batch, sinkContext({ outputId: prefix, batchTime: 1000, attempt: 2 }));
    } finally {
      await sink.close?.();
    }
    expect(await admin.zrange(key, '0', '-1', 'WITHSCORES')).toEqual(['/cart', '1.5', '/home', '3']);
  });
});
