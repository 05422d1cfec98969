import { DStreamError, type Sink } from '@dstream/core';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type RedisCommand,
  type RedisSinkMode,
  redisCommands,
  redisProvider,
  redisSink,
} from '../../src/index.js';
import { adminClient, deletePrefix, freshPrefix, redisUrl, sinkContext } from './redis-test-env.js';

let admin: Redis;
let prefix: string;
const sinks: Sink<unknown>[] = [];

function track<T>(sink: Sink<T>): Sink<T> {
  sinks.push(sink as Sink<unknown>);
  return sink;
}

beforeAll(async () => {
  admin = await adminClient();
});
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close?.()));
  if (prefix !== undefined) await deletePrefix(admin, prefix);
});
afterAll(async () => {
  await admin.quit();
});

const modes: RedisSinkMode[] = ['pipelined', 'exactly-once'];

describe.each(modes)('redisSink (%s) writes each command kind', (mode) => {
  it('SET, HSET, INCRBY, HINCRBY, ZINCRBY, XADD, EXPIRE', async () => {
    prefix = freshPrefix(`kinds-${mode}`);
    const k = (name: string) => `${prefix}:${name}`;
    const sink = track(
      redisSink<RedisCommand[]>({ mode, connection: redisUrl, keyPrefix: prefix, commands: (cmds) => cmds }),
    );
    await sink.writePartition(
      [
        [
          { op: 'set', key: k('s'), value: 'v1' },
          redisCommands.set(k('ttl'), 42, 100),
          { op: 'hset', key: k('h'), fields: { a: '1', b: 2 } },
          { op: 'incrby', key: k('n'), increment: 5 },
          redisCommands.incrby(k('n'), -2),
        ],
        [
          { op: 'hincrby', key: k('hc'), field: 'f', increment: 7 },
          { op: 'zincrby', key: k('z'), member: 'm', increment: 1.5 },
          redisCommands.zincrby(k('z'), 'm', 2),
          { op: 'xadd', key: k('x'), fields: { f: 'auto' } },
          { op: 'xadd', key: k('xe'), id: '5-1', fields: { f: 'explicit' } },
          { op: 'expire', key: k('s'), seconds: 500 },
        ],
      ],
      sinkContext({ outputId: prefix }),
    );
    expect(await admin.get(k('s'))).toBe('v1');
    expect(await admin.ttl(k('s'))).toBeGreaterThan(400);
    expect(await admin.get(k('ttl'))).toBe('42');
    expect(await admin.ttl(k('ttl'))).toBeGreaterThan(50);
    expect(await admin.hgetall(k('h'))).toEqual({ a: '1', b: '2' });
    expect(await admin.get(k('n'))).toBe('3');
    expect(await admin.hget(k('hc'), 'f')).toBe('7');
    expect(Number(await admin.zscore(k('z'), 'm'))).toBe(3.5);
    const auto = await admin.xrange(k('x'), '-', '+');
    expect(auto.map(([, f]) => f)).toEqual([['f', 'auto']]);
    expect(await admin.xrange(k('xe'), '-', '+')).toEqual([['5-1', ['f', 'explicit']]]);
  });

  it('stores hostile values and keys verbatim (quotes, unicode, NUL, 1 MB)', async () => {
    prefix = freshPrefix(`hostile-${mode}`);
    const big = 'x'.repeat(1024 * 1024 - 3) + 'end';
    const values = [
      `'"; DROP TABLE t; --`,
      'ünïcødé 😀 中文 \u202e',
      'line\nbreak\r\n\ttab',
      'nul\u0000byte',
      '{"json":true}',
      'return redis.call("FLUSHALL")',
      big,
    ];
    const sink = track(
      redisSink<[string, string]>({
        mode,
        connection: redisUrl,
        keyPrefix: prefix,
        commands: ([key, value]) => [
          { op: 'set', key: `${prefix}:s:${key}`, value },
          { op: 'hset', key: `${prefix}:h`, fields: { [key]: value } },
        ],
      }),
    );
    const records = values.map((v, i): [string, string] => [`${i}:${v.slice(0, 40)}`, v]);
    await sink.writePartition(records, sinkContext({ outputId: prefix }));
    for (const [key, value] of records) {
      expect(await admin.get(`${prefix}:s:${key}`)).toBe(value);
      expect(await admin.hget(`${prefix}:h`, key)).toBe(value);
    }
    const buffer = Buffer.from([0, 255, 1, 254]);
    const binarySink = track(
      redisSink<Buffer>({
        mode,
        connection: redisUrl,
        keyPrefix: prefix,
        commands: (b) => ({ op: 'set', key: `${prefix}:bin`, value: b }),
      }),
    );
    await binarySink.writePartition([buffer], sinkContext({ outputId: `${prefix}-bin` }));
    expect(await admin.getBuffer(`${prefix}:bin`)).toEqual(buffer);
  });

  it('shares one client per provider across concurrent partitions', async () => {
    prefix = freshPrefix(`provider-${mode}`);
    const provider = redisProvider(redisUrl);
    const sink = track(
      redisSink<number>({
        mode,
        provider,
        keyPrefix: prefix,
        commands: (n) => ({ op: 'incrby', key: `${prefix}:sum`, increment: n }),
      }),
    );
    const partitions = Array.from({ length: 8 }, (_, p) => Array.from({ length: 500 }, () => p + 1));
    await Promise.all(
      partitions.map((records, partition) =>
        sink.writePartition(records, sinkContext({ outputId: prefix, partition, numPartitions: 8 })),
      ),
    );
    expect(await admin.get(`${prefix}:sum`)).toBe(String(500 * ((8 * 9) / 2)));
    expect(provider.stats()).toMatchObject({ created: 1, closed: 0, inUse: 0 });
    await provider.close();
    expect(provider.stats().closed).toBe(1);
  });

  it('reports a command Redis rejects as a non-retryable SinkWriteError and applies the others', async () => {
    prefix = freshPrefix(`rejected-${mode}`);
    await admin.set(`${prefix}:text`, 'not a number');
    const sink = track(
      redisSink<string>({
        mode,
        connection: redisUrl,
        keyPrefix: prefix,
        commands: (key) => ({ op: 'incrby', key: `${prefix}:${key}`, increment: 1 }),
      }),
    );
    const context = sinkContext({ outputId: prefix });
    const error = await sink.writePartition(['a', 'text', 'b'], context).catch((e: unknown) => e);
    expect(DStreamError.isInstance(error) && error.code).toBe('SINK_WRITE');
    expect((error as DStreamError).retryable).toBe(false);
    expect((error as Error).message).toContain(`incrby on key ${prefix}:text`);
    expect(await admin.mget(`${prefix}:a`, `${prefix}:b`, `${prefix}:text`)).toEqual([
      '1',
      '1',
      'not a number',
    ]);
    if (mode === 'exactly-once') {
      // The marker was written with the partition: a replay does not apply a and b again.
      await sink.writePartition(['a', 'text', 'b'], { ...context, attempt: 2 });
      expect(await admin.mget(`${prefix}:a`, `${prefix}:b`)).toEqual(['1', '1']);
    }
  });
});

