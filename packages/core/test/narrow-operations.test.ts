import { describe, expect, it } from 'vitest';
import { collect, createTestContext, sortedBatches, testOperation } from '../src/testing/index.js';

describe('narrow operations', () => {
  it('map, flatMap and filter fuse into one pass and keep batch order', async () => {
    const out = await testOperation([['a b', 'c'], [], ['d e f']], (s) =>
      s
        .flatMap((l) => l.split(' '))
        .map((w) => w.toUpperCase())
        .filter((w) => w !== 'E'),
    );
    expect(out).toEqual([['A', 'B', 'C'], [], ['D', 'F']]);
  });

  it('flatMap accepts any iterable', async () => {
    const out = await testOperation([[3]], (s) =>
      s.flatMap(function* (n) {
        for (let i = 0; i < n; i++) yield i;
      }),
    );
    expect(out).toEqual([[0, 1, 2]]);
  });

  it('mapPartitions sees each partition once with its index', async () => {
    const { ctx, advance } = createTestContext();
    const items = Array.from({ length: 25 }, (_, i) => i);
    const out = collect(
      ctx
        .queueStream([items], { partitionSize: 10 })
        .mapPartitions((records, p) => [`${p}:${records.length}`]),
    );
    await advance(1);
    expect(out).toEqual([['0:10', '1:10', '2:5']]);
  });

  it('without cache(), each consumer of a stream recomputes it (as in Spark)', async () => {
    const { ctx, advance } = createTestContext();
    let calls = 0;
    const mapped = ctx.queueStream([[1, 2, 3]]).map((x) => {
      calls++;
      return x * 10;
    });
    const a = collect(mapped);
    const b = collect(mapped.filter((x) => x > 10));
    await advance(1);
    expect(a).toEqual([[10, 20, 30]]);
    expect(b).toEqual([[20, 30]]);
    expect(calls).toBe(6);
  });

  it('cache() computes a stream once per batch for several consumers', async () => {
    const { ctx, advance } = createTestContext();
    let calls = 0;
    const mapped = ctx
      .queueStream([[1, 2, 3]])
      .map((x) => {
        calls++;
        return x;
      })
      .cache();
    collect(mapped.map((x) => x + 1));
    collect(mapped.map((x) => x + 2));
    await advance(1);
    expect(calls).toBe(3);
  });

  it('union concatenates batches; repartition spreads records round-robin', async () => {
    const { ctx, advance } = createTestContext();
    const a = ctx.queueStream([[1, 2]]);
    const b = ctx.queueStream([[3]]);
    const u = collect(a.union(b));
    const r = ctx.queueStream([[1, 2, 3, 4, 5]]).repartition(2);
    const parts: number[][][] = [];
    r.foreachBatch((batch) => {
      parts.push(batch.partitions.map((p) => [...p]));
    });
    await advance(1);
    expect(u).toEqual([[1, 2, 3]]);
    expect(parts).toEqual([
      [
        [1, 3, 5],
        [2, 4],
      ],
    ]);
  });

  it('count, reduce and countByValue per batch, including empty batches', async () => {
    const input = [['a', 'b', 'a'], []];
    expect(await testOperation(input, (s) => s.count())).toEqual([[3], [0]]);
    expect(await testOperation(input, (s) => s.reduce((x, y) => x + y))).toEqual([['aba'], []]);
    expect(sortedBatches(await testOperation(input, (s) => s.countByValue()))).toEqual([
      [
        ['a', 2],
        ['b', 1],
      ],
      [],
    ]);
  });

  it('transform applies a batch function', async () => {
    const out = await testOperation([[3, 1, 2]], (s) =>
      s.transform((batch) => [batch.partitions.flat().sort((x, y) => x - y)]),
    );
    expect(out).toEqual([[1, 2, 3]]);
  });
});
