import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientProvider } from '@dstream/core';
import { createTestContext } from '@dstream/core/testing';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisClient, redisProvider, redisSink, redisStreamReceiver } from '../../src/index.js';
import { adminClient, deletePrefix, freshPrefix, redisUrl } from './redis-test-env.js';

let admin: Redis;
let prefix: string;

beforeAll(async () => {
  admin = await adminClient();
});
afterEach(async () => {
  await deletePrefix(admin, prefix);
});
afterAll(async () => {
  await admin.quit();
});

const lines = [
  ['the quick brown fox', 'jumps over the lazy dog'],
  ['the dog barks', 'the fox runs'],
  ['quick quick quick'],
];

function expectedCounts(): Record<string, string> {
  const counts: Record<string, number> = {};
  for (const batch of lines)
    for (const line of batch) for (const w of line.split(' ')) counts[w] = (counts[w] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).map(([w, n]) => [w, String(n)]));
}

/**
 * The real provider, except that the `killAt`-th acquire has Redis kill the client's connection
 * (CLIENT KILL from a second client) just before the sink writes with it.
 */
function killingProvider(killAt: number): { provider: ClientProvider<RedisClient>; killed: string[] } {
  const inner = redisProvider(redisUrl);
  const killed: string[] = [];
  let acquires = 0;
  const provider: ClientProvider<RedisClient> = {
    ...inner,
    async acquire() {
      const client = await inner.acquire();
      if (++acquires === killAt) {
        const id = String(await client.client('ID'));
        await admin.client('KILL', 'ID', id);
        killed.push(id);
      }
      return client;
    },
  };
  return { provider, killed };
}

