// The CPU-bound job of the executor benchmark: JSON parse + filter + reduceByKey over NDJSON.
import { readFile } from 'node:fs/promises';
import type { DStream, Source, StreamingContext } from '@dstream/core';

export const queue: string[][] = [];
/** The same events as raw NDJSON chunks (what a file, a socket or Kafka hands over): bytes, not objects. */
export const chunkQueue: Buffer[][] = [];
/** The same events in NDJSON files, one file per partition: the driver plans, executors read. */
export const fileQueue: string[][] = [];
export const seen: { keys: number } = { keys: 0 };

interface PageView {
  user: string;
  page: string;
  ms: number;
  ok: boolean;
}

function sumByPage(lines: DStream<string>): void {
  lines
    .map((line) => JSON.parse(line) as PageView)
    .filter((e) => e.ok)
    .map((e) => [e.page, e.ms] as [string, number])
    .reduceByKey((a, b) => a + b)
    .foreachBatch((b) => {
      seen.keys = b.partitions.reduce((n, p) => n + p.length, 0);
    });
}

export function pageTimes(ctx: StreamingContext): void {
  sumByPage(ctx.queueStream(queue, { partitionSize: 10_000 }));
}

/** One chunk per partition: the executors split and parse, the driver only moves the bytes. */
export function pageTimesFromChunks(ctx: StreamingContext): void {
  sumByPage(
    ctx.queueStream(chunkQueue, { partitionSize: 1 }).flatMap((chunk) => chunk.toString('utf8').split('\n')),
  );
}

/** The files are read where their partitions are processed (Source.readPartition). */
export function pageTimesFromFiles(ctx: StreamingContext): void {
  const files: Source<string, string> = {
    name: 'ndjson-files',
    replayable: false,
    replayReason: 'the benchmark queues its files in memory',
    async compute() {
      return { partitions: (fileQueue.shift() ?? []).map((file) => [file]) };
    },
    async readPartition([file]) {
      return (await readFile(file!, 'utf8')).split('\n');
    },
  };
  sumByPage(ctx.source(files));
}

/** The lines as NDJSON chunks of `linesPerChunk` lines. */
export function toChunks(lines: readonly string[], linesPerChunk: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < lines.length; i += linesPerChunk)
    out.push(Buffer.from(lines.slice(i, i + linesPerChunk).join('\n')));
  return out;
}

export function makeEvents(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push(
      JSON.stringify({
        user: `user-${i % 5000}`,
        page: `/page/${i % 997}`,
        ms: i % 300,
        ok: i % 10 !== 0,
        referrer: 'https://example.com/some/long/referrer/path?with=query&and=more',
        agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)',
      }),
    );
  }
  return out;
}
