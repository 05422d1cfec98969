import { describe, expect, it } from 'vitest';
import { StageSpeculation, resolveSpeculation } from '../src/executor/speculation.js';
import { ConfigError, type Logger, ManualClock, StreamingContext } from '../src/index.js';
import { queue } from './fixtures/speculation-job.js';

describe('speculation', () => {
  it('copies a task running longer than multiplier × the median once the quantile is done', () => {
    let now = 0;
    const copied: number[] = [];
    const options = resolveSpeculation({ enabled: true })!;
    const stage = new StageSpeculation(
      5,
      options,
      (p) => copied.push(p),
      () => now,
    );
    for (let p = 0; p < 5; p++) stage.started(p, () => true);
    now = 40;
    stage.succeeded(0);
    stage.succeeded(1);
    stage.succeeded(2);
    now = 500;
    stage.check(); // 3 of 5 done: below the 0.75 quantile
    expect(copied).toEqual([]);
    stage.succeeded(3);
    now = 90;
    stage.check(); // 4 of 5 done, but 90 ms is under minTaskRuntime (100 ms)
    expect(copied).toEqual([]);
    now = 600;
    stage.check();
    stage.check(); // copied once only
    expect(copied).toEqual([4]);
    stage.close();
  });

  it('is off by default and refuses settings out of range', () => {
    expect(resolveSpeculation(undefined)).toBeUndefined();
    expect(resolveSpeculation({ enabled: false, multiplier: 0 })).toBeUndefined();
    expect(() => resolveSpeculation({ enabled: true, multiplier: 0.5 })).toThrow(ConfigError);
    expect(() => resolveSpeculation({ enabled: true, quantile: 2 })).toThrow(/speculation.quantile/);
  });

  it('a task stuck on one executor completes through its copy on the other; counted once', async () => {
    const info: string[] = [];
    const logger: Logger = { debug() {}, info: (m) => info.push(m), warn() {}, error() {} };
    queue.length = 0;
    queue.push([1, 2, 3, 4, 5, 6, 7, 8], [9, 10]);
    const clock = new ManualClock();
    const ctx = await StreamingContext.fromModule(
      new URL('./fixtures/speculation-job.ts', import.meta.url),
      'speculationJob',
      { batchInterval: 1000, clock, executors: 2, logger, speculation: { enabled: true } },
    );
    await ctx.start();
    clock.advance(1000);
    await ctx.whenBatchCompleted(1000); // would never resolve without the copy
    clock.advance(1000);
    await ctx.whenBatchCompleted(2000);
    await ctx.stop();
    const written = (
      ctx as unknown as { accumulators: Array<{ name: string; value: number }> }
    ).accumulators.find((a) => a.name === 'records written')!.value;
    expect(written).toBe(10);
    expect(info.filter((m) => m.startsWith('speculating task'))).toHaveLength(1);
  }, 60_000);
});
