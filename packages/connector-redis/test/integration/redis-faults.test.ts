import { randomUUID } from 'node:crypto';
import { DStreamError, type Sink, perExecutor } from '@dstream/core';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type RedisSinkMode,
  closeRedisClient,
  createRedisClient,
  redisOffsetStore,
  redisProvider,
  redisSink,
} from '../../src/index.js';
import { adminClient, deletePrefix, freshPrefix, redisUrl, sinkContext } from './redis-test-env.js';

let admin: Redis;
let prefix: string;
const sinks: Sink<unknown>[] = [];

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

/** The id of the connection with this CLIENT SETNAME, once it exists. */
async function clientIdByName(name: string): Promise<string | undefined> {
  const list = (await admin.client('LIST')) as string;
  const line = list.split('\n').find((l) => l.includes(` name=${name} `));
  return line?.match(/^id=(\d+)/)?.[1];
}

async function retryUntilDone(write: (attempt: number) => Promise<void>): Promise<number> {
  for (let attempt = 2; attempt <= 6; attempt++) {
    try {
      await write(attempt);
      return attempt;
    } catch (error) {
      if (!(DStreamError.isInstance(error) && error.retryable)) throw error;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
  throw new Error('the write did not succeed within 5 retries');
}

describe.each<RedisSinkMode>(['exactly-once', 'pipelined'])('CLIENT KILL mid-batch (%s)', (mode) => {
  it('fails the write with a retryable ConnectionError; the retry gets a new client', async () => {
    prefix = freshPrefix(`kill-${mode}`);
    const connectionName = `dstream-kill-${randomUUID()}`;
    const provider = redisProvider(redisUrl, connectionName);
    const sink = redisSink<number>({
      mode,
      provider,
      keyPrefix: prefix,
      maxCommandsPerScript: 500,
      pipelineSize: 500,
      commands: (n) => [
        { op: 'incrby', key: `${prefix}:total`, increment: n },
        { op: 'zincrby', key: `${prefix}:z`, member: `m${n % 10}`, increment: 1 },
      ],
    });
    sinks.push(sink as Sink<unknown>);
    const records = Array.from({ length: 200_000 }, (_, i) => (i % 5) + 1);
    const expectedTotal = records.reduce((a, b) => a + b, 0);
    const context = sinkContext({ outputId: prefix, batchTime: 77_000 });

    // Settled into a value at once so that its failure is never an unhandled rejection meanwhile.
    const first = sink.writePartition(records, context).then(
      () => undefined,
      (e: unknown) => e,
    );
    // Kill the connection once part of the partition is written (the counter has moved).
    let killed = false;
    const deadline = Date.now() + 20_000;
    while (!killed && Date.now() < deadline) {
      const id = await clientIdByName(connectionName);
      if (id !== undefined && Number(await admin.get(`${prefix}:total`)) > 0) {
        await admin.client('KILL', 'ID', id);
        killed = true;
      }
    }
    expect(killed).toBe(true);
    const error = await first;
    // 400 000 commands cannot all be written in the moment between the counter's first move and the kill.
    expect(DStreamError.isInstance(error) && error.code).toBe('CONNECTION');
    expect((error as DStreamError).retryable).toBe(true);
    expect((error as Error).message).not.toContain('redis://');
    await retryUntilDone((attempt) => sink.writePartition(records, { ...context, attempt }));
    expect(provider.stats().created).toBe(2);
    const total = Number(await admin.get(`${prefix}:total`));
    if (mode === 'exactly-once') {
      expect(total).toBe(expectedTotal);
      expect(Number(await admin.zscore(`${prefix}:z`, 'm3'))).toBe(40_000);
    } else {
      // At-least-once: nothing lost, possibly some applied twice.
      expect(total).toBeGreaterThanOrEqual(expectedTotal);
    }
  });
});

describe('a server that does not answer in time', () => {
  it('fails the write retryably (CLIENT PAUSE); the paused write still lands later, and the retry is exact', async () => {
    prefix = freshPrefix('paused');
    const provider = perExecutor(() => createRedisClient(redisUrl, undefined, { commandTimeout: 200 }), {
      close: closeRedisClient,
    });
    const sink = redisSink<number>({
      mode: 'exactly-once',
      provider,
      keyPrefix: prefix,
      commands: (n) => ({ op: 'incrby', key: `${prefix}:n`, increment: n }),
    });
    sinks.push(sink as Sink<unknown>);
    await sink.writePartition([1], sinkContext({ batchTime: 1_000 }));
    const context = sinkContext({ batchTime: 2_000 });
    await admin.call('CLIENT', 'PAUSE', '500', 'WRITE');
    const error = await sink.writePartition([1, 2, 3], context).catch((e: unknown) => e);
    expect(DStreamError.isInstance(error) && error.code).toBe('CONNECTION');
    expect((error as Error).message).toMatch(/timed out/);
    // The outcome is unknown to the sink: Redis runs the paused script once the pause ends.
    await retryUntilDone((attempt) => sink.writePartition([1, 2, 3], { ...context, attempt }));
    expect(await admin.get(`${prefix}:n`)).toBe('7');
    await provider.close();
  });
});

describe('server unreachable', () => {
  it('fails with a clear, retryable ConnectionError within a bounded time', async () => {
    prefix = freshPrefix('unreachable');
    const sink = redisSink<number>({
      mode: 'exactly-once',
      connection: 'redis://someone:s3cret-pass@127.0.0.1:1/0',
      commands: (n) => ({ op: 'incrby', key: `${prefix}:n`, increment: n }),
    });
    sinks.push(sink as Sink<unknown>);
    const started = Date.now();
    const error = await sink.writePartition([1], sinkContext()).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(DStreamError.isInstance(error) && error.code).toBe('CONNECTION');
    expect((error as DStreamError).retryable).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain('127.0.0.1:1');
    expect(message).toContain('ECONNREFUSED');
    expect(message).not.toContain('s3cret-pass');
    expect(sink.name).not.toContain('s3cret-pass');
  });

  it('the offset store fails the same way', async () => {
    prefix = freshPrefix('unreachable-offsets');
    const store = redisOffsetStore({ keyPrefix: prefix, connection: { host: '127.0.0.1', port: 1 } });
    await expect(store.load('job', ['t'])).rejects.toMatchObject({ code: 'CONNECTION', retryable: true });
    await store.close?.();
  });

  it('a client whose connection died while idle is replaced before the next write', async () => {
    prefix = freshPrefix('idle-death');
    const connectionName = `dstream-idle-${randomUUID()}`;
    const provider = redisProvider(redisUrl, connectionName);
    const sink = redisSink<number>({
      mode: 'pipelined',
      provider,
      commands: (n) => ({ op: 'incrby', key: `${prefix}:n`, increment: n }),
    });
    sinks.push(sink as Sink<unknown>);
    await sink.writePartition([1], sinkContext());
    const id = await clientIdByName(connectionName);
    expect(id).toBeDefined();
    await admin.client('KILL', 'ID', id as string);
    // Wait until the client itself has seen the close (what a long-idle executor client would be).
    const client = await provider.acquire();
    const deadline = Date.now() + 5_000;
    while (client.status !== 'end' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    provider.release(client);
    expect(client.status).toBe('end');
    await sink.writePartition([2], sinkContext({ batchTime: 2_000 }));
    expect(await admin.get(`${prefix}:n`)).toBe('3');
    expect(provider.stats().created).toBe(2);
  });
});