describe('redisSink declarations and validation', () => {
  it('declares its guarantee honestly', () => {
    const commands = (): RedisCommand => ({ op: 'set', key: 'k', value: 'v' });
    expect(redisSink({ mode: 'pipelined', commands }).guarantee).toBe('at-least-once');
    expect(redisSink({ mode: 'pipelined', idempotent: true, commands }).guarantee).toBe('idempotent');
    const exact = redisSink({ mode: 'exactly-once', commands });
    expect(exact.guarantee).toBe('transactional');
    expect(exact.offsetStore).toBeDefined();
    expect(exact.mechanism).toContain('Lua');
  });

  it('rejects bad options and bad commands with ConfigErrors naming them', async () => {
    const commands = (): RedisCommand => ({ op: 'set', key: 'k', value: 'v' });
    expect(() => redisSink({ mode: 'fast' as RedisSinkMode, commands })).toThrow(/mode must be/);
    expect(() => redisSink({ mode: 'exactly-once', idempotent: true, commands })).toThrow(/idempotent/);
    expect(() => redisSink({ mode: 'pipelined', pipelineSize: 0, commands })).toThrow(/pipelineSize/);
    prefix = freshPrefix('validation');
    const sink = track(
      redisSink<RedisCommand>({
        mode: 'pipelined',
        idempotent: true,
        connection: redisUrl,
        commands: (c) => c,
      }),
    );
    await expect(
      sink.writePartition([{ op: 'incrby', key: `${prefix}:n`, increment: 1 }], sinkContext()),
    ).rejects.toThrow(/incrby on key .* is not idempotent/);
    await expect(
      sink.writePartition([{ op: 'incrby', key: `${prefix}:n`, increment: 1.5 }], sinkContext()),
    ).rejects.toThrow(/incrby increment must be a whole number/);
    expect(await admin.exists(`${prefix}:n`)).toBe(0);
  });

  it('pipelined idempotent mode: a replay leaves the same result, explicit XADD ids included', async () => {
    prefix = freshPrefix('idempotent');
    const sink = track(
      redisSink<number>({
        mode: 'pipelined',
        idempotent: true,
        connection: redisUrl,
        commands: (n) => [
          { op: 'set', key: `${prefix}:s:${n}`, value: n * 2 },
          { op: 'xadd', key: `${prefix}:x`, id: `${n}-0`, fields: { n: String(n) } },
        ],
      }),
    );
    const records = Array.from({ length: 50 }, (_, i) => i + 1);
    await sink.writePartition(records, sinkContext());
    await sink.writePartition(records, sinkContext({ attempt: 2 }));
    expect(await admin.xlen(`${prefix}:x`)).toBe(50);
    expect(await admin.get(`${prefix}:s:50`)).toBe('100');
  });
});
