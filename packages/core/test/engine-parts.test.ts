import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DStreamError,
  ManualClock,
  SinkWriteError,
  partitionOf,
  stableHash,
} from '../src/index.js';
import { KeyedMap } from '../src/keyed-map.js';
import { RecurringTimer } from '../src/scheduler/clock.js';

describe('stable hash', () => {
  it('is the same for equal keys in every process (fixed values) and spreads keys', () => {
    expect(stableHash('hello')).toBe(stableHash('hello'));
    expect(stableHash(['a', 1])).toBe(stableHash(['a', 1]));
    expect(stableHash('1')).not.toBe(stableHash(1));
    // Fixed expectations: a changed hash would move keys between partitions across versions.
    expect(stableHash('')).toBe(4127999362);
    expect(partitionOf('word', 1)).toBe(0);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[partitionOf(`key-${i}`, 4)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });

  it('rejects object keys with a clear message', () => {
    expect(() => stableHash({ a: 1 })).toThrow(/a key must be a primitive or an array of primitives/);
  });
});

describe('KeyedMap', () => {
  it('compares array keys by content and keeps primitives apart by type', () => {
    const m = new KeyedMap<unknown, number>();
    m.set(['a', 'b'], 1);
    m.set(['a,b'], 2);
    m.set(1, 3);
    m.set('1', 4);
    expect(m.get(['a', 'b'])).toBe(1);
    expect(m.get(['a,b'])).toBe(2);
    expect(m.get(1)).toBe(3);
    expect(m.size).toBe(4);
    expect(m.delete(['a', 'b'])).toBe(true);
    expect([...m.entries()].length).toBe(3);
  });
});

describe('ManualClock and RecurringTimer', () => {
  it('fires timers in time order as time advances, without drift', () => {
    const clock = new ManualClock(0);
    const ticks: number[] = [];
    const timer = new RecurringTimer(clock, 100, (t) => ticks.push(t));
    timer.start(100);
    clock.advance(350);
    expect(ticks).toEqual([100, 200, 300]);
    expect(timer.stop()).toBe(300);
    clock.advance(1000);
    expect(ticks).toEqual([100, 200, 300]);
    expect(() => clock.setTime(0)).toThrow(ConfigError);
  });
});

describe('errors', () => {
  it('carry a code, retryable and cause, recognised across copies by isInstance', () => {
    const cause = new Error('socket hang up');
    const e = new SinkWriteError('write to table t failed', { cause, retryable: true });
    expect(e.code).toBe('SINK_WRITE');
    expect(e.retryable).toBe(true);
    expect(e.cause).toBe(cause);
    expect(e.name).toBe('SinkWriteError');
    expect(DStreamError.isInstance(e)).toBe(true);
    expect(DStreamError.isInstance({ code: 'SINK_WRITE' })).toBe(false);
    const foreign = Object.assign(new Error('x'), { [Symbol.for('@dstream/core/DStreamError')]: true });
    expect(DStreamError.isInstance(foreign)).toBe(true);
  });
});
