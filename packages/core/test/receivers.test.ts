import { type Server, type Socket, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ManualClock,
  type Receiver,
  type ReceiverContext,
  type ReceiverInfo,
  StreamingContext,
} from '../src/index.js';
import { collect, createTestContext } from '../src/testing/index.js';

const waitFor = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('custom receivers', () => {
  it('store, storeAll and blocks: records stored before a batch time land in that batch', async () => {
    let context: ReceiverContext<number> | undefined;
    const receiver: Receiver<number> = {
      name: 'manual',
      onStart(c) {
        context = c;
      },
      onStop() {},
    };
    const { ctx, advance } = createTestContext({ blockInterval: 200 });
    const out = collect(ctx.receiverStream(receiver));
    await ctx.start();
    context!.store(1);
    context!.store(2);
    await context!.storeAll([3, 4]);
    await advance(1);
    context!.store(5);
    await advance(1);
    await advance(1);
    expect(out).toEqual([[3, 4, 1, 2], [5], []]);
    await ctx.stop();
  });

  it('a receiver that throws on start is restarted after the delay, and errors reach listeners', async () => {
    let starts = 0;
    let context: ReceiverContext<string> | undefined;
    const errors: ReceiverInfo[] = [];
    const receiver: Receiver<string> = {
      name: 'flaky',
      onStart(c) {
        starts++;
        if (starts === 1) throw new Error('cannot connect');
        context = c;
      },
      onStop() {},
    };
    const { ctx, advance } = createTestContext({
      receiverRestartDelay: 10,
      listeners: [{ onReceiverError: (e) => errors.push(e) }],
    });
    const out = collect(ctx.receiverStream(receiver));
    await ctx.start();
    await waitFor(() => starts === 2);
    context!.store('after restart');
    await advance(1);
    expect(out).toEqual([['after restart']]);
    expect(errors[0]?.message).toMatch(/failed to start/);
    expect(String(errors[0]?.error)).toMatch(/cannot connect/);
    await ctx.stop();
  });

  it('restart() from the receiver stops and starts it again; stale callbacks are ignored', async () => {
    const contexts: ReceiverContext<string>[] = [];
    let stops = 0;
    const receiver: Receiver<string> = {
      name: 'restarting',
      onStart(c) {
        contexts.push(c);
      },
      onStop() {
        stops++;
      },
    };
    const { ctx, advance } = createTestContext({ receiverRestartDelay: 5 });
    const out = collect(ctx.receiverStream(receiver));
    await ctx.start();
    contexts[0]!.restart('lost connection');
    expect(contexts[0]!.isStopped()).toBe(true);
    await waitFor(() => contexts.length === 2);
    contexts[0]!.store('stale');
    contexts[1]!.store('fresh');
    await advance(1);
    expect(out).toEqual([['fresh']]);
    expect(stops).toBe(1);
    await ctx.stop();
    expect(stops).toBe(2);
  });

  it('graceful stop processes what receivers stored before stopping', async () => {
    let context: ReceiverContext<number> | undefined;
    const receiver: Receiver<number> = {
      name: 'graceful',
      onStart(c) {
        context = c;
      },
      onStop() {},
    };
    const ctx = new StreamingContext({ batchInterval: 1000, clock: new ManualClock() });
    const out = collect(ctx.receiverStream(receiver));
    await ctx.start();
    context!.store(7);
    context!.store(8);
    await ctx.stop({ graceful: true });
    expect(out).toEqual([[7, 8]]);
  });
});

describe('socketTextStream', () => {
  let server: Server | undefined;
  const clients = new Set<Socket>();
  afterEach(async () => {
    for (const c of clients) c.destroy();
    clients.clear();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  const listen = (port: number, onClient: (s: Socket) => void): Promise<number> =>
    new Promise((resolve) => {
      server = createServer((s) => {
        clients.add(s);
        onClient(s);
      });
      server.listen(port, '127.0.0.1', () => {
        const address = server!.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });

  it('reads lines from a real TCP server and reconnects when the server comes back', async () => {
    const port = await listen(0, (s) => s.write('hello world\r\nsecond line\npart'));
    const received: string[] = [];
    const errors: ReceiverInfo[] = [];
    const ctx = new StreamingContext({
      batchInterval: 50,
      receiverRestartDelay: 50,
      listeners: [{ onReceiverError: (e) => errors.push(e) }],
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    ctx.socketTextStream('127.0.0.1', port).foreachBatch((b) => {
      for (const p of b.partitions) received.push(...p);
    });
    await ctx.start();
    await waitFor(() => received.length >= 2);
    expect(received).toEqual(['hello world', 'second line']);
    // The server goes away: the partial last line is delivered, and the receiver keeps retrying.
    for (const c of clients) c.destroy();
    await new Promise<void>((r) => server!.close(() => r()));
    await waitFor(() => received.includes('part'));
    await waitFor(() => errors.length >= 2);
    // The server comes back on the same port.
    await listen(port, (s) => s.write('back again\n'));
    await waitFor(() => received.includes('back again'));
    await ctx.stop();
    expect(errors.some((e) => /no more data|error on connection/.test(e.message ?? ''))).toBe(true);
  });

  it('rejects a bad port', () => {
    const ctx = new StreamingContext({ batchInterval: 1000 });
    expect(() => ctx.socketTextStream('127.0.0.1', 70000)).toThrow(/port must be 1..65535, got 70000/);
  });
});

describe('stopping with a batch in flight', () => {
  it('a graceful stop waits for the running batch and the batches already generated', async () => {
    const clock = new ManualClock();
    const ctx = new StreamingContext({ batchInterval: 1000, clock });
    let release: (() => void) | undefined;
    const done: number[] = [];
    ctx.queueStream([[1], [2]]).foreachBatch(async (b) => {
      if (b.time === 1000) await new Promise<void>((r) => (release = r));
      done.push(b.time);
    });
    await ctx.start();
    clock.advance(2000); // batch 1000 runs (and waits), batch 2000 is generated behind it
    await waitFor(() => release !== undefined);
    const stopped = ctx.stop({ graceful: true });
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toEqual([]);
    release!();
    await stopped;
    expect(done).toEqual([1000, 2000]);
  });

  it('a non-graceful stop lets the running batch finish and drops the ones queued behind it', async () => {
    const clock = new ManualClock();
    const ctx = new StreamingContext({ batchInterval: 1000, clock });
    let release: (() => void) | undefined;
    const done: number[] = [];
    ctx.queueStream([[1], [2]]).foreachBatch(async (b) => {
      if (b.time === 1000) await new Promise<void>((r) => (release = r));
      done.push(b.time);
    });
    await ctx.start();
    clock.advance(2000);
    await waitFor(() => release !== undefined);
    const stopped = ctx.stop({ graceful: false });
    release!();
    await stopped;
    expect(done).toEqual([1000]);
  });
});
