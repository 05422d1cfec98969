import { mkdtemp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  type JsonValue,
  type Logger,
  ManualClock,
  type Sink,
  type Source,
  StreamingContext,
  localCheckpointStore,
} from '../src/index.js';

/** An append-only log shared across "processes", read like a Kafka partition. */
class Log {
  readonly records: string[] = [];
  append(...records: string[]): void {
    this.records.push(...records);
  }
}

/** A replayable source: each batch reads a planned offset range; planned ranges are checkpointed. */
function logSource(log: Log, maxPerBatch = 3): Source<string> {
  let next = 0;
  let planned: Record<string, [number, number]> = {};
  return {
    name: 'log',
    replayable: true,
    replayReason: 'offsets and planned ranges are in the checkpoint',
    async compute(time) {
      let range = planned[time];
      if (range === undefined) {
        range = [next, Math.min(log.records.length, next + maxPerBatch)];
        planned[time] = range;
        next = range[1];
      }
      return {
        partitions: [log.records.slice(range[0], range[1])],
        offsetRanges: [{ topic: 'log', partition: 0, fromOffset: range[0], untilOffset: range[1] }],
      };
    },
    async onBatchCompleted(time) {
      delete planned[time];
    },
    position: () => ({ next, planned }) as unknown as JsonValue,
    restore(position) {
      const p = position as unknown as { next: number; planned: Record<string, [number, number]> };
      next = p.next;
      planned = { ...p.planned };
    },
  };
}

/** An idempotent sink: the last value written per key, like an upsert table. */
function tableSink(table: Map<string, number>): Sink<[string, number]> {
  return {
    name: 'table',
    guarantee: 'idempotent',
    mechanism: 'upsert by key',
    async writePartition(records) {
      for (const [k, v] of records) table.set(k, v);
    },
  };
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Window outputs by batch time: a replayed batch overwrites its earlier output, as an upsert would. */
type Windows = Map<number, Array<[string, number]>>;

function buildJob(
  log: Log,
  table: Map<string, number>,
  windows: Windows,
  clock: ManualClock,
  window: { length: number; slide: number } = { length: 3000, slide: 1000 },
) {
  return () => {
    const ctx = new StreamingContext({ batchInterval: 1000, clock, logger: quiet });
    const pairs = ctx.source(logSource(log)).map((w) => [w, 1] as [string, number]);
    pairs
      .updateStateByKey<string, number, number>((vs, s) => (s ?? 0) + vs.reduce((a, b) => a + b, 0))
      .to(tableSink(table));
    pairs
      .reduceByKeyAndWindow((a, b) => a + b, window.length, window.slide, {
        inverse: (a, b) => a - b,
        filter: ([, v]) => v > 0,
      })
      .foreachBatch((b) => {
        windows.set(b.time, b.partitions.flat().sort());
      });
    return ctx;
  };
}

async function runBatches(ctx: StreamingContext, clock: ManualClock, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    clock.advance(1000);
    await ctx.whenBatchCompleted(clock.now());
  }
}

