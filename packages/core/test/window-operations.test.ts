import { describe, expect, it } from 'vitest';
import { createTestContext, sortedBatches, testOperation } from '../src/testing/index.js';

type KV = [string, number];
const words = [['a'], ['a', 'b'], ['b'], [], ['a'], []];
const pairs = words.map((b) => b.map((w): KV => [w, 1]));

describe('windows', () => {
  it('window(2000, 1000) is the union of the last two batches', async () => {
    const out = await testOperation(words, (s) => s.window(2000, 1000), { batches: 5 });
    expect(sortedBatches(out)).toEqual([['a'], ['a', 'a', 'b'], ['a', 'b', 'b'], ['b'], ['a']]);
  });

  it('a window with a slide yields batches only at multiples of the slide', async () => {
    const out = await testOperation(words, (s) => s.window(3000, 2000), { batches: 4 });
    expect(sortedBatches(out)).toEqual([
      ['a', 'a', 'b'],
      ['a', 'b', 'b'],
    ]);
  });

  it('reduceByKeyAndWindow without the inverse function', async () => {
    const out = await testOperation(pairs, (s) => s.reduceByKeyAndWindow((x, y) => x + y, 2000, 1000), {
      batches: 5,
    });
    expect(sortedBatches(out)).toEqual([
      [['a', 1]],
      [
        ['a', 2],
        ['b', 1],
      ],
      [
        ['a', 1],
        ['b', 2],
      ],
      [['b', 1]],
      [['a', 1]],
    ]);
  });

  it('reduceByKeyAndWindow with the inverse function keeps zero counts unless filtered', async () => {
    const plus = (x: number, y: number) => x + y;
    const minus = (x: number, y: number) => x - y;
    const raw = await testOperation(
      pairs,
      (s) => s.reduceByKeyAndWindow(plus, 2000, 1000, { inverse: minus }),
      {
        batches: 5,
      },
    );
    expect(sortedBatches(raw)).toEqual([
      [['a', 1]],
      [
        ['a', 2],
        ['b', 1],
      ],
      [
        ['a', 1],
        ['b', 2],
      ],
      [
        ['a', 0],
        ['b', 1],
      ],
      [
        ['a', 1],
        ['b', 0],
      ],
    ]);
    const filtered = await testOperation(
      pairs,
      (s) => s.reduceByKeyAndWindow(plus, 2000, 1000, { inverse: minus, filter: ([, v]) => v !== 0 }),
      { batches: 5 },
    );
    expect(sortedBatches(filtered)).toEqual([
      [['a', 1]],
      [
        ['a', 2],
        ['b', 1],
      ],
      [
        ['a', 1],
        ['b', 2],
      ],
      [['b', 1]],
      [['a', 1]],
    ]);
  });

  it('inverse windows with a slide longer than the batch interval', async () => {
    const out = await testOperation(
      pairs,
      (s) =>
        s.reduceByKeyAndWindow((x, y) => x + y, 4000, 2000, {
          inverse: (x, y) => x - y,
          filter: ([, v]) => v !== 0,
        }),
      { batches: 6 },
    );
    expect(sortedBatches(out)).toEqual([
      [
        ['a', 2],
        ['b', 1],
      ],
      [
        ['a', 2],
        ['b', 2],
      ],
      [
        ['a', 1],
        ['b', 1],
      ],
    ]);
  });

  it('countByWindow, reduceByWindow and countByValueAndWindow', async () => {
    expect(await testOperation(words, (s) => s.countByWindow(2000, 1000), { batches: 5 })).toEqual([
      [1],
      [3],
      [3],
      [1],
      [1],
    ]);
    const concat = await testOperation(
      words,
      (s) => s.reduceByWindow((x, y) => [x, y].sort().join(''), 2000, 1000),
      {
        batches: 5,
      },
    );
    expect(concat).toEqual([['a'], ['aab'], ['abb'], ['b'], ['a']]);
    const nums = words.map((b) => b.map((w): number => (w === 'a' ? 1 : 10)));
    const sums = await testOperation(
      nums,
      (s) =>
        s.reduceByWindow(
          (x, y) => x + y,
          2000,
          1000,
          (x, y) => x - y,
        ),
      {
        batches: 5,
      },
    );
    expect(sums).toEqual([[1], [12], [21], [10], [1]]);
    const byValue = await testOperation(words, (s) => s.countByValueAndWindow(2000, 1000), { batches: 5 });
    expect(sortedBatches(byValue)).toEqual([
      [['a', 1]],
      [
        ['a', 2],
        ['b', 1],
      ],
      [
        ['a', 1],
        ['b', 2],
      ],
      [['b', 1]],
      [['a', 1]],
    ]);
  });

  it('rejects window and slide durations that are not multiples of the batch interval', () => {
    const { ctx } = createTestContext({ batchInterval: 1000 });
    const s = ctx.queueStream<KV>([]);
    expect(() => s.window(1500)).toThrow(
      /window: windowDuration 1500 ms is not a multiple of the parent stream's interval 1000 ms/,
    );
    expect(() => s.window(2000, 500)).toThrow(/slideDuration 500 ms/);
    expect(() => s.reduceByKeyAndWindow((a, b) => a + b, 2500, 1000)).toThrow(/windowDuration 2500 ms/);
    expect(() => s.countByWindow(0)).toThrow(/must be > 0 ms/);
  });
});
