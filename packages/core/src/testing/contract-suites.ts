import { describe, expect, it } from 'vitest';
import type { Sink, SinkContext } from '../contracts/sink.js';
import type { Source, SourceBatch } from '../contracts/source.js';

/** What a connector gives the shared sink suite: a fresh sink and a way to read its target. */
export interface SinkHarness<T> {
  sink: Sink<T>;
  /** Records to write; the suite splits them into partitions. At least 4. */
  records: T[];
  /** Everything in the target now, in a form comparable with `expected`. */
  read(): Promise<unknown[]>;
  /** What `read()` should return after `records` were written once. */
  expected(records: T[]): unknown[];
  cleanup?(): Promise<void>;
}

function sinkContext(partition: number, numPartitions: number, batchTime: number, attempt = 1): SinkContext {
  return {
    outputId: 'contract-output',
    batchTime,
    partition,
    numPartitions,
    offsetRanges: [],
    partitionOffsetRange: undefined,
    executorId: 0,
    attempt,
  };
}

const sortJson = (values: unknown[]): string[] => values.map((v) => JSON.stringify(v)).sort();

/**
 * The contract every sink passes against its real server (ordering, replay, close).
 *
 * ```ts
 * describeSinkContract('mysqlSink upsert', async () => ({ sink, records, read, expected }));
 * ```
 */
export function describeSinkContract<T>(name: string, setup: () => Promise<SinkHarness<T>>): void {
  describe(`sink contract: ${name}`, () => {
    it('declares its name, guarantee and mechanism', async () => {
      const h = await setup();
      try {
        expect(h.sink.name.length).toBeGreaterThan(0);
        expect(['idempotent', 'transactional', 'at-least-once']).toContain(h.sink.guarantee);
        expect(h.sink.mechanism.length).toBeGreaterThan(0);
      } finally {
        await h.sink.close?.();
        await h.cleanup?.();
      }
    });

    it('writes every record of every partition of a batch', async () => {
      const h = await setup();
      try {
        await h.sink.open?.();
        const half = Math.ceil(h.records.length / 2);
        const parts = [h.records.slice(0, half), h.records.slice(half)];
        await Promise.all(parts.map((p, i) => h.sink.writePartition(p, sinkContext(i, 2, 1000))));
        await h.sink.commitBatch?.({
          outputId: 'contract-output',
          batchTime: 1000,
          numPartitions: 2,
          offsetRanges: [],
        });
        expect(sortJson(await h.read())).toEqual(sortJson(h.expected(h.records)));
      } finally {
        await h.sink.close?.();
        await h.cleanup?.();
      }
    });

    it('replaying a batch leaves an exactly-once sink unchanged and loses nothing in any sink', async () => {
      const h = await setup();
      try {
        await h.sink.open?.();
        await h.sink.writePartition(h.records, sinkContext(0, 1, 2000));
        await h.sink.writePartition(h.records, sinkContext(0, 1, 2000, 2));
        const after = await h.read();
        if (h.sink.guarantee === 'at-least-once') {
          const have = sortJson(after);
          for (const e of sortJson(h.expected(h.records))) expect(have).toContain(e);
        } else {
          expect(sortJson(after)).toEqual(sortJson(h.expected(h.records)));
        }
      } finally {
        await h.sink.close?.();
        await h.cleanup?.();
      }
    });

    it('closes, and writes again after close', async () => {
      const h = await setup();
      try {
        await h.sink.open?.();
        await h.sink.writePartition(h.records.slice(0, 1), sinkContext(0, 1, 3000));
        await h.sink.close?.();
        await h.sink.writePartition(h.records.slice(1), sinkContext(0, 1, 4000));
        expect(sortJson(await h.read())).toEqual(sortJson(h.expected(h.records)));
      } finally {
        await h.sink.close?.();
        await h.cleanup?.();
      }
    });
  });
}

/** What a connector gives the shared source suite. */
export interface SourceHarness<T, R = T> {
  /** A new source over the same upstream data (called again to simulate a restart, or an executor's copy). */
  createSource(): Source<T, R>;
  /** Appends records upstream. */
  produce(count: number): Promise<void>;
  /** A record's identity, to check nothing is read twice or skipped. */
  identity(record: T): string;
  /** Batch times the source is asked for are spaced by this (ms); default 1000. */
  batchInterval?: number;
  cleanup?(): Promise<void>;
}

/**
 * The contract every source passes against its real server (ordering, replay after a checkpoint).
 *
 * ```ts
 * describeSourceContract('fileSource', async () => ({ createSource, produce, identity }));
 * ```
 */
