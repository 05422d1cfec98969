import type { DStream, StreamingContext } from '@dstream/core';

export interface WordCountStreams {
  /** Words counted in each batch. */
  perBatch: DStream<[string, number]>;
  /** Running totals since the start (updateStateByKey). */
  totals: DStream<[string, number]>;
  /** Counts over the last `windowMs`, every `slideMs` (incremental window with an inverse). */
  windowed: DStream<[string, number]>;
}

/**
 * Spark's NetworkWordCount, plus the seeds' stateful and windowed counts: a job is a function
 * of the context that builds the graph, so it can be rebuilt on restart and on executors.
 */
export function networkWordCount(
  ctx: StreamingContext,
  options: { host: string; port: number; windowMs: number; slideMs: number },
): WordCountStreams {
  const words = ctx
    .socketTextStream(options.host, options.port)
    .flatMap((line) => line.split(' '))
    .filter((word) => word.length > 0);
  const perBatch = words.map((word) => [word, 1] as [string, number]).reduceByKey((a, b) => a + b);
  const totals = perBatch.updateStateByKey<string, number, number>(
    (values, total) => (total ?? 0) + values.reduce((a, b) => a + b, 0),
  );
  const windowed = perBatch.reduceByKeyAndWindow((a, b) => a + b, options.windowMs, options.slideMs, {
    inverse: (a, b) => a - b,
    filter: ([, count]) => count > 0,
  });
  return { perBatch, totals, windowed };
}
