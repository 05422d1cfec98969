import { DStreamError, type Sink } from '@dstream/core';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisSink, applyScriptSha, markerKey, redisOffsetStore, redisSink } from '../../src/index.js';
import { adminClient, deletePrefix, freshPrefix, redisUrl, sinkContext } from './redis-test-env.js';

let admin: Redis;
let prefix: string;
const sinks: Sink<unknown>[] = [];

beforeAll(async () => {
  admin = await adminClient();
});
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close?.()));
  await deletePrefix(admin, prefix);
});
afterAll(async () => {
  await admin.quit();
});

type PageView = [page: string, views: number];

function countsSink(
  options: { maxCommandsPerScript?: number; markerTtlSeconds?: number } = {},
): RedisSink<PageView> {
  const sink = redisSink<PageView>({
    mode: 'exactly-once',
    connection: redisUrl,
    keyPrefix: prefix,
    jobId: 'clicks-job',
    ...options,
    commands: ([page, n]) => [
      { op: 'incrby', key: `${prefix}:views:${page}`, increment: n },
      { op: 'hincrby', key: `${prefix}:views-by-page`, field: page, increment: n },
      { op: 'zincrby', key: `${prefix}:top`, member: page, increment: n },
    ],
  });
  sinks.push(sink as Sink<unknown>);
  return sink;
}

async function totals(pages: readonly string[]): Promise<Record<string, [number, number, number]>> {
  const out: Record<string, [number, number, number]> = {};
  for (const page of pages) {
    out[page] = [
      Number(await admin.get(`${prefix}:views:${page}`)),
      Number(await admin.hget(`${prefix}:views-by-page`, page)),
      Number(await admin.zscore(`${prefix}:top`, page)),
    ];
  }
  return out;
}

