import { describe, expect, it } from 'vitest';
import { ConfigError, ManualClock, type Logger, StreamingContext } from '../src/index.js';
import { queue, results, wordCount } from './fixtures/executor-job.js';

const jobUrl = new URL('./fixtures/executor-job.ts', import.meta.url);
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

async function run(
  executors: number,
  batches: string[][],
): Promise<{ ctx: StreamingContext; counts: unknown; byValue: unknown }> {
  queue.length = 0;
  results.counts.clear();
  results.byValue.clear();
  const clock = new ManualClock();
  const ctx = await StreamingContext.fromModule(jobUrl, 'wordCount', {
    batchInterval: 1000,
    clock,
    executors,
    logger: quiet,
  });
  queue.push(...batches);
  await ctx.start();
  for (let i = 1; i <= batches.length; i++) {
    clock.advance(1000);
    await ctx.whenBatchCompleted(i * 1000);
  }
  await ctx.stop();
  return { ctx, counts: new Map(results.counts), byValue: new Map(results.byValue) };
}

const accumulator = (ctx: StreamingContext, name: string) =>
  (ctx as unknown as { accumulators: Array<{ name: string; value: number }> }).accumulators.find(
    (a) => a.name === name,
  )!.value;

const input = [
  ['a b a', 'c #bad spam', 'b b', 'd a'],
  ['x y', 'y #bad', 'z'],
  ['a a a a', 'b', 'c', 'd e'],
];

describe('worker-thread executors', () => {
  it('give the same results as the driver alone, with broadcasts and accumulators counted once', async () => {
    const inline = await run(0, input);
    const parallel = await run(2, input);
    expect(parallel.counts).toEqual(inline.counts);
    expect(parallel.byValue).toEqual(inline.byValue);
    expect((inline.counts as Map<number, unknown>).get(1000)).toEqual([
      ['a', 3],
      ['b', 3],
      ['c', 1],
      ['d', 1],
    ]);
    // two '#bad' words, counted once per successful task, however often their stream ran
    expect(accumulator(inline.ctx, 'malformed')).toBeGreaterThan(0);
    expect(accumulator(parallel.ctx, 'malformed')).toBe(accumulator(inline.ctx, 'malformed'));
  }, 60_000);

  it('2 executors × 3 batches × several partitions create exactly 2 singleton clients; pools stay within max', async () => {
    const { ctx } = await run(2, input);
    expect(accumulator(ctx, 'clients created')).toBe(2);
    expect(accumulator(ctx, 'pool over max')).toBe(0);
    // partitions of 2 lines: 2 + 2 + 2 = 6 partition writes
    expect(accumulator(ctx, 'partition writes')).toBe(6);
  }, 60_000);

  it('an executor that dies mid-task is replaced and its task runs again, counted once', async () => {
    const { ctx, counts } = await run(2, [['a crash', 'b c'], ['d']]);
    expect(accumulator(ctx, 'partition writes')).toBe(2);
    expect((counts as Map<number, unknown>).get(1000)).toEqual([
      ['a', 1],
      ['b', 1],
      ['c', 1],
      ['crash', 1],
    ]);
  }, 60_000);

  it('needs the job module, and refuses an executor whose graph differs', async () => {
    const ctx = new StreamingContext({
      batchInterval: 1000,
      executors: 2,
      clock: new ManualClock(),
      logger: quiet,
    });
    wordCount(ctx);
    await expect(ctx.start()).rejects.toThrow(ConfigError);
    await expect(ctx.start().catch((e: unknown) => String(e))).resolves.toMatch(
      /StreamingContext.fromModule/,
    );
    const other = await StreamingContext.fromModule(jobUrl, 'wordCount', {
      batchInterval: 1000,
      executors: 1,
      clock: new ManualClock(),
      logger: quiet,
    });
    other.queueStream<string>([]).print(); // the driver's graph now has more than the module builds
    await expect(other.start()).rejects.toThrow(/executor 1 built a different graph/);
  }, 60_000);
});

