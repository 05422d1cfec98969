import { describe, expect, it } from 'vitest';
import type { State } from '../src/index.js';
import { sortedBatches, testOperation } from '../src/testing/index.js';

type KV = [string, number];
const pairs = (s: string): KV[] => (s === '' ? [] : s.split(' ').map((w) => [w, 1]));

describe('updateStateByKey', () => {
  it('keeps a running count per key and calls update for every key every batch', async () => {
    const out = await testOperation([pairs('a b a'), pairs('b'), pairs('')], (s) =>
      s.updateStateByKey<string, number, number>(
        (values, state) => (state ?? 0) + values.reduce((x, y) => x + y, 0),
      ),
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
        ['a', 2],
        ['b', 2],
      ],
    ]);
  });

  it('removes a key when update returns undefined', async () => {
    const out = await testOperation([pairs('a b'), pairs('a')], (s) =>
      s.updateStateByKey<string, number, number>((values, state) =>
        values.length === 0 ? undefined : (state ?? 0) + values.length,
      ),
    );
    expect(sortedBatches(out)).toEqual([
      [
        ['a', 1],
        ['b', 1],
      ],
      [['a', 2]],
    ]);
  });
});

describe('mapWithState', () => {
  const runningSum = (key: string, value: number | undefined, state: State<number>) => {
    if (state.isTimingOut()) return `${key} timed out at ${state.get()}`;
    const sum = (state.getOption() ?? 0) + (value ?? 0);
    state.update(sum);
    return `${key}=${sum}`;
  };

  it('calls the function per record with the key state, and snapshots the state', async () => {
    const out = await testOperation([pairs('a a b'), pairs('a')], (s) => s.mapWithState({ fn: runningSum }));
    expect(sortedBatches(out)).toEqual([['a=1', 'a=2', 'b=1'], ['a=3']]);
    const snaps = await testOperation([pairs('a a b'), pairs('a')], (s) =>
      s.mapWithState({ fn: runningSum }).stateSnapshots(),
    );
    expect(sortedBatches(snaps)).toEqual([
      [
        ['a', 2],
        ['b', 1],
      ],
      [
        ['a', 3],
        ['b', 1],
      ],
    ]);
  });

  it('times out idle keys once, calling the function with isTimingOut()', async () => {
    // batch interval 1000 ms, timeout 2000 ms: b is last updated at 1000, idle at 2000 and 3000,
    // and times out at 4000 (4000 - 2000 > 1000).
    const out = await testOperation([pairs('a b'), pairs('a'), pairs('a'), pairs('a'), pairs('a')], (s) =>
      s.mapWithState({ fn: runningSum, timeout: 2000 }),
    );
    expect(sortedBatches(out)).toEqual([
      ['a=1', 'b=1'],
      ['a=2'],
      ['a=3'],
      ['a=4', 'b timed out at 1'],
      ['a=5'],
    ]);
  });

  it('starts from initialState and supports remove()', async () => {
    const out = await testOperation([pairs('a b')], (s) =>
      s
        .mapWithState<string, number, number, string>({
          fn: (key, value, state) => {
            if (key === 'b') {
              state.remove();
              return 'b removed';
            }
            state.update((state.getOption() ?? 0) + (value ?? 0));
            return `${key}=${state.get()}`;
          },
          initialState: [
            ['a', 10],
            ['b', 5],
          ],
        })
        .stateSnapshots(),
    );
    expect(out).toEqual([[['a', 11]]]);
  });

  it('rejects a non-positive timeout', async () => {
    await expect(
      testOperation([pairs('a')], (s) => s.mapWithState({ fn: runningSum, timeout: 0 })),
    ).rejects.toThrow(/mapWithState: timeout must be > 0 ms, got 0/);
  });
});
