import { type DStream, ManualClock, StreamingContext } from '@dstream/core';
import { compare, type Result } from './measure.js';

const VOCABULARY = Array.from({ length: 1000 }, (_, i) => `word${i}`);

/** Deterministic lines of 8 words each (a tiny LCG, so every run measures the same input). */
export function makeLines(count: number): string[] {
  let seed = 42;
  const next = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const words: string[] = [];
    for (let w = 0; w < 8; w++) words.push(VOCABULARY[next() % VOCABULARY.length]!);
    lines.push(words.join(' '));
  }
  return lines;
}

/** Runs one batch of `records` through `build` on a manual clock; resolves when it completed. */
async function runOneBatch<T, U>(
  records: T[],
  build: (s: DStream<T>) => DStream<U>,
  sink: (n: number) => void,
): Promise<void> {
  const clock = new ManualClock();
  const ctx = new StreamingContext({ batchInterval: 1000, clock });
  build(ctx.queueStream([records])).foreachBatch((b) => {
    let n = 0;
    for (const p of b.partitions) n += p.length;
    sink(n);
  });
  await ctx.start();
  clock.advance(1000);
  await ctx.whenBatchCompleted(1000);
  await ctx.stop();
}

export async function wordCount(lines: string[], rounds: number): Promise<Result[]> {
  let keys = 0;
  const check = (what: string) => (n: number) => {
    if (n !== keys) throw new Error(`${what} produced ${n} keys, expected ${keys}`);
  };
  return compare(lines.length, rounds, [
    {
      label: 'hand loop: split + Map (lines)',
      run: () => {
        const counts = new Map<string, number>();
        for (const line of lines) for (const w of line.split(' ')) counts.set(w, (counts.get(w) ?? 0) + 1);
        keys = counts.size;
      },
    },
    {
      label: 'dstream flatMap → map → reduceByKey (lines)',
      run: () =>
        runOneBatch(
          lines,
          (s) =>
            s
              .flatMap((l) => l.split(' '))
              .map((w) => [w, 1] as [string, number])
              .reduceByKey((a, b) => a + b),
          check('reduceByKey'),
        ),
    },
    {
      label: 'dstream flatMap → countByValue (lines)',
      run: () =>
        runOneBatch(lines, (s) => s.flatMap((l) => l.split(' ')).countByValue(), check('countByValue')),
    },
  ]);
}

export async function mapFilterReduce(numKeys: number, count: number, rounds: number): Promise<Result[]> {
  const records = Array.from({ length: count }, (_, i) => ({ key: `k${i % numKeys}`, value: i % 100 }));
  let expected = 0;
  return compare(count, rounds, [
    {
      label: `hand loop (${numKeys} keys)`,
      run: () => {
        const sums = new Map<string, number>();
        for (const r of records) {
          const v = r.value * 2;
          if (v % 3 === 0) continue;
          sums.set(r.key, (sums.get(r.key) ?? 0) + v);
        }
        expected = sums.size;
      },
    },
    {
      label: `dstream map → filter → reduceByKey (${numKeys} keys)`,
      run: () =>
        runOneBatch(
          records,
          (s) =>
            s
              .map((r) => [r.key, r.value * 2] as [string, number])
              .filter((p) => p[1] % 3 !== 0)
              .reduceByKey((a, b) => a + b),
          (n) => {
            if (n !== expected) throw new Error(`reduceByKey produced ${n} keys, expected ${expected}`);
          },
        ),
    },
  ]);
}

/** Milliseconds per empty batch, end to end through the scheduler (generate → outputs → complete). */
export async function emptyBatchCost(batches: number): Promise<number> {
  const clock = new ManualClock();
  const ctx = new StreamingContext({ batchInterval: 1000, clock });
  const s = ctx.queueStream<string>([]);
  s.map((x) => [x, 1] as [string, number])
    .reduceByKey((a, b) => a + b)
    .foreachBatch(() => {});
  s.count().foreachBatch(() => {});
  await ctx.start();
  const start = process.hrtime.bigint();
  for (let i = 1; i <= batches; i++) {
    clock.advance(1000);
    await ctx.whenBatchCompleted(i * 1000);
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  await ctx.stop();
  return ms / batches;
}