describe('redisSink exactly-once', () => {
  it('a replayed batch (same SinkContext) leaves INCRBY/HINCRBY/ZINCRBY counters exact', async () => {
    prefix = freshPrefix('replay');
    const sink = countsSink();
    const records: PageView[] = [
      ['home', 3],
      ['about', 1],
      ['home', 2],
    ];
    const context = sinkContext({ outputId: 'counts', batchTime: 5_000, partition: 1, numPartitions: 2 });
    await sink.writePartition(records, context);
    await sink.writePartition(records, { ...context, attempt: 2 });
    await sink.writePartition(records, { ...context, attempt: 3, executorId: 2 });
    expect(await totals(['home', 'about'])).toEqual({ home: [5, 5, 5], about: [1, 1, 1] });
    expect(sink.stats()).toEqual({ partitions: 3, commands: 9, chunksApplied: 1, chunksSkipped: 2 });
    // The next batch, and another partition of the same batch, are applied.
    await sink.writePartition(records, { ...context, batchTime: 6_000 });
    await sink.writePartition([['about', 10]], { ...context, partition: 0 });
    expect(await totals(['home', 'about'])).toEqual({ home: [10, 10, 10], about: [12, 12, 12] });
    const marker = markerKey(prefix, 'counts', 5_000);
    expect(await admin.hgetall(marker)).toEqual({ '1:0': '1:-', '0:0': '1:-' });
    const ttl = await admin.ttl(marker);
    expect(ttl).toBeGreaterThan(86_000);
    expect(ttl).toBeLessThanOrEqual(86_400);
  });

  it('records aligned offsets in the script and the batch offsets in commitBatch', async () => {
    prefix = freshPrefix('offsets');
    const sink = countsSink();
    const ranges = [
      { topic: 'clicks', partition: 0, fromOffset: 0, untilOffset: 2 },
      { topic: 'clicks', partition: 1, fromOffset: 10, untilOffset: 11 },
    ];
    const context = sinkContext({ outputId: 'counts', numPartitions: 2, offsetRanges: ranges });
    await sink.writePartition(
      [
        ['a', 1],
        ['b', 1],
      ],
      { ...context, partition: 0, partitionOffsetRange: ranges[0] },
    );
    const store = sink.offsetStore;
    if (store === undefined) throw new Error('an exactly-once sink has an offset store');
    expect(await store.load('clicks-job', ['clicks'])).toEqual([
      { topic: 'clicks', partition: 0, offset: 2 },
    ]);
    // An empty aligned partition still records its offset.
    await sink.writePartition([], { ...context, partition: 1, partitionOffsetRange: ranges[1] });
    expect(await store.load('clicks-job', ['clicks'])).toEqual([
      { topic: 'clicks', partition: 0, offset: 2 },
      { topic: 'clicks', partition: 1, offset: 11 },
    ]);
    await sink.commitBatch?.({
      outputId: 'counts',
      batchTime: 2_000,
      numPartitions: 2,
      offsetRanges: [
        { topic: 'clicks', partition: 0, fromOffset: 2, untilOffset: 7 },
        { topic: 'clicks', partition: 1, fromOffset: 11, untilOffset: 12 },
      ],
    });
    const separate = redisOffsetStore({ keyPrefix: prefix, connection: redisUrl });
    expect(await separate.load('clicks-job', ['clicks', 'other'])).toEqual([
      { topic: 'clicks', partition: 0, offset: 7 },
      { topic: 'clicks', partition: 1, offset: 11 + 1 },
    ]);
    await separate.close?.();
  });

  it('skips an aligned range already applied even under another batch time, and refuses an overlap', async () => {
    prefix = freshPrefix('applied-offsets');
    const sink = countsSink();
    const range = (fromOffset: number, untilOffset: number) => ({
      topic: 'clicks',
      partition: 3,
      fromOffset,
      untilOffset,
    });
    const at = (batchTime: number, fromOffset: number, untilOffset: number) =>
      sinkContext({
        outputId: 'counts',
        batchTime,
        offsetRanges: [range(fromOffset, untilOffset)],
        partitionOffsetRange: range(fromOffset, untilOffset),
      });
    const batch: PageView[] = [
      ['a', 1],
      ['a', 1],
    ];
    await sink.writePartition(batch, at(1_000, 0, 2));
    // After a recovery, the same records come back in a batch with a new time: skipped.
    await sink.writePartition(batch, at(7_000, 0, 2));
    expect(await totals(['a'])).toEqual({ a: [2, 2, 2] });
    expect(sink.stats()).toMatchObject({ chunksApplied: 1, chunksSkipped: 1 });
    await sink.writePartition([['a', 1]], at(8_000, 2, 3));
    expect(await totals(['a'])).toEqual({ a: [3, 3, 3] });
    // A range that overlaps what was applied cannot be applied without counting twice.
    const error = await sink.writePartition(batch, at(9_000, 1, 5)).catch((e: unknown) => e);
    expect(DStreamError.isInstance(error) && error.code).toBe('SINK_WRITE');
    expect((error as DStreamError).retryable).toBe(false);
    expect((error as Error).message).toMatch(
      /clicks\[3\] 1\.\.5 \(chunk 0\) conflicts with what this output already applied \(up to 3\)/,
    );
    expect(await totals(['a'])).toEqual({ a: [3, 3, 3] });
    expect(await sink.offsetStore?.load('clicks-job', ['clicks'])).toEqual([
      { topic: 'clicks', partition: 3, offset: 3 },
    ]);
  });

  it('applies the next range recomputed under a batch time already used (recovery of a pending batch)', async () => {
    prefix = freshPrefix('same-time-next-range');
    const sink = countsSink();
    const at = (fromOffset: number, untilOffset: number) => {
      const range = { topic: 'clicks', partition: 0, fromOffset, untilOffset };
      return sinkContext({
        outputId: 'counts',
        batchTime: 4_000,
        offsetRanges: [range],
        partitionOffsetRange: range,
      });
    };
    await sink.writePartition([['a', 1]], at(0, 1));
    // Same batch time, but the source moved on: these are new records and must be applied.
    await sink.writePartition([['a', 1]], at(1, 2));
    expect(await totals(['a'])).toEqual({ a: [2, 2, 2] });
  });

  it('resumes an aligned chunked partition at the chunk where it stopped, under a new batch time', async () => {
    prefix = freshPrefix('aligned-chunks');
    let failAt = 250;
    const sink = redisSink<number>({
      mode: 'exactly-once',
      connection: redisUrl,
      keyPrefix: prefix,
      jobId: 'job',
      maxCommandsPerScript: 100,
      commands: (i) => {
        if (i === failAt) throw new Error('the executor died here');
        return { op: 'incrby', key: `${prefix}:n`, increment: 1 };
      },
    });
    sinks.push(sink as Sink<unknown>);
    const records = Array.from({ length: 1_000 }, (_, i) => i);
    const range = { topic: 'clicks', partition: 0, fromOffset: 5_000, untilOffset: 6_000 };
    const context = sinkContext({
      outputId: 'counts',
      batchTime: 1_000,
      offsetRanges: [range],
      partitionOffsetRange: range,
    });
    await expect(sink.writePartition(records, context)).rejects.toMatchObject({
      code: 'SERIALIZATION',
      message: expect.stringMatching(/threw for record #250 of the partition: Error: the executor died here/),
    });
    // Chunks 0 and 1 (records 0-199) were applied; chunk 2 never reached Redis.
    expect(await admin.get(`${prefix}:n`)).toBe('200');
    failAt = -1;
    await sink.writePartition(records, { ...context, batchTime: 9_000 });
    expect(await admin.get(`${prefix}:n`)).toBe('1000');
    // Counted for the write that completed: 8 chunks applied, the 2 done before were skipped.
    expect(sink.stats()).toEqual({ partitions: 1, commands: 800, chunksApplied: 8, chunksSkipped: 2 });
    expect(await sink.offsetStore?.load('job', ['clicks'])).toEqual([
      { topic: 'clicks', partition: 0, offset: 6_000 },
    ]);
  });

  it('recognises a shuffled batch recomputed under a new batch time by its source ranges', async () => {
    prefix = freshPrefix('ranges-identity');
    const sink = countsSink();
    const ranges = (from: number) => [
      { topic: 'clicks', partition: 0, fromOffset: from, untilOffset: from + 10 },
      { topic: 'clicks', partition: 1, fromOffset: from, untilOffset: from + 10 },
    ];
    // Partitions after a shuffle: not aligned with the ranges, which the context still carries.
    const at = (batchTime: number, from: number, partition: number) =>
      sinkContext({ outputId: 'counts', batchTime, partition, numPartitions: 2, offsetRanges: ranges(from) });
    await sink.writePartition([['a', 4]], at(1_000, 0, 0));
    await sink.writePartition([['b', 6]], at(1_000, 0, 1));
    await sink.commitBatch?.({
      outputId: 'counts',
      batchTime: 1_000,
      numPartitions: 2,
      offsetRanges: ranges(0),
    });
    // Batch 2 is written and then recomputed after a crash under another time: the same ranges.
    await sink.writePartition([['a', 5]], at(2_000, 10, 0));
    await sink.writePartition([['a', 5]], at(3_000, 10, 0));
    await sink.writePartition([['b', 5]], at(3_000, 10, 1));
    expect(await totals(['a', 'b'])).toEqual({ a: [9, 9, 9], b: [11, 11, 11] });
    // Batch 1 comes back after its offsets were committed: skipped, whatever its time.
    await sink.writePartition([['a', 4]], at(4_000, 0, 0));
    expect(await totals(['a'])).toEqual({ a: [9, 9, 9] });
    await sink.commitBatch?.({
      outputId: 'counts',
      batchTime: 3_000,
      numPartitions: 2,
      offsetRanges: ranges(10),
    });
    // Re-committing the older batch does not move the offsets back.
    await sink.commitBatch?.({
      outputId: 'counts',
      batchTime: 1_000,
      numPartitions: 2,
      offsetRanges: ranges(0),
    });
    expect(await sink.offsetStore?.load('clicks-job', ['clicks'])).toEqual([
      { topic: 'clicks', partition: 0, offset: 20 },
      { topic: 'clicks', partition: 1, offset: 20 },
    ]);
    // Ranges overlapping committed ones (re-read with other boundaries) are refused.
    const overlap = [{ topic: 'clicks', partition: 0, fromOffset: 15, untilOffset: 30 }];
    const error = await sink
      .writePartition(
        [['a', 1]],
        sinkContext({ outputId: 'counts', batchTime: 5_000, offsetRanges: overlap }),
      )
      .catch((e: unknown) => e);
    expect(DStreamError.isInstance(error) && error.code).toBe('SINK_WRITE');
    expect((error as Error).message).toMatch(/conflict with offsets this output already committed/);
    expect(await totals(['a'])).toEqual({ a: [9, 9, 9] });
  });

  it('writes a partition larger than maxCommandsPerScript in chunks, each exactly once', async () => {
    prefix = freshPrefix('chunks');
    const sink = countsSink({ maxCommandsPerScript: 100 });
    const records: PageView[] = Array.from({ length: 1_000 }, (_, i) => [`p${i % 7}`, 1 + (i % 3)]);
    const context = sinkContext({ outputId: 'counts', batchTime: 9_000 });
    await sink.writePartition(records, context);
    await sink.writePartition(records, { ...context, attempt: 2 });
    expect(sink.stats()).toMatchObject({ chunksApplied: 30, chunksSkipped: 30, commands: 3_000 });
    const expected: Record<string, [number, number, number]> = {};
    for (const [page, n] of records) {
      const t = expected[page] ?? [0, 0, 0];
      expected[page] = [t[0] + n, t[1] + n, t[2] + n];
    }
    expect(await totals(Object.keys(expected))).toEqual(expected);
    // 3 000 commands in chunks of 100: 30 marker fields, each with the chunk's digest.
    const markers = await admin.hgetall(markerKey(prefix, 'counts', 9_000));
    expect(Object.keys(markers)).toHaveLength(30);
    expect(Object.values(markers).every((v) => /^m:[0-9a-f]{40}$/.test(v))).toBe(true);
    // A replay whose content differs is refused loudly instead of skipped or applied twice.
    const reordered = [...records].reverse();
    const error = await sink.writePartition(reordered, { ...context, attempt: 3 }).catch((e: unknown) => e);
    expect(DStreamError.isInstance(error) && error.code).toBe('SINK_WRITE');
    expect((error as Error).message).toMatch(/applied earlier with different content/);
    expect(await totals(Object.keys(expected))).toEqual(expected);
  });

  it('falls back to EVAL when the server forgot the script (SCRIPT FLUSH)', async () => {
    prefix = freshPrefix('noscript');
    const sink = countsSink();
    await sink.writePartition([['a', 1]], sinkContext({ outputId: 'counts', batchTime: 1 }));
    await admin.script('FLUSH');
    expect(await admin.script('EXISTS', applyScriptSha)).toEqual([0]);
    await sink.writePartition([['a', 1]], sinkContext({ outputId: 'counts', batchTime: 2 }));
    expect(await admin.script('EXISTS', applyScriptSha)).toEqual([1]);
    expect(await totals(['a'])).toEqual({ a: [2, 2, 2] });
  });

  it('marker keys expire after markerTtlSeconds', async () => {
    prefix = freshPrefix('ttl');
    const sink = countsSink({ markerTtlSeconds: 1 });
    const context = sinkContext({ outputId: 'counts', batchTime: 3 });
    await sink.writePartition([['a', 1]], context);
    expect(await admin.pttl(markerKey(prefix, 'counts', 3))).toBeLessThanOrEqual(1_000);
    // The documented trade-off: a replay after the marker expired applies the batch again.
    const deadline = Date.now() + 5_000;
    while ((await admin.exists(markerKey(prefix, 'counts', 3))) === 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await sink.writePartition([['a', 1]], { ...context, attempt: 2 });
    expect(await totals(['a'])).toEqual({ a: [2, 2, 2] });
  });
});
