import { serialize, deserialize } from 'node:v8';
import { type Logger, ManualClock, StreamingContext } from '@dstream/core';
import { compare, type Result } from './measure.js';
import { chunkQueue, makeEvents, queue, seen, toChunks } from './ndjson-job.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const jobUrl = new URL('./ndjson-job.ts', import.meta.url);

/** Runs `batches` batches of `lines` through the job with `executors` executors (started once). */
async function startJob(
  executors: number,
  job: 'pageTimes' | 'pageTimesFromChunks',
): Promise<{ runBatch(lines: string[] | Buffer[]): Promise<void>; stop(): Promise<void> }> {
  const clock = new ManualClock();
  const ctx = await StreamingContext.fromModule(jobUrl, job, {
    batchInterval: 1000,
    clock,
    executors,
    logger: quiet,
  });
  await ctx.start();
  return {
    async runBatch(input) {
      if (typeof input[0] === 'string') queue.push(input as string[]);
      else chunkQueue.push(input as Buffer[]);
      clock.advance(1000);
      await ctx.whenBatchCompleted(clock.now());
      if (seen.keys !== 997) throw new Error(`expected 997 pages, got ${seen.keys}`);
    },
    stop: () => ctx.stop(),
  };
}

/**
 * The job with 0 and 2 executors, fed the events as raw NDJSON chunks (10k lines each) and as
 * one string per line; measured interleaved. Returns [chunks: executors 0, 2], [lines: 0, 2].
 */
export async function executorSpeedup(count: number, rounds: number): Promise<[Result[], Result[]]> {
  const lines = makeEvents(count);
  const chunks = toChunks(lines, 10_000);
  const jobs = [
    await startJob(0, 'pageTimesFromChunks'),
    await startJob(2, 'pageTimesFromChunks'),
    await startJob(0, 'pageTimes'),
    await startJob(2, 'pageTimes'),
  ] as const;
  try {
    const [c0, c2, l0, l2] = await compare(count, rounds, [
      { label: 'raw NDJSON chunks, executors: 0', run: () => jobs[0].runBatch(chunks) },
      { label: 'raw NDJSON chunks, executors: 2', run: () => jobs[1].runBatch(chunks) },
      { label: 'one string per line, executors: 0', run: () => jobs[2].runBatch(lines) },
      { label: 'one string per line, executors: 2', run: () => jobs[3].runBatch(lines) },
    ]);
    return [
      [c0!, c2!],
      [l0!, l2!],
    ];
  } finally {
    for (const job of jobs) await job.stop();
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
