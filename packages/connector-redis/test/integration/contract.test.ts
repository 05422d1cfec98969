import { randomUUID } from 'node:crypto';
import { describeSinkContract } from '@dstream/core/testing';
import { afterAll, beforeAll } from 'vitest';
import type { Redis } from 'ioredis';
import { redisSink } from '../../src/index.js';
import { adminClient, deletePrefix, freshPrefix, redisUrl } from './redis-test-env.js';

let admin: Redis;
beforeAll(async () => {
  admin = await adminClient();
});
afterAll(async () => {
  await admin.quit();
});

const records = Array.from({ length: 40 }, (_, i): [string, number] => [`page-${i % 9}`, (i % 4) + 1]);

function expectedCounts(recs: Array<[string, number]>): unknown[] {
  const sums = new Map<string, number>();
  for (const [page, n] of recs) sums.set(page, (sums.get(page) ?? 0) + n);
  return [...sums].map(([page, n]) => [page, String(n)]);
}

describeSinkContract<[string, number]>('redisSink exactly-once (HINCRBY counters)', async () => {
  const prefix = freshPrefix('contract-exactly-once');
  return {
    sink: redisSink<[string, number]>({
      mode: 'exactly-once',
      connection: redisUrl,
      keyPrefix: prefix,
      commands: ([page, n]) => ({ op: 'hincrby', key: `${prefix}:counts`, field: page, increment: n }),
    }),
    records,
    read: async () => Object.entries(await admin.hgetall(`${prefix}:counts`)),
    expected: expectedCounts,
    cleanup: () => deletePrefix(admin, prefix),
  };
});

// At-least-once output is compared as a multiset of appended items: XADD with Redis-assigned ids.
describeSinkContract<[string, number]>('redisSink pipelined (XADD appends)', async () => {
  const prefix = freshPrefix('contract-pipelined');
  return {
    sink: redisSink<[string, number]>({
      mode: 'pipelined',
      connection: redisUrl,
      commands: ([page, n]) => ({ op: 'xadd', key: `${prefix}:log`, fields: { page, n } }),
    }),
    records,
    read: async () =>
      (await admin.xrange(`${prefix}:log`, '-', '+')).map(([, f]) => [f[1] as string, Number(f[3])]),
    expected: (recs) => recs,
    cleanup: () => deletePrefix(admin, prefix),
  };
});

describeSinkContract<string>('redisSink pipelined idempotent (SET)', async () => {
  const prefix = freshPrefix('contract-idempotent');
  return {
    sink: redisSink<string>({
      mode: 'pipelined',
      idempotent: true,
      connection: redisUrl,
      commands: (id) => ({ op: 'set', key: `${prefix}:item:${id}`, value: id.toUpperCase() }),
    }),
    records: Array.from({ length: 12 }, () => randomUUID()),
    read: async () => {
      const keys = await admin.keys(`${prefix}:item:*`);
      return keys.length === 0 ? [] : await admin.mget(...keys);
    },
    expected: (recs) => recs.map((r) => r.toUpperCase()),
    cleanup: () => deletePrefix(admin, prefix),
  };
});
