import { randomUUID } from 'node:crypto';
import type { SinkContext } from '@dstream/core';
import { Redis } from 'ioredis';
import { redisSink } from '../src/index.js';

/**
 * Ops/s of redisSink (pipelined and exactly-once) against a hand-written ioredis pipeline of the
 * same commands (one pipeline per partition), on the same server in one run.
 * Server: DSTREAM_BENCH_REDIS_URL, default redis://127.0.0.1:6379.
 */
const url = process.env.DSTREAM_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const OPS = 100_000;
const PARTITIONS = 4;
const KEYS = 1000;
const ROUNDS = 4;

type Hit = [key: string, n: number];

function context(batchTime: number, partition: number): SinkContext {
  return {
    outputId: 'bench',
    batchTime,
    partition,
    numPartitions: PARTITIONS,
    offsetRanges: [],
    partitionOffsetRange: undefined,
    executorId: 0,
    attempt: 1,
  };
}

interface Variant {
  label: string;
  write: (partitions: Hit[][], round: number) => Promise<void>;
}

export async function run(): Promise<{ name: string; results: Array<{ label: string; opsPerSec: number }> }> {
  const prefix = `dstream-bench:${randomUUID()}`;
  const admin = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
  await admin.connect();
  const hits: Hit[] = Array.from({ length: OPS }, (_, i) => [`${prefix}:k${i % KEYS}`, (i % 3) + 1]);
  const expectedTotal = hits.reduce((sum, [, n]) => sum + n, 0);
  const partitions = Array.from({ length: PARTITIONS }, (_, p) =>
    hits.slice((p * OPS) / PARTITIONS, ((p + 1) * OPS) / PARTITIONS),
  );
  const hand = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
  await hand.connect();
  const commands = ([key, n]: Hit) => ({ op: 'incrby' as const, key, increment: n });
  const pipelined = redisSink<Hit>({ mode: 'pipelined', connection: url, keyPrefix: prefix, commands });
  const exactlyOnce = redisSink<Hit>({ mode: 'exactly-once', connection: url, keyPrefix: prefix, commands });
  const viaSink =
    (sink: typeof pipelined) =>
    async (parts: Hit[][], round: number): Promise<void> => {
      for (const [p, records] of parts.entries()) await sink.writePartition(records, context(round + 1, p));
    };
  const variants: Variant[] = [
    {
      label: 'hand-written ioredis pipeline (INCRBY)',
      write: async (parts) => {
        for (const records of parts) {
          const pipeline = hand.pipeline();
          for (const [key, n] of records) pipeline.incrby(key, n);
          await pipeline.exec();
        }
      },
    },
    { label: 'redisSink pipelined (INCRBY)', write: viaSink(pipelined) },
    { label: 'redisSink exactly-once (INCRBY, Lua)', write: viaSink(exactlyOnce) },
  ];
  const best = variants.map(() => 0);
  const counterKeys = Array.from({ length: KEYS }, (_, i) => `${prefix}:k${i}`);
  try {
    // Round-robin rounds so that background load falls on every variant alike; round 0 warms up.
    for (let round = 0; round <= ROUNDS; round++) {
      for (const [i, variant] of variants.entries()) {
        await admin.del(...counterKeys);
        const start = performance.now();
        await variant.write(partitions, round);
        const seconds = (performance.now() - start) / 1000;
        const values = await admin.mget(...counterKeys);
        const total = values.reduce((sum, v) => sum + Number(v), 0);
        if (total !== expectedTotal)
          throw new Error(`${variant.label}: total ${total}, expected ${expectedTotal}`);
        if (round > 0) best[i] = Math.max(best[i] ?? 0, OPS / seconds);
      }
    }
  } finally {
    await pipelined.close?.();
    await exactlyOnce.close?.();
    await hand.quit();
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await admin.del(...keys);
    } while (cursor !== '0');
    await admin.quit();
  }
  return {
    name: 'connector-redis: sink ops/s vs a hand-written ioredis pipeline',
    results: variants.map((v, i) => ({ label: v.label, opsPerSec: Math.round(best[i] ?? 0) })),
  };
}