/** Waits until the group has delivered `count` entries and none is pending (stored and acknowledged). */
async function waitForAcknowledged(stream: string, count: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const groups = (await admin.xinfo('GROUPS', stream)) as unknown[][];
    const info = groups[0] as unknown[];
    const read = Number(info[info.indexOf('entries-read') + 1]);
    const pending = Number(info[info.indexOf('pending') + 1]);
    if (read === count && pending === 0) return;
    if (Date.now() > deadline) throw new Error(`receiver stored ${read} of ${count} (pending ${pending})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function wordCountJob(sinkOptions: { provider?: ClientProvider<RedisClient> } = {}) {
  const test = createTestContext({ batchInterval: 1000, defaultParallelism: 2 });
  const sink = redisSink<[string, number]>({
    mode: 'exactly-once',
    connection: redisUrl,
    keyPrefix: prefix,
    ...sinkOptions,
    commands: ([word, n]) => [
      { op: 'hincrby', key: `${prefix}:counts`, field: word, increment: n },
      { op: 'zincrby', key: `${prefix}:top`, member: word, increment: n },
    ],
  });
  test.ctx
    .queueStream(lines.map((b) => [...b]))
    .flatMap((line) => line.split(' '))
    .map((w): [string, number] => [w, 1])
    .reduceByKey((a, b) => a + b)
    .to(sink);
  return { test, sink };
}

describe('redisSink and redisStreamReceiver in a StreamingContext', () => {
  it('queueStream → reduceByKey → exactly-once sink adds each batch once', async () => {
    prefix = freshPrefix('ctx-wordcount');
    const { test, sink } = wordCountJob();
    expect(test.ctx.guarantees()[0]?.reasons.at(-1)).toMatch(/transactional \(Lua script/);
    await test.advance(3);
    await test.stop();
    await sink.close?.();
    expect(await admin.hgetall(`${prefix}:counts`)).toEqual(expectedCounts());
    expect(await admin.zscore(`${prefix}:top`, 'quick')).toBe('4');
  });

  it('a connection killed by the server mid-job is retried by the engine: nothing lost, nothing doubled', async () => {
    prefix = freshPrefix('ctx-kill');
    const { provider, killed } = killingProvider(2);
    const { test } = wordCountJob({ provider });
    await test.advance(3);
    await test.stop();
    expect(killed).toHaveLength(1);
    expect(provider.stats().created).toBe(2);
    await provider.close();
    expect(await admin.hgetall(`${prefix}:counts`)).toEqual(expectedCounts());
  });

  it('redisStreamReceiver → reduceByKey → exactly-once sink, acknowledged after the blocks are stored', async () => {
    prefix = freshPrefix('ctx-streams');
    const stream = `${prefix}:clicks`;
    await admin.xgroup('CREATE', stream, 'counter', '$', 'MKSTREAM');
    const test = createTestContext({ batchInterval: 1000, defaultParallelism: 2 });
    const sink = redisSink<[string, number]>({
      mode: 'exactly-once',
      connection: redisUrl,
      keyPrefix: prefix,
      commands: ([page, n]) => ({ op: 'hincrby', key: `${prefix}:views`, field: page, increment: n }),
    });
    test.ctx
      .receiverStream(
        redisStreamReceiver<string>({
          streams: stream,
          group: 'counter',
          consumer: 'job-1',
          connection: redisUrl,
          blockMs: 100,
          decode: (e) => e.fields.page ?? '?',
        }),
      )
      .map((page): [string, number] => [page, 1])
      .reduceByKey((a, b) => a + b)
      .to(sink);
    expect(test.ctx.guarantees()[0]?.reasons[0]).toContain('redis streams');
    await test.ctx.start();
    for (let i = 0; i < 30; i++) await admin.xadd(stream, '*', 'page', `p${i % 3}`);
    await waitForAcknowledged(stream, 30);
    await test.advance(1);
    await test.stop();
    await sink.close?.();
    expect(await admin.hgetall(`${prefix}:views`)).toEqual({ p0: '10', p1: '10', p2: '10' });
  });

  it('the receiver survives CLIENT KILL of its connection: core restarts it and nothing is lost', async () => {
    prefix = freshPrefix('ctx-streams-kill');
    const stream = `${prefix}:clicks`;
    await admin.xgroup('CREATE', stream, 'counter', '$', 'MKSTREAM');
    const test = createTestContext({ batchInterval: 1000, receiverRestartDelay: 50 });
    const sink = redisSink<[string, number]>({
      mode: 'exactly-once',
      connection: redisUrl,
      keyPrefix: prefix,
      commands: ([page, n]) => ({ op: 'hincrby', key: `${prefix}:views`, field: page, increment: n }),
    });
    test.ctx
      .receiverStream(
        redisStreamReceiver<string>({
          streams: stream,
          group: 'counter',
          consumer: `job-${prefix}`,
          connection: redisUrl,
          blockMs: 5_000,
          decode: (e) => e.fields.page ?? '?',
        }),
      )
      .map((page): [string, number] => [page, 1])
      .reduceByKey((a, b) => a + b)
      .to(sink);
    await test.ctx.start();
    for (let i = 0; i < 10; i++) await admin.xadd(stream, '*', 'page', 'a');
    await waitForAcknowledged(stream, 10);
    // Kill the receiver's connection while it blocks in XREADGROUP.
    const list = (await admin.client('LIST')) as string;
    const id = list
      .split('\n')
      .find((l) => l.includes(` name=dstream-receiver-job-${prefix} `))
      ?.match(/^id=(\d+)/)?.[1];
    expect(id).toBeDefined();
    await admin.client('KILL', 'ID', id as string);
    for (let i = 0; i < 10; i++) await admin.xadd(stream, '*', 'page', 'b');
    await waitForAcknowledged(stream, 20);
    await test.advance(1);
    await test.stop();
    await sink.close?.();
    expect(await admin.hgetall(`${prefix}:views`)).toEqual({ a: '10', b: '10' });
  });

  it('with the write-ahead log on, blocks are durable before XACK and the counts are exact', async () => {
    prefix = freshPrefix('ctx-streams-wal');
    const stream = `${prefix}:clicks`;
    await admin.xgroup('CREATE', stream, 'counter', '$', 'MKSTREAM');
    const directory = await mkdtemp(join(tmpdir(), 'dstream-redis-wal-'));
    try {
      const test = createTestContext({
        batchInterval: 1000,
        writeAheadLog: { directory },
      });
      const sink = redisSink<[string, number]>({
        mode: 'exactly-once',
        connection: redisUrl,
        keyPrefix: prefix,
        commands: ([page, n]) => ({ op: 'hincrby', key: `${prefix}:views`, field: page, increment: n }),
      });
      test.ctx
        .receiverStream(
          redisStreamReceiver<string>({
            streams: stream,
            group: 'counter',
            consumer: 'wal-job',
            connection: redisUrl,
            blockMs: 100,
            decode: (e) => e.fields.page ?? '?',
          }),
        )
        .map((page): [string, number] => [page, 1])
        .reduceByKey((a, b) => a + b)
        .to(sink);
      // Reliable + WAL: core counts the receiver as replayable. (A crash between a block's WAL write and
      // its XACK re-delivers those entries, so the stream itself is at-least-once, as in Spark.)
      expect(test.ctx.guarantees()[0]?.reasons[0]).toMatch(/: replayable/);
      await test.ctx.start();
      for (let i = 0; i < 12; i++) await admin.xadd(stream, '*', 'page', `p${i % 2}`);
      await waitForAcknowledged(stream, 12);
      await test.advance(1);
      await test.stop();
      await sink.close?.();
      expect(await admin.hgetall(`${prefix}:views`)).toEqual({ p0: '6', p1: '6' });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