describe('executors: every operation', () => {
  it('every operation gives the same output with 2 executors as on the driver alone', async () => {
    const job = await import('./fixtures/all-operations-job.js');
    const url = new URL('./fixtures/all-operations-job.ts', import.meta.url);
    const input: Array<Array<[string, number]>> = [
      [
        ['a', 1],
        ['b', 2],
        ['a', 3],
        ['c', 4],
        ['d', 5],
      ],
      [
        ['b', 1],
        ['b', 2],
        ['e', 9],
      ],
      [],
      [
        ['a', 7],
        ['c', 1],
        ['c', 2],
        ['f', 3],
        ['a', 1],
        ['b', 5],
        ['g', 6],
      ],
    ];
    const runWith = async (executors: number) => {
      job.queue.length = 0;
      job.outputs.clear();
      const clock = new ManualClock();
      const ctx = await StreamingContext.fromModule(url, 'allOperations', {
        batchInterval: 1000,
        clock,
        executors,
        logger: quiet,
      });
      job.queue.push(...input.map((b) => [...b]));
      await ctx.start();
      for (let i = 1; i <= input.length; i++) {
        clock.advance(1000);
        await ctx.whenBatchCompleted(i * 1000);
      }
      await ctx.stop();
      return new Map([...job.outputs].map(([k, v]) => [k, new Map(v)]));
    };
    const inline = await runWith(0);
    const parallel = await runWith(2);
    expect([...inline.keys()].sort()).toEqual(
      [
        'combineByKey',
        'count',
        'countByValue',
        'fullOuterJoin',
        'groupByKey',
        'join',
        'reduceByKey',
        'repartition',
        'updateStateByKey',
        'window',
      ].sort(),
    );
    expect(parallel).toEqual(inline);
  }, 60_000);
});

describe('executors: a source that decodes where partitions are processed', () => {
  it('ships raw bytes to the executors, which decode them; results equal the driver alone', async () => {
    const job = await import('./fixtures/decoding-source-job.js');
    const url = new URL('./fixtures/decoding-source-job.ts', import.meta.url);
    const input = [
      [
        ['a b a', 'c'],
        ['b b', 'd a'],
      ],
      [['x y y']],
      [['a', 'a a'], ['b'], ['c c c']],
    ];
    const runWith = async (executors: number) => {
      job.counts.clear();
      job.recordCounts.length = 0;
      job.batches.length = 0;
      job.batches.push(...input);
      const clock = new ManualClock();
      const ctx = await StreamingContext.fromModule(url, 'decodingJob', {
        batchInterval: 1000,
        clock,
        executors,
        logger: quiet,
      });
      await ctx.start();
      for (let i = 1; i <= input.length; i++) {
        clock.advance(1000);
        await ctx.whenBatchCompleted(i * 1000);
      }
      await ctx.stop();
      return {
        counts: new Map(job.counts),
        driver: accumulator(ctx, 'decoded on the driver'),
        executors: accumulator(ctx, 'decoded on executors'),
        records: [...job.recordCounts],
      };
    };
    const inline = await runWith(0);
    const parallel = await runWith(2);
    expect(inline.counts.get(1000)).toEqual([
      ['a', 3],
      ['b', 3],
      ['c', 1],
      ['d', 1],
    ]);
    expect(parallel.counts).toEqual(inline.counts);
    // one raw record (a byte batch) per partition: 2 + 1 + 3
    expect(inline).toMatchObject({ driver: 6, executors: 0 });
    expect(parallel).toMatchObject({ driver: 0, executors: 6 });
    // the lines in each batch (the source's recordCount), not its 2 + 1 + 3 byte batches
    expect(inline.records).toEqual([4, 1, 4]);
  }, 60_000);
});

describe('executors: a source that reads its planned partitions where they are processed', () => {
  it('executors read the ranges the driver planned; results equal the driver alone', async () => {
    const job = await import('./fixtures/reading-source-job.js');
    const url = new URL('./fixtures/reading-source-job.ts', import.meta.url);
    const plans: Array<Array<[number, number]>> = [
      [
        [0, 10],
        [10, 25],
      ],
      [[25, 26]],
      [
        [26, 30],
        [30, 31],
        [31, 40],
      ],
    ];
    const runWith = async (executors: number) => {
      job.sums.clear();
      job.plans.length = 0;
      job.plans.push(...plans);
      const clock = new ManualClock();
      const ctx = await StreamingContext.fromModule(url, 'readingJob', {
        batchInterval: 1000,
        clock,
        executors,
        logger: quiet,
      });
      await ctx.start();
      for (let i = 1; i <= plans.length; i++) {
        clock.advance(1000);
        await ctx.whenBatchCompleted(i * 1000);
      }
      await ctx.stop();
      return {
        sums: new Map(job.sums),
        driver: accumulator(ctx, 'read on the driver'),
        executors: accumulator(ctx, 'read on executors'),
        written: accumulator(ctx, 'records written'),
      };
    };
    const inline = await runWith(0);
    const parallel = await runWith(2);
    expect(inline.sums.get(1000)).toEqual([
      [0, 0 + 3 + 6 + 9 + 12 + 15 + 18 + 21 + 24],
      [1, 1 + 4 + 7 + 10 + 13 + 16 + 19 + 22],
      [2, 2 + 5 + 8 + 11 + 14 + 17 + 20 + 23],
    ]);
    expect(parallel.sums).toEqual(inline.sums);
    expect(inline).toMatchObject({ driver: 6, executors: 0, written: 40 });
    // each of the two outputs reads its 6 partitions on the executors; nothing is read on the driver
    expect(parallel).toMatchObject({ driver: 0, executors: 12, written: 40 });
  }, 60_000);
});
