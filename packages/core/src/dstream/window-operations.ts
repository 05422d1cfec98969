import type { Batch, Time } from '../batch.js';
import { ConfigError } from '../errors.js';
import { KeyedMap } from '../keyed-map.js';
import { type Key, partitionOf } from '../stable-hash.js';
import { DStream } from './dstream.js';
import { count, reduce, resolvePartitions } from './shuffle-operations.js';
import { type Pair, mergedMeta } from './types.js';

function checkDuration(op: string, name: string, value: number, parentSlide: number): void {
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigError(`${op}: ${name} must be > 0 ms, got ${value}`);
  if (value % parentSlide !== 0) {
    throw new ConfigError(
      `${op}: ${name} ${value} ms is not a multiple of the parent stream's interval ${parentSlide} ms (the batch interval unless the parent is windowed)`,
    );
  }
}

/** The parent's batch times in (end - duration, end], oldest first, none before the start. */
function timesIn(parent: DStream<unknown>, end: Time, duration: number): Time[] {
  const times: Time[] = [];
  for (let t = end - duration + parent.slideDuration; t <= end; t += parent.slideDuration) {
    if (parent.isTimeValid(t)) times.push(t);
  }
  return times;
}

async function batchesIn<T>(parent: DStream<T>, end: Time, duration: number): Promise<Batch<T>[]> {
  const out = await Promise.all(
    timesIn(parent as DStream<unknown>, end, duration).map((t) => parent.getOrCompute(t)),
  );
  return out.filter((b): b is Batch<T> => b !== undefined);
}

export function window<T>(parent: DStream<T>, windowDuration: number, slideDuration: number): DStream<T> {
  checkDuration('window', 'windowDuration', windowDuration, parent.slideDuration);
  checkDuration('window', 'slideDuration', slideDuration, parent.slideDuration);
  parent.setRememberDuration(windowDuration);
  parent.checkpointed = true;
  return new DStream<T>(parent.graph, {
    kind: 'window',
    params: `${windowDuration},${slideDuration}`,
    parents: [parent as DStream<unknown>],
    slideDuration,
    compute: async (time) => {
      const batches = await batchesIn(parent, time, windowDuration);
      return { time, partitions: batches.flatMap((b) => b.partitions), ...mergedMeta(batches, false) };
    },
  });
}

export function reduceByWindow<T>(
  parent: DStream<T>,
  fn: (a: T, b: T) => T,
  windowDuration: number,
  slideDuration: number,
  inverse?: (a: T, b: T) => T,
): DStream<T> {
  if (inverse === undefined) return reduce(window(reduce(parent, fn), windowDuration, slideDuration), fn);
  const keyed = parent.map((r) => [0, r] as [number, T]);
  return reduceByKeyAndWindow(keyed, fn, windowDuration, slideDuration, { inverse, numPartitions: 1 }).map(
    (p) => p[1],
  );
}

export function countByWindow<T>(
  parent: DStream<T>,
  windowDuration: number,
  slideDuration: number,
): DStream<number> {
  return reduceByWindow(
    count(parent),
    (a, b) => a + b,
    windowDuration,
    slideDuration,
    (a, b) => a - b,
  );
}

export function countByValueAndWindow<T extends Key>(
  parent: DStream<T>,
  windowDuration: number,
  slideDuration: number,
  numPartitions?: number,
): DStream<[T, number]> {
  return reduceByKeyAndWindow(
    parent.map((r) => [r, 1] as [T, number]),
    (a, b) => a + b,
    windowDuration,
    slideDuration,
    { inverse: (a, b) => a - b, numPartitions, filter: (p) => p[1] !== 0 },
  );
}

export function reduceByKeyAndWindow<K extends Key, V>(
  parent: DStream<Pair<K, V>>,
  fn: (a: V, b: V) => V,
  windowDuration: number,
  slideDuration: number,
  options: {
    inverse?: (a: V, b: V) => V;
    numPartitions?: number | undefined;
    filter?: (pair: [K, V]) => boolean;
  },
): DStream<[K, V]> {
  const reduced = parent.reduceByKey(fn, options.numPartitions);
  if (options.inverse === undefined) {
    const windowed = window(reduced, windowDuration, slideDuration).reduceByKey(fn, options.numPartitions);
    return options.filter ? windowed.filter(options.filter) : windowed;
  }
  return reducedWindow(reduced, fn, options.inverse, windowDuration, slideDuration, options);
}

/**
 * Spark's ReducedWindowedDStream: window(t) = window(t - slide) + batches that entered − batches
 * that left, per key, so each slide costs O(slide) instead of O(window).
 */
function reducedWindow<K extends Key, V>(
  reduced: DStream<[K, V]>,
  fn: (a: V, b: V) => V,
  inverse: (a: V, b: V) => V,
  windowDuration: number,
  slideDuration: number,
  options: { numPartitions?: number | undefined; filter?: (pair: [K, V]) => boolean },
): DStream<[K, V]> {
  checkDuration('reduceByKeyAndWindow', 'windowDuration', windowDuration, reduced.slideDuration);
  checkDuration('reduceByKeyAndWindow', 'slideDuration', slideDuration, reduced.slideDuration);
  const n = resolvePartitions(reduced.graph, options.numPartitions, 'reduceByKeyAndWindow');
  reduced.setRememberDuration(windowDuration + slideDuration);
  reduced.checkpointed = true;
  const filter = options.filter;
  const stream: DStream<[K, V]> = new DStream<[K, V]>(reduced.graph, {
    kind: 'reduceByKeyAndWindow',
    params: `${windowDuration},${slideDuration},${n},inverse`,
    parents: [reduced as DStream<unknown>],
    slideDuration,
    compute: async (time) => {
      const previous = await stream.getOrCompute(time - slideDuration);
      const entered = await batchesIn(reduced, time, slideDuration);
      const left = await batchesIn(reduced, time - windowDuration, slideDuration);
      const state = Array.from({ length: n }, () => new KeyedMap<K, V>());
      if (previous)
        for (const part of previous.partitions)
          for (const [k, v] of part) state[partitionOf(k, n)]!.set(k, v);
      for (const b of left) {
        for (const part of b.partitions) {
          for (const [k, v] of part) {
            const target = state[partitionOf(k, n)]!;
            const current = target.get(k);
            if (current !== undefined) target.set(k, inverse(current, v));
          }
        }
      }
      for (const b of entered) {
        for (const part of b.partitions) {
          for (const [k, v] of part) {
            const target = state[partitionOf(k, n)]!;
            const current = target.get(k);
            target.set(k, current === undefined ? v : fn(current, v));
          }
        }
      }
      const partitions = state.map((map) => {
        const list: Array<[K, V]> = [];
        map.forEach((v, k) => {
          const pair: [K, V] = [k, v];
          if (filter === undefined || filter(pair)) list.push(pair);
        });
        return list;
      });
      return { time, partitions, ...mergedMeta(entered, false) };
    },
  });
  stream.setRememberDuration(slideDuration);
  stream.checkpointed = true;
  return stream;
}
