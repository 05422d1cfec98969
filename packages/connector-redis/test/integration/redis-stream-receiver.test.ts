import type { Receiver, ReceiverContext } from '@dstream/core';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type StreamEntry, redisStreamReceiver } from '../../src/index.js';
import { adminClient, deletePrefix, freshPrefix, redisUrl } from './redis-test-env.js';

let admin: Redis;
let prefix: string;
const running: Receiver<unknown>[] = [];

beforeAll(async () => {
  admin = await adminClient();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.onStop()));
  await deletePrefix(admin, prefix);
});
afterAll(async () => {
  await admin.quit();
});

/**
 * A receiver context of our own: it keeps what is stored, can refuse a storeAll (the block was not
 * made durable), and records restart requests, as core's supervisor would.
 */
class CollectingContext<T> implements ReceiverContext<T> {
  readonly blocks: T[][] = [];
  readonly restarts: Array<{ reason: string; error: unknown }> = [];
  readonly errors: string[] = [];
  failStores = 0;
  stopped = false;
  constructor(readonly streamId = 0) {}
  store(record: T): void {
    this.blocks.push([record]);
  }
  async storeAll(records: Iterable<T>): Promise<void> {
    if (this.failStores > 0) {
      this.failStores--;
      throw new Error('the WAL could not write the block');
    }
    this.blocks.push([...records]);
  }
  restart(reason: string, error?: unknown): void {
    this.restarts.push({ reason, error });
  }
  reportError(message: string): void {
    this.errors.push(message);
  }
  isStopped(): boolean {
    return this.stopped;
  }
  records(): T[] {
    return this.blocks.flat();
  }
}

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function pendingCount(stream: string, group: string): Promise<number> {
  const summary = (await admin.xpending(stream, group)) as [number, ...unknown[]];
  return summary[0];
}

async function addEntries(stream: string, from: number, count: number): Promise<void> {
  const pipeline = admin.pipeline();
  for (let i = from; i < from + count; i++) pipeline.xadd(stream, '*', 'n', String(i), 'text', `é'"${i}`);
  await pipeline.exec();
}

function start<T>(receiver: Receiver<T>, context: CollectingContext<T>): void {
  running.push(receiver as Receiver<unknown>);
  void receiver.onStart(context);
}

describe('redisStreamReceiver (real Redis, collecting context)', () => {
  it('reads new entries as blocks and acknowledges them after storeAll', async () => {
    prefix = freshPrefix('streams');
    const stream = `${prefix}:events`;
    const receiver = redisStreamReceiver({
      streams: stream,
      group: 'g',
      consumer: 'c1',
      connection: redisUrl,
      count: 25,
      blockMs: 100,
      startId: '0',
    });
    expect(receiver.reliable).toBe(true);
    await addEntries(stream, 0, 60);
    const context = new CollectingContext<StreamEntry>();
    start(receiver, context);
    await waitFor(() => context.records().length === 60, '60 records');
    await addEntries(stream, 60, 40);
    await waitFor(() => context.records().length === 100, '100 records');
    expect(context.records().map((r) => Number(r.fields.n))).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
    expect(context.records()[7]?.fields.text).toBe(`é'"7`);
    expect(context.records()[7]?.stream).toBe(stream);
    expect(Math.max(...context.blocks.map((b) => b.length))).toBeLessThanOrEqual(25);
    await waitFor(async () => (await pendingCount(stream, 'g')) === 0, 'acknowledgements');
    expect(context.restarts).toEqual([]);
  });

  it('does not acknowledge a block storeAll refused; the restarted consumer re-reads its pending entries', async () => {
    prefix = freshPrefix('streams-pending');
    const stream = `${prefix}:events`;
    const options = {
      streams: stream,
      group: 'g',
      consumer: 'c1',
      connection: redisUrl,
      blockMs: 100,
    } as const;
    const first = redisStreamReceiver<string>({ ...options, decode: (e) => e.fields.n ?? '' });
    const context = new CollectingContext<string>();
    context.failStores = 1;
    await admin.xgroup('CREATE', stream, 'g', '$', 'MKSTREAM');
    await addEntries(stream, 0, 10);
    start(first, context);
    await waitFor(() => context.restarts.length === 1, 'a restart request');
    expect(context.records()).toEqual([]);
    expect(String(context.restarts[0]?.error)).toContain('the WAL could not write the block');
    expect(await pendingCount(stream, 'g')).toBe(10);
    // What core's supervisor does on restart(): stop, then start again with a new context.
    await first.onStop();
    const again = new CollectingContext<string>();
    start(first, again);
    await waitFor(() => again.records().length === 10, 'the pending entries');
    expect(again.records()).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
    await waitFor(async () => (await pendingCount(stream, 'g')) === 0, 'acknowledgements');
  });

  it('claims entries a dead consumer left pending (XAUTOCLAIM) and deletes none', async () => {
    prefix = freshPrefix('streams-claim');
    const stream = `${prefix}:events`;
    await admin.xgroup('CREATE', stream, 'g', '$', 'MKSTREAM');
    await addEntries(stream, 0, 30);
    // Another instance read everything and died before acknowledging.
    const read = (await admin.xreadgroup(
      'GROUP',
      'g',
      'dead',
      'COUNT',
      100,
      'STREAMS',
      stream,
      '>',
    )) as unknown[];
    expect(read).toHaveLength(1);
    // One of its entries was deleted meanwhile: acknowledged-away without being delivered.
    const [[, entries]] = read as [[string, Array<[string, string[]]>]];
    await admin.xdel(stream, entries[0]?.[0] as string);
    await new Promise((r) => setTimeout(r, 60));
    const receiver = redisStreamReceiver<number>({
      streams: stream,
      group: 'g',
      consumer: 'alive',
      connection: redisUrl,
      blockMs: 100,
      count: 7,
      claimMinIdleMs: 50,
      decode: (e) => Number(e.fields.n),
    });
    const context = new CollectingContext<number>();
    start(receiver, context);
    await waitFor(() => context.records().length === 29, '29 claimed records');
    expect(context.records()).toEqual(Array.from({ length: 29 }, (_, i) => i + 1));
    await waitFor(async () => (await pendingCount(stream, 'g')) === 0, 'acknowledgements');
    // New entries still flow after the claim.
    await addEntries(stream, 30, 3);
    await waitFor(() => context.records().length === 32, 'new records');
  });

  it('a server that cannot be reached asks for a restart with a ConnectionError', async () => {
    prefix = freshPrefix('streams-down');
    const receiver = redisStreamReceiver({ streams: `${prefix}:s`, group: 'g', connection: { port: 1 } });
    const context = new CollectingContext<StreamEntry>();
    start(receiver, context);
    await waitFor(() => context.restarts.length === 1, 'a restart request');
    expect(context.restarts[0]?.error).toMatchObject({ code: 'CONNECTION', retryable: true });
  });

  it('rejects bad options', () => {
    expect(() => redisStreamReceiver({ streams: [], group: 'g' })).toThrow(/streams must be/);
    expect(() => redisStreamReceiver({ streams: 's', group: '' })).toThrow(/group must be/);
    expect(() => redisStreamReceiver({ streams: 's', group: 'g', blockMs: 0 })).toThrow(/blockMs must be/);
    expect(() => redisStreamReceiver({ streams: 's', group: 'g', consumer: '' })).toThrow(/consumer must be/);
  });
});