describe('checkpoints and getOrCreate', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const d = await mkdtemp(join(tmpdir(), 'dstream-ckpt-'));
    dirs.push(d);
    return d;
  };
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  const words = 'a b a c b a d a b c e a'.split(' ');

  async function uninterrupted(
    window?: Parameters<typeof buildJob>[4],
  ): Promise<{ table: Map<string, number>; windows: Windows }> {
    const log = new Log();
    log.append(...words);
    const table = new Map<string, number>();
    const windows: Windows = new Map();
    const clock = new ManualClock();
    const ctx = buildJob(log, table, windows, clock, window)();
    await ctx.start();
    await runBatches(ctx, clock, 6);
    await ctx.stop();
    return { table, windows };
  }

  it('a restarted job restores state, window data and positions, and matches an uninterrupted run', async () => {
    const expected = await uninterrupted();
    const dir = await tempDir();
    const log = new Log();
    log.append(...words);
    const table = new Map<string, number>();
    const windows: Windows = new Map();

    const clock1 = new ManualClock();
    const first = await StreamingContext.getOrCreate(dir, buildJob(log, table, windows, clock1));
    expect(first.restoredFromCheckpoint).toBe(false);
    await first.start();
    await runBatches(first, clock1, 2);
    await new Promise((r) => setTimeout(r, 20)); // let the checkpoint write finish
    await first.stop({ graceful: false }); // a crash: no final checkpoint

    const clock2 = new ManualClock(clock1.now());
    const second = await StreamingContext.getOrCreate(dir, buildJob(log, table, windows, clock2));
    expect(second.restoredFromCheckpoint).toBe(true);
    await second.start();
    await runBatches(second, clock2, 4);
    await second.stop();
    expect(table).toEqual(expected.table);
    expect(windows).toEqual(expected.windows);
  });

  // A window sliding slower than the batch interval reads the batches between two slides only at the
  // next slide: they must be in the checkpoint by then, or a crash between slides drops them.
  it('a crash between two slides of a window keeps the batches since the last slide', async () => {
    const window = { length: 4000, slide: 2000 };
    const expected = await uninterrupted(window);
    expect(expected.windows.size).toBe(3);
    const dir = await tempDir();
    const log = new Log();
    log.append(...words);
    const table = new Map<string, number>();
    const windows: Windows = new Map();

    const clock1 = new ManualClock();
    const first = await StreamingContext.getOrCreate(dir, buildJob(log, table, windows, clock1, window));
    await first.start();
    await runBatches(first, clock1, 3); // slides at 2000; 3000 is between slides
    clock1.advance(1000);
    await new Promise((r) => setTimeout(r, 20)); // the checkpoint of 4000's generation is written
    await first.stop({ graceful: false });

    const clock2 = new ManualClock(3000);
    const second = await StreamingContext.getOrCreate(dir, buildJob(log, table, windows, clock2, window));
    expect(second.restoredFromCheckpoint).toBe(true);
    await second.start();
    await runBatches(second, clock2, 3);
    await second.stop();
    expect(windows).toEqual(expected.windows);
  });

  it('re-runs the batches that were unfinished at the checkpoint with the same input', async () => {
    const dir = await tempDir();
    const log = new Log();
    log.append(...words);
    const seen: string[][] = [];
    const make = (clock: ManualClock, fail: boolean) => () => {
      const ctx = new StreamingContext({ batchInterval: 1000, clock, logger: quiet, maxTaskAttempts: 1 });
      ctx.checkpoint(dir, { interval: 1000 });
      ctx.source(logSource(log)).foreachBatch((b) => {
        const records = b.partitions.flat();
        if (fail && b.time === 2000) throw new Error('crash in batch 2000');
        seen.push([String(b.time), ...records]);
      });
      return ctx;
    };
    const clock1 = new ManualClock();
    const first = await StreamingContext.getOrCreate(dir, make(clock1, true));
    await first.start();
    await runBatches(first, clock1, 1);
    clock1.advance(1000);
    await expect(first.awaitTermination()).rejects.toThrow('crash in batch 2000');
    const clock2 = new ManualClock(clock1.now());
    const second = await StreamingContext.getOrCreate(dir, make(clock2, false));
    await second.start();
    await second.whenBatchCompleted(2000);
    await runBatches(second, clock2, 1);
    await second.stop();
    expect(seen).toEqual([
      ['1000', 'a', 'b', 'a'],
      ['2000', 'c', 'b', 'a'],
      ['3000', 'd', 'a', 'b'],
    ]);
  });

  it('falls back to the previous checkpoint when the newest is corrupt or truncated, with a warning', async () => {
    const dir = await tempDir();
    const log = new Log();
    log.append(...words);
    const clock = new ManualClock();
    const ctx = buildJob(log, new Map(), new Map(), clock)();
    ctx.checkpoint(dir, { retain: 5 });
    await ctx.start();
    await runBatches(ctx, clock, 3);
    await ctx.stop();
    const files = (await readdir(dir)).filter((f) => f.startsWith('checkpoint-')).sort();
    expect(files).toEqual(['checkpoint-1000', 'checkpoint-2000', 'checkpoint-3000']);
    await truncate(join(dir, 'checkpoint-3000'), 40);
    const warnings: string[] = [];
    const logger: Logger = { ...quiet, warn: (m) => warnings.push(m) };
    const restored = await StreamingContext.getOrCreate(dir, () => {
      const c = buildJob(log, new Map(), new Map(), new ManualClock(3000))();
      (c as unknown as { logger: Logger }).logger = logger;
      return c;
    });
    expect(restored.restoredFromCheckpoint).toBe(true);
    expect(warnings.join()).toMatch(/checkpoint 3000 .* unreadable; falling back/);
    await writeFile(join(dir, 'checkpoint-2000'), 'garbage');
    await writeFile(join(dir, 'checkpoint-1000'), 'garbage');
    await expect(
      StreamingContext.getOrCreate(dir, buildJob(log, new Map(), new Map(), new ManualClock())),
    ).rejects.toThrow(/no readable checkpoint .* \(3 corrupt\)/);
  });

  it('keeps only the newest checkpoints', async () => {
    const dir = await tempDir();
    const log = new Log();
    log.append(...words);
    const clock = new ManualClock();
    const ctx = buildJob(log, new Map(), new Map(), clock)();
    ctx.checkpoint(localCheckpointStore(dir), { retain: 2 });
    await ctx.start();
    await runBatches(ctx, clock, 4);
    await ctx.stop();
    expect((await readdir(dir)).sort()).toEqual(['checkpoint-3000', 'checkpoint-4000']);
  });

  it('refuses a checkpoint of a different graph, naming the change, unless told to discard it', async () => {
    const dir = await tempDir();
    const log = new Log();
    log.append(...words);
    const clock = new ManualClock();
    const first = await StreamingContext.getOrCreate(dir, buildJob(log, new Map(), new Map(), clock));
    await first.start();
    await runBatches(first, clock, 1);
    await first.stop();
    const changed = () => {
      const ctx = new StreamingContext({ batchInterval: 1000, clock: new ManualClock(), logger: quiet });
      ctx
        .source(logSource(log))
        .map((w) => [w, 1] as [string, number])
        .reduceByKey((a, b) => a + b, 4)
        .print();
      return ctx;
    };
    const error = await StreamingContext.getOrCreate(dir, changed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect(String(error)).toMatch(
      /no longer matches its checkpoint: ".*updateStateByKey\(2\).*" became ".*reduceByKey\(4\)/,
    );
    const fresh = await StreamingContext.getOrCreate(dir, changed, { discardIncompatibleCheckpoint: true });
    expect(fresh.restoredFromCheckpoint).toBe(false);
    const otherInterval = () => {
      const ctx = buildJob(log, new Map(), new Map(), new ManualClock())();
      return new StreamingContext({ batchInterval: 2000 }) === ctx ? ctx : ctx;
    };
    await expect(StreamingContext.getOrCreate(dir, otherInterval)).resolves.toBeDefined();
  });

  it('rejects a checkpoint interval that is not a multiple of the batch interval', () => {
    const ctx = new StreamingContext({ batchInterval: 1000 });
    expect(() => ctx.checkpoint('/tmp/x', { interval: 1500 })).toThrow(
      /interval 1500 ms must be a positive multiple/,
    );
  });

  it('a graceful stop writes a final checkpoint of everything processed', async () => {
    const dir = await tempDir();
    const log = new Log();
    log.append(...words);
    const clock = new ManualClock();
    const ctx = new StreamingContext({ batchInterval: 1000, clock, logger: quiet });
    ctx.checkpoint(dir, { interval: 5000 });
    ctx.source(logSource(log)).print();
    await ctx.start();
    await runBatches(ctx, clock, 2);
    await ctx.stop({ graceful: true });
    expect((await readdir(dir)).sort()).toEqual(['checkpoint-1000', 'checkpoint-2000']);
  });
});
