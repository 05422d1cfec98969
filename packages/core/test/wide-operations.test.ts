import { describe, expect, it } from 'vitest';
import type { Batch } from '../src/index.js';
import { partitionOf } from '../src/index.js';
import { createTestContext, sortedBatches, testOperation } from '../src/testing/index.js';

type KV = [string, number];
const pairs = (s: string): KV[] => s.split(' ').map((w) => [w, 1]);

describe('wide operations', () => {
  it('reduceByKey combines values per key over several batches', async () => {
    const out = await testOperation([pairs('a b a'), pairs('b'), []], (s) => s.reduceByKey((x, y) => x + y));
    expect(sortedBatches(out)).toEqual([
      [
        ['a', 2],
        ['b', 1],
      ],
      [['b', 1]],
      [],
    ]);
  });

  it('hash-partitions keys by their stable hash into numPartitions partitions', async () => {
    const { ctx, advance } = createTestContext();
    const seen: Batch<KV>[] = [];
    ctx
      .queueStream([pairs('a b c d e f g h')], { partitionSize: 3 })
      .reduceByKey((x, y) => x + y, 3)
      .foreachBatch((b) => {
        seen.push(b);
      });
    await advance(1);
    expect(seen[0]!.partitions).toHaveLength(3);
    seen[0]!.partitions.forEach((records, p) => {
      for (const [k] of records) expect(partitionOf(k, 3)).toBe(p);
    });
  });

  it('keys may be arrays of primitives, compared by content', async () => {
    const out = await testOperation(
      [
        [
          [['u1', 'p1'], 1],
          [['u1', 'p1'], 2],
          [['u1', 'p2'], 5],
        ] as Array<[[string, string], number]>,
      ],
      (s) => s.reduceByKey((x, y) => x + y),
    );
    expect(sortedBatches(out)).toEqual([
      [
        [['u1', 'p1'], 3],
        [['u1', 'p2'], 5],
      ],
    ]);
  });

  it('groupByKey and combineByKey', async () => {
    const input: KV[][] = [
      [
        ['a', 1],
        ['b', 2],
        ['a', 3],
      ],
    ];
    const grouped = await testOperation(input, (s) =>
      s.groupByKey().map(([k, vs]) => [k, [...vs].sort()] as const),
    );
    expect(sortedBatches(grouped)).toEqual([
      [
        ['a', [1, 3]],
        ['b', [2]],
      ],
    ]);
    const avg = await testOperation(input, (s) =>
      s
        .combineByKey(
          (v) => [v, 1] as [number, number],
          (c, v) => [c[0] + v, c[1] + 1] as [number, number],
          (a, b) => [a[0] + b[0], a[1] + b[1]] as [number, number],
        )
        .mapValues(([sum, n]) => sum / n),
    );
    expect(sortedBatches(avg)).toEqual([
      [
        ['a', 2],
        ['b', 2],
      ],
    ]);
  });

  it('join, leftOuterJoin, rightOuterJoin, fullOuterJoin and cogroup', async () => {
    const { ctx, advance } = createTestContext();
    const left = ctx.queueStream<[string, number]>([
      [
        ['a', 1],
        ['b', 2],
        ['a', 3],
      ],
    ]);
    const right = ctx.queueStream<[string, string]>([
      [
        ['a', 'x'],
        ['c', 'y'],
      ],
    ]);
    const results: Record<string, unknown[]> = {};
    const grab = (name: string) => (b: Batch<unknown>) => {
      results[name] = b.partitions
        .flat()
        .map((r) => JSON.stringify(r))
        .sort();
    };
    left.join(right).foreachBatch(grab('inner'));
    left.leftOuterJoin(right).foreachBatch(grab('left'));
    left.rightOuterJoin(right).foreachBatch(grab('right'));
    left.fullOuterJoin(right).foreachBatch(grab('full'));
    left.cogroup(right).foreachBatch(grab('cogroup'));
    await advance(1);
    const j = (v: unknown) => JSON.stringify(v);
    expect(results.inner).toEqual([j(['a', [1, 'x']]), j(['a', [3, 'x']])].sort());
    expect(results.left).toEqual([j(['a', [1, 'x']]), j(['a', [3, 'x']]), j(['b', [2, undefined]])].sort());
    expect(results.right).toEqual(
      [j(['a', [1, 'x']]), j(['a', [3, 'x']]), j(['c', [undefined, 'y']])].sort(),
    );
    expect(results.full).toEqual(
      [j(['a', [1, 'x']]), j(['a', [3, 'x']]), j(['b', [2, undefined]]), j(['c', [undefined, 'y']])].sort(),
    );
    expect(results.cogroup).toEqual(
      [j(['a', [[1, 3], ['x']]]), j(['b', [[2], []]]), j(['c', [[], ['y']]])].sort(),
    );
  });

  it('rejects a bad numPartitions with a ConfigError naming the operation', () => {
    const { ctx } = createTestContext();
    const s = ctx.queueStream<KV>([]);
    expect(() => s.reduceByKey((a, b) => a + b, 0)).toThrow(
      /reduceByKey: numPartitions must be a whole number >= 1, got 0/,
    );
    expect(() => s.repartition(1.5)).toThrow(/repartition/);
  });
});
