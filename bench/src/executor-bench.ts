import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize, deserialize } from 'node:v8';
import { type Logger, ManualClock, StreamingContext } from '@dstream/core';
import { compare, type Result } from './measure.js';
import { chunkQueue, fileQueue, makeEvents, queue, seen, toChunks } from './ndjson-job.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const jobUrl = new URL('./ndjson-job.ts', import.meta.url);

/** Runs `batches` batches of `lines` through the job with `executors` executors (started once). */
async function startJob(
  executors: number,
  job: 'pageTimes' | 'pageTimesFromChunks' | 'pageTimesFromFiles',
): Promise<{ runBatch(push: () => void): Promise<void>; stop(): Promise<void> }> {
  const clock = new ManualClock();
  const ctx = await StreamingContext.fromModule(jobUrl, job, {
    batchInterval: 1000,
    clock,
    executors,
    logger: quiet,
  });
  await ctx.start();
  return {
    async runBatch(push) {
      push();
      clock.advance(1000);
      await ctx.whenBatchCompleted(clock.now());
      if (seen.keys !== 997) throw new Error(`expected 997 pages, got ${seen.keys}`);
    },
    stop: () => ctx.stop(),
  };
}

/**
 * The job with 0 and 2 executors, fed the events as NDJSON files that executors read themselves
 * (the driver only plans), as raw NDJSON chunks (10k lines each) and as one string per line;
 * measured interleaved. Returns [files: executors 0, 2], [chunks: 0, 2], [lines: 0, 2].
 */
export async function executorSpeedup(
  count: number,
  rounds: number,
): Promise<[Result[], Result[], Result[]]> {
  const lines = makeEvents(count);
  const chunks = toChunks(lines, 10_000);
  const dir = await mkdtemp(join(tmpdir(), 'dstream-bench-ndjson-'));
  const files = await Promise.all(
    chunks.map(async (chunk, i) => {
      const file = join(dir, `events-${i}.ndjson`);
      await writeFile(file, chunk);
      return file;
    }),
  );
  const jobs = [
    await startJob(0, 'pageTimesFromFiles'),
    await startJob(2, 'pageTimesFromFiles'),
    await startJob(0, 'pageTimesFromChunks'),
    await startJob(2, 'pageTimesFromChunks'),
    await startJob(0, 'pageTimes'),
    await startJob(2, 'pageTimes'),
  ] as const;
  const pushFiles = () => fileQueue.push(files);
  const pushChunks = () => chunkQueue.push(chunks);
  const pushLines = () => queue.push(lines);
  try {
    const results = await compare(count, rounds, [
      { label: 'NDJSON files read on executors, executors: 0', run: () => jobs[0].runBatch(pushFiles) },
      { label: 'NDJSON files read on executors, executors: 2', run: () => jobs[1].runBatch(pushFiles) },
      { label: 'raw NDJSON chunks, executors: 0', run: () => jobs[2].runBatch(pushChunks) },
      { label: 'raw NDJSON chunks, executors: 2', run: () => jobs[3].runBatch(pushChunks) },
      { label: 'one string per line, executors: 0', run: () => jobs[4].runBatch(pushLines) },
      { label: 'one string per line, executors: 2', run: () => jobs[5].runBatch(pushLines) },
    ]);
    return [results.slice(0, 2), results.slice(2, 4), results.slice(4, 6)];
  } finally {
    for (const job of jobs) await job.stop();
    await rm(dir, { recursive: true, force: true });
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
