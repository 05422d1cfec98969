import { ConnectionError, SinkWriteError } from '@dstream/core';
import { describe, expect, it } from 'vitest';
import { commandChunks, fingerprint } from '../src/command-chunks.js';
import { describeConnection } from '../src/redis-client.js';
import {
  type EncodedCommand,
  type RedisCommand,
  encodeCommand,
  maxFieldsPerCommand,
} from '../src/redis-command.js';
import { mapRedisError } from '../src/redis-errors.js';

function encode(command: RedisCommand): EncodedCommand[] {
  const out: EncodedCommand[] = [];
  encodeCommand(command, out);
  return out;
}

describe('encodeCommand', () => {
  it('turns each op into its wire arguments and says whether it is idempotent', () => {
    expect(encode({ op: 'set', key: 'k', value: 'v', ttlSeconds: 5 })[0]).toMatchObject({
      args: ['v', 'EX', 5],
      idempotent: true,
    });
    expect(encode({ op: 'incrby', key: 'k', increment: -3 })[0]).toMatchObject({
      args: [-3],
      idempotent: false,
    });
    expect(encode({ op: 'zincrby', key: 'k', member: 'm', increment: 0.5 })[0]?.args).toEqual([0.5, 'm']);
    expect(encode({ op: 'xadd', key: 'k', fields: { a: 1 }, maxLen: 10 })[0]).toMatchObject({
      args: ['MAXLEN', '~', 10, '*', 'a', 1],
      idempotent: false,
    });
    expect(encode({ op: 'xadd', key: 'k', id: '12-3', fields: { a: 'b' } })[0]).toMatchObject({
      idempotent: true,
      explicitStreamId: true,
    });
    expect(encode({ op: 'expire', key: 'k', seconds: 9 })[0]?.args).toEqual([9]);
    expect(encode({ op: 'zadd', key: 'k', scores: { a: 3, b: 1.5 } })[0]).toMatchObject({
      args: [3, 'a', 1.5, 'b'],
      idempotent: true,
    });
    expect(encode({ op: 'del', key: 'k' })[0]).toMatchObject({ op: 'del', args: [], idempotent: true });
  });

  it('splits a large HSET into several on the same key', () => {
    const fields = Object.fromEntries(Array.from({ length: 2500 }, (_, i) => [`f${i}`, i]));
    const out = encode({ op: 'hset', key: 'h', fields });
    expect(out.map((c) => c.args.length / 2)).toEqual([maxFieldsPerCommand, maxFieldsPerCommand, 500]);
    expect(out.every((c) => c.key === 'h' && c.op === 'hset')).toBe(true);
  });

  it('rejects invalid commands with messages naming the problem', () => {
    expect(() => encode({ op: 'incrby', key: 'k', increment: 1.5 })).toThrow(
      /incrby increment must be a whole/,
    );
    expect(() => encode({ op: 'set', key: '', value: 'v' })).toThrow(/non-empty string key/);
    expect(() => encode({ op: 'zincrby', key: 'k', member: 'm', increment: Number.NaN })).toThrow(/finite/);
    expect(() => encode({ op: 'xadd', key: 'k', id: 'abc', fields: { a: 'b' } })).toThrow(/xadd id/);
    expect(() => encode({ op: 'hset', key: 'k', fields: {} })).toThrow(/fields is empty/);
    expect(() => encode({ op: 'flushall', key: 'k' } as unknown as RedisCommand)).toThrow(
      /unknown op "flushall"/,
    );
    expect(() => encode({ op: 'zadd', key: 'k', scores: { a: Number.NaN } })).toThrow(/zadd score of "a"/);
    expect(() => encode({ op: 'zadd', key: 'k', scores: {} })).toThrow(/zadd.scores is empty/);
    expect(() => encode({ op: 'set', key: 'k', value: {} } as unknown as RedisCommand)).toThrow(
      /string, Buffer/,
    );
  });
});

describe('commandChunks', () => {
  const build = (n: number): RedisCommand[] =>
    Array.from({ length: n }, (_, i) => ({ op: 'incrby', key: `k${i}`, increment: 1 }));

  it('cuts chunks of at most maxCommands and marks the last one', () => {
    const chunks = [...commandChunks([3, 3, 3, 0, 2], build, 4, 1 << 20)];
    expect(chunks.map((c) => [c.index, c.commands.length, c.last])).toEqual([
      [0, 4, false],
      [1, 4, false],
      [2, 3, true],
    ]);
  });

  it('yields one empty last chunk for a partition without commands', () => {
    expect([...commandChunks([0, 0], build, 4, 1 << 20)]).toEqual([{ commands: [], index: 0, last: true }]);
  });

  it('bounds chunks by bytes, a single larger command getting its own chunk', () => {
    const big = (size: number): RedisCommand => ({ op: 'set', key: 'k', value: 'x'.repeat(size) });
    const chunks = [...commandChunks([100, 100, 5000, 100], big, 1000, 1000)];
    expect(chunks.map((c) => c.commands.length)).toEqual([2, 1, 1]);
  });

  it('fingerprints content and order', () => {
    const a = encode({ op: 'set', key: 'k', value: 'v' });
    const b = encode({ op: 'set', key: 'k', value: 'w' });
    expect(fingerprint([...a, ...b])).toBe(fingerprint([...a, ...b]));
    expect(fingerprint([...a, ...b])).not.toBe(fingerprint([...b, ...a]));
  });
});

describe('describeConnection and mapRedisError', () => {
  it('never shows credentials', () => {
    expect(describeConnection('redis://user:hunter2@cache.local:6380/2')).toBe('cache.local:6380/2');
    expect(describeConnection({ host: 'h', port: 1, password: 'hunter2' })).toBe('h:1');
    expect(describeConnection('not a url hunter2')).not.toContain('hunter2');
  });

  it('maps socket errors to retryable ConnectionErrors and replies to SinkWriteErrors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const mapped = mapRedisError(refused, 'sink', 'connecting', '127.0.0.1:1');
    expect(mapped).toBeInstanceOf(ConnectionError);
    expect(mapped.retryable).toBe(true);
    const reply = Object.assign(new Error('WRONGTYPE Operation against a key'), { name: 'ReplyError' });
    const write = mapRedisError(reply, 'sink', 'writing');
    expect(write).toBeInstanceOf(SinkWriteError);
    expect(write.retryable).toBe(false);
    const busy = Object.assign(new Error('BUSY Redis is busy running a script'), { name: 'ReplyError' });
    expect(mapRedisError(busy, 'sink', 'writing').retryable).toBe(true);
    const auth = Object.assign(new Error('WRONGPASS invalid password'), { name: 'ReplyError' });
    expect(mapRedisError(auth, 'sink', 'connecting').code).toBe('CONFIG');
    expect(mapRedisError(reply, 'source', 'reading').code).toBe('SOURCE_READ');
  });
});
