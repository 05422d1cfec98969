import { serialize, deserialize } from 'node:v8';
import { type Logger, ManualClock, StreamingContext } from '@dstream/core';
import { compare, type Result } from './measure.js';
import { makeEvents, queue, seen } from './ndjson-job.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const jobUrl = new URL('./ndjson-job.ts', import.meta.url);

/** Runs `batches` batches of `lines` through the job with `executors` executors (started once). */
async function startJob(
  executors: number,
): Promise<{ runBatch(lines: string[]): Promise<void>; stop(): Promise<void> }> {
  const clock = new ManualClock();
  const ctx = await StreamingContext.fromModule(jobUrl, 'pageTimes', {
    batchInterval: 1000,
    clock,
    executors,
    logger: quiet,
  });
  await ctx.start();
  return {
    async runBatch(lines) {
      queue.push(lines);
      clock.advance(1000);
      await ctx.whenBatchCompleted(clock.now());
      if (seen.keys !== 997) throw new Error(`expected 997 pages, got ${seen.keys}`);
    },
    stop: () => ctx.stop(),
  };
}

export async function executorSpeedup(count: number, rounds: number): Promise<Result[]> {
  const lines = makeEvents(count);
  const inline = await startJob(0);
  const two = await startJob(2);
  try {
    return await compare(count, rounds, [
      { label: 'NDJSON parse → filter → reduceByKey, executors: 0', run: () => inline.runBatch(lines) },
      { label: 'NDJSON parse → filter → reduceByKey, executors: 2', run: () => two.runBatch(lines) },
    ]);
  } finally {
    await inline.stop();
    await two.stop();
  }
}

/** What it costs to move 10k records to another thread, per way of encoding them. */
export async function transferCost(rounds: number): Promise<Result[]> {
  const lines = makeEvents(10_000);
  const objects = lines.map((l) => JSON.parse(l) as unknown);
  return compare(10_000, rounds, [
    { label: 'JSON.parse of the lines (the work itself)', run: () => lines.map((l) => JSON.parse(l)) },
    { label: 'structuredClone of parsed objects', run: () => structuredClone(objects) },
    { label: 'v8.serialize + deserialize of the lines', run: () => deserialize(serialize(lines)) },
    { label: 'v8.serialize + deserialize of parsed objects', run: () => deserialize(serialize(objects)) },
    { label: 'JSON.stringify + parse of parsed objects', run: () => JSON.parse(JSON.stringify(objects)) },
  ]);
}
