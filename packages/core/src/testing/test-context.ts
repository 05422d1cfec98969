import type { Batch, Time } from '../batch.js';
import { batchRecords } from '../batch.js';
import type { DStream } from '../dstream/dstream.js';
import { StateError } from '../errors.js';
import { ManualClock } from '../scheduler/clock.js';
import { type Job, StreamingContext, type StreamingContextOptions } from '../streaming-context.js';

/** A context on a manual clock, stepped one batch at a time (Spark's TestSuiteBase). */
export interface TestContext {
  readonly ctx: StreamingContext;
  readonly clock: ManualClock;
  /** Starts the context if needed, then runs the next `batches` batches to completion. */
  advance(batches?: number): Promise<void>;
  /** Stops the context (gracefully by default). */
  stop(options?: { graceful?: boolean }): Promise<void>;
}

/**
 * ```ts
 * const { ctx, advance } = createTestContext({ batchInterval: 1000 });
 * const out = collect(ctx.queueStream([[1, 2], [3]]).map((x) => x * 2));
 * await advance(2);
 * expect(out).toEqual([[2, 4], [6]]);
 * ```
 */
export function createTestContext(options: Partial<StreamingContextOptions> = {}): TestContext {
  const clock = options.clock instanceof ManualClock ? options.clock : new ManualClock();
  const ctx = new StreamingContext({ batchInterval: 1000, ...options, clock });
  const advance = async (batches = 1): Promise<void> => {
    if (ctx.state === 'initialized') await ctx.start();
    for (let i = 0; i < batches; i++) {
      if (ctx.state !== 'active') throw new StateError('the test context stopped before all batches ran');
      clock.advance(ctx.batchInterval);
      const time = clock.now();
      await Promise.race([
        ctx.whenBatchCompleted(time),
        ctx.awaitTermination().then(() => {
          throw new StateError(`the context stopped before the batch at ${time} ms completed`);
        }),
      ]);
    }
  };
  return { ctx, clock, advance, stop: (o) => ctx.stop({ graceful: o?.graceful ?? true }) };
}

/** Registers an output that collects each batch's records (one array per batch that had one). */
export function collect<T>(stream: DStream<T>): T[][] {
  const out: T[][] = [];
  stream.foreachBatch((batch) => {
    out.push(batchRecords(batch));
  });
  return out;
}

/** Like collect, keeping the batch (time, partitions, offset ranges). */
export function collectBatches<T>(stream: DStream<T>): Batch<T>[] {
  const out: Batch<T>[] = [];
  stream.foreachBatch((batch) => {
    out.push(batch);
  });
  return out;
}

/**
 * Runs `operation` over `input` (one array of records per batch) and returns its output per batch.
 *
 * ```ts
 * const out = await testOperation([['a b', 'a']], (s) => s.flatMap((l) => l.split(' ')).countByValue());
 * ```
 */
export async function testOperation<T, U>(
  input: T[][],
  operation: (stream: DStream<T>) => DStream<U>,
  options: { batches?: number; batchInterval?: number; defaultParallelism?: number } = {},
): Promise<U[][]> {
  const test = createTestContext({
    batchInterval: options.batchInterval ?? 1000,
    ...(options.defaultParallelism === undefined ? {} : { defaultParallelism: options.defaultParallelism }),
  });
  const out = collect(operation(test.ctx.queueStream(input.map((b) => [...b]))));
  await test.advance(options.batches ?? input.length);
  await test.stop({ graceful: false });
  return out;
}

/**
 * Runs a job module's function on a manual clock for `batches` batches and returns the context
 * (stopped), for jobs that write to sinks or collect through their own outputs.
 */
export async function runJob(
  job: Job,
  options: { batches: number } & Partial<StreamingContextOptions>,
): Promise<StreamingContext> {
  const { batches, ...rest } = options;
  const test = createTestContext(rest);
  job(test.ctx);
  await test.advance(batches);
  await test.stop();
  return test.ctx;
}

/** Records of each batch sorted, for comparing outputs whose order within a batch is unspecified. */
export function sortedBatches<T>(batches: T[][]): T[][] {
  return batches.map((b) => [...b].sort(compareRecords));
}

function compareRecords(a: unknown, b: unknown): number {
  const sa = JSON.stringify(a);
  const sb = JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export type { Time };