export function describeSourceContract<T, R = T>(
  name: string,
  setup: () => Promise<SourceHarness<T, R>>,
): void {
  describe(`source contract: ${name}`, () => {
    it('declares its name and replayability with a reason', async () => {
      const h = await setup();
      try {
        const s = h.createSource();
        expect(s.name.length).toBeGreaterThan(0);
        expect(typeof s.replayable).toBe('boolean');
        expect(s.replayReason.length).toBeGreaterThan(0);
      } finally {
        await h.cleanup?.();
      }
    });

    it('reads every produced record exactly once across batches', async () => {
      const h = await setup();
      const step = h.batchInterval ?? 1000;
      const source = h.createSource();
      try {
        await source.start?.({ batchInterval: step, rateLimit: () => undefined, log: () => {} });
        await h.produce(20);
        const seen: string[] = [];
        for (let i = 1; i <= 5; i++) {
          const batch = await source.compute(i * step);
          for (const p of await recordsOf(source, batch)) for (const r of p) seen.push(h.identity(r));
          await source.onBatchCompleted?.(i * step, batch.offsetRanges ?? []);
          if (i === 2) await h.produce(10);
        }
        expect(seen.length).toBe(30);
        expect(new Set(seen).size).toBe(30);
      } finally {
        await source.stop?.();
        await h.cleanup?.();
      }
    });

    it('a source restored from a position re-reads nothing before it and misses nothing after it', async () => {
      const h = await setup();
      const step = h.batchInterval ?? 1000;
      const first = h.createSource();
      const second = h.createSource();
      try {
        if (!first.replayable || first.position === undefined) {
          expect(first.replayable).toBe(false);
          return;
        }
        await first.start?.({ batchInterval: step, rateLimit: () => undefined, log: () => {} });
        await h.produce(10);
        const b1 = await first.compute(step);
        const r1 = await recordsOf(first, b1);
        await first.onBatchCompleted?.(step, b1.offsetRanges ?? []);
        const position = first.position();
        await first.stop?.();
        await h.produce(5);
        second.restore?.(position);
        await second.start?.({ batchInterval: step, rateLimit: () => undefined, log: () => {} });
        const seen = new Set<string>();
        for (const p of r1) for (const r of p) seen.add(h.identity(r));
        let after = 0;
        for (let i = 2; i <= 4; i++) {
          const b = await second.compute(i * step);
          for (const p of await recordsOf(second, b)) {
            for (const r of p) {
              expect(seen.has(h.identity(r))).toBe(false);
              seen.add(h.identity(r));
              after++;
            }
          }
          await second.onBatchCompleted?.(i * step, b.offsetRanges ?? []);
        }
        expect(seen.size).toBe(15);
        expect(after).toBe(15 - r1.reduce((n, p) => n + p.length, 0));
      } finally {
        await second.stop?.();
        await h.cleanup?.();
      }
    });

    it('reads a planned partition alike twice, also on a copy that was never started (an executor)', async () => {
      const h = await setup();
      const step = h.batchInterval ?? 1000;
      const source = h.createSource();
      const copy = h.createSource();
      try {
        if (source.readPartition === undefined) {
          expect(copy.readPartition).toBeUndefined();
          return;
        }
        await source.start?.({ batchInterval: step, rateLimit: () => undefined, log: () => {} });
        await h.produce(10);
        const plan = await source.compute(step);
        const here = await recordsOf(source, plan);
        const there = await Promise.all(
          plan.partitions.map((p, partition) => copy.readPartition!(p, { executorId: 1, partition })),
        );
        expect(there.map((p) => p.map((r) => h.identity(r)))).toEqual(
          here.map((p) => p.map((r) => h.identity(r))),
        );
        expect(here.flat().length).toBe(10);
        if (plan.recordCount !== undefined) expect(plan.recordCount).toBe(10);
      } finally {
        await copy.stop?.();
        await source.stop?.();
        await h.cleanup?.();
      }
    });
  });
}

/** A batch's records as the stream sees them: read (readPartition) or decoded (decode) when the source does that. */
async function recordsOf<T, R>(source: Source<T, R>, batch: SourceBatch<R>): Promise<T[][]> {
  const { readPartition, decode } = source;
  if (readPartition !== undefined) {
    return Promise.all(
      batch.partitions.map(async (p, partition) => [
        ...(await readPartition.call(source, p, { executorId: 0, partition })),
      ]),
    );
  }
  if (decode !== undefined) {
    return batch.partitions.map((p) => {
      const out: T[] = [];
      for (const raw of p) decode.call(source, raw, (r) => out.push(r));
      return out;
    });
  }
  return batch.partitions.map((p) => [...p] as unknown as T[]);
}
