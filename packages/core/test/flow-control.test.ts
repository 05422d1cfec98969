import { describe, expect, it } from 'vitest';
import { PIDRateEstimator } from '../src/flow/pid-rate-estimator.js';
import { RateLimiter } from '../src/flow/rate-limiter.js';
import {
  type BatchInfo,
  type Logger,
  type Receiver,
  type ReceiverContext,
  StreamingContext,
} from '../src/index.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

describe('RateLimiter', () => {
  it('lets `rate` tokens through a second, with at most one second saved up', () => {
    let now = 0;
    const limiter = new RateLimiter(100, () => now);
    expect(limiter.take(50)).toBe(0);
    now = 500;
    expect(limiter.take(80)).toBe(50);
    now = 10_000;
    expect(limiter.take(1000)).toBe(100);
    expect(limiter.reserve(50)).toBe(500);
    limiter.setRate(undefined);
    expect(limiter.take(1e6)).toBe(1e6);
    expect(() => limiter.setRate(0)).toThrow(/rate limit must be > 0/);
  });
});

describe('PIDRateEstimator', () => {
  it('waits for a first batch, then follows the processing rate and drains scheduling delay', () => {
    const pid = new PIDRateEstimator(1000);
    expect(pid.compute(1000, 0, 10, 0)).toBeUndefined();
    expect(pid.compute(1000, 1000, 500, 0)).toBeUndefined(); // first run: 2000 records/s
    // processing keeps up at 2000/s with no delay: the rate stays at the processing rate
    expect(pid.compute(2000, 1000, 500, 0)).toBeCloseTo(2000);
    // slower processing (1000/s) and a backlog: the rate drops below the processing rate
    const slower = pid.compute(3000, 1000, 1000, 2000)!;
    expect(slower).toBeLessThan(1000);
    expect(slower).toBeGreaterThanOrEqual(100);
  });

  it('never goes below minRate and rejects negative gains', () => {
    const pid = new PIDRateEstimator(1000, { minRate: 50 });
    pid.compute(1000, 10, 1000, 0);
    expect(pid.compute(2000, 10, 10_000, 100_000)).toBe(50);
    expect(() => new PIDRateEstimator(1000, { integral: -1 })).toThrow(/integral must be >= 0/);
  });
});

/** A receiver that offers records as fast as it is allowed, in chunks, respecting storeAll's waits. */
function floodReceiver(chunk: number): Receiver<number> & { offered: () => number } {
  let running = false;
  let n = 0;
  return {
    name: 'flood',
    offered: () => n,
    onStart(context: ReceiverContext<number>) {
      running = true;
      void (async () => {
        while (running && !context.isStopped()) {
          const block = Array.from({ length: chunk }, () => n++);
          await context.storeAll(block);
          await new Promise((r) => setImmediate(r));
        }
      })();
    },
    onStop() {
      running = false;
    },
  };
}

describe('receiver rate limits', () => {
  it('receiverMaxRate holds each receiver to its rate over a few seconds', async () => {
    const batches: BatchInfo[] = [];
    const ctx = new StreamingContext({
      batchInterval: 250,
      receiverMaxRate: 2000,
      logger: quiet,
      listeners: [{ onBatchCompleted: (b) => batches.push(b) }],
    });
    ctx.receiverStream(floodReceiver(50)).foreachBatch(() => {});
    await ctx.start();
    await new Promise((r) => setTimeout(r, 2600));
    await ctx.stop();
    const steady = batches.slice(2, -1);
    const total = steady.reduce((n, b) => n + b.numRecords, 0);
    const rate = total / ((steady.length * 250) / 1000);
    expect(rate).toBeGreaterThan(2000 * 0.7);
    expect(rate).toBeLessThan(2000 * 1.3);
  });

  it('store() asks the receiver to slow down when too many records wait, and never drops one', async () => {
    let context: ReceiverContext<number> | undefined;
    const ctx = new StreamingContext({
      batchInterval: 100_000,
      receiverMaxPendingRecords: 100,
      logger: quiet,
    });
    const seen: number[] = [];
    ctx
      .receiverStream<number>({ name: 'bounded', onStart: (c) => void (context = c), onStop() {} })
      .foreachBatch((b) => {
        seen.push(...b.partitions.flat());
      });
    await ctx.start();
    const waits: Array<Promise<void> | undefined> = [];
    for (let i = 0; i < 150; i++) waits.push(context!.store(i) ?? undefined);
    expect(waits.slice(0, 99).every((w) => w === undefined)).toBe(true);
    expect(waits.slice(100).every((w) => w instanceof Promise)).toBe(true);
    let resumed = false;
    void waits[149]!.then(() => {
      resumed = true;
    });
    await ctx.stop({ graceful: true });
    await new Promise((r) => setTimeout(r, 0));
    expect(resumed).toBe(true);
    expect(seen).toEqual(Array.from({ length: 150 }, (_, i) => i));
  });
});

describe('backpressure', () => {
  it('against a source offering about 3× what the job can process, the rate converges and delay stops growing', async () => {
    const batches: BatchInfo[] = [];
    const ctx = new StreamingContext({
      batchInterval: 200,
      backpressure: { enabled: true, initialRate: 5000 },
      logger: quiet,
      listeners: [{ onBatchCompleted: (b) => batches.push(b) }],
    });
    const receiver = floodReceiver(200);
    // About 0.1 ms of work per record: the job processes ~10 000 records a second at most.
    ctx.receiverStream(receiver).foreachBatch((b) => {
      const n = b.partitions.reduce((s, p) => s + p.length, 0);
      const until = performance.now() + n * 0.1;
      while (performance.now() < until) {
        // busy: CPU-bound processing
      }
    });
    await ctx.start();
    await new Promise((r) => setTimeout(r, 4500));
    await ctx.stop();
    const rate = ctx.ingestionRate!;
    expect(rate).toBeGreaterThan(1000);
    expect(rate).toBeLessThan(20_000);
    const last = batches.slice(-4);
    for (const b of last) expect(b.schedulingDelay!).toBeLessThan(3 * 200);
    // The receiver was held back (it would offer ~30 000/s): what it offered was processed, with
    // no backlog piling up in memory.
    const processed = batches.reduce((n, b) => n + b.numRecords, 0);
    expect(receiver.offered() - processed).toBeLessThan(20_000);
    expect(processed / 4.5).toBeLessThan(20_000);
  }, 20_000);
});
