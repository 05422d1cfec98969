import type { Batch } from '../batch.js';
import { ConfigError } from '../errors.js';
import { KeyedMap } from '../keyed-map.js';
import { type Key, partitionOf } from '../stable-hash.js';
import type { DStreamGraph } from './dstream-graph.js';
import { DStream, type MapSide, type PartitionScan } from './dstream.js';
import { type BatchMeta, type Pair, derivedMeta, mergedMeta } from './types.js';

/** The partition count of a wide operation: the argument, else the context's default. */
export function resolvePartitions(
  graph: DStreamGraph,
  numPartitions: number | undefined,
  op: string,
): number {
  const n = numPartitions ?? graph.defaultParallelism;
  if (!Number.isInteger(n) || n < 1) {
    throw new ConfigError(`${op}: numPartitions must be a whole number >= 1, got ${String(numPartitions)}`);
  }
  return n;
}

/**
 * Routes combined entries to `numPartitions` partitions by the key's stable hash: hashing happens
 * once per distinct key, not once per record.
 */
export function partitionCombined<K, C>(
  combined: KeyedMap<K, C>,
  numPartitions: number,
): Array<Array<[K, C]>> {
  const out: Array<Array<[K, C]>> = Array.from({ length: numPartitions }, () => []);
  if (numPartitions === 1) {
    const only = out[0]!;
    combined.forEach((c, k) => only.push([k, c]));
  } else {
    combined.forEach((c, k) => out[partitionOf(k, numPartitions)]!.push([k, c]));
  }
  return out;
}

/**
 * Hash-partitioned aggregation with a map-side combine. On one executor every input partition
 * folds into one map (combining is associative, so this equals combining per partition and then
 * merging, without the merge); `emitInto` builds the per-record fold for that map.
 */
export function aggregateScan<R, K, C>(
  scan: PartitionScan<R>,
  emitInto: (map: KeyedMap<K, C>) => (record: R) => void,
  numPartitions: number,
): Array<Array<[K, C]>> {
  const map = new KeyedMap<K, C>();
  const emit = emitInto(map);
  for (let p = 0; p < scan.numPartitions; p++) scan.run(p, emit);
  return partitionCombined(map, numPartitions);
}

/** Merges the combined entries that executors returned, one list per input partition. */
function mergeCombined<K, C>(
  lists: Array<Array<[unknown, unknown]>>,
  mergeCombiners: (a: C, b: C) => C,
  numPartitions: number,
): Array<Array<[K, C]>> {
  const map = new KeyedMap<K, C>();
  for (const list of lists) {
    for (const [k, c] of list as Array<[K, C]>) {
      const current = map.get(k);
      map.set(k, current === undefined ? c : mergeCombiners(current, c));
    }
  }
  return partitionCombined(map, numPartitions);
}

/**
 * The shuffle of a wide operation: on executors, each input partition is combined where it is
 * computed and the driver merges the combiners; on the driver alone, one map takes every record.
 */
async function shuffle<R, K, C>(
  stream: DStream<[K, C]>,
  scan: PartitionScan<R>,
  emitInto: (map: KeyedMap<K, C>) => (record: R) => void,
  mergeCombiners: (a: C, b: C) => C,
  numPartitions: number,
): Promise<Array<Array<[K, C]>>> {
  const executors = stream.graph.runtime?.executors;
  if (executors === undefined || scan.numPartitions === 0)
    return aggregateScan(scan, emitInto, numPartitions);
  const lists = await executors.combine(
    stream.kind,
    scan.time,
    stream as DStream<unknown>,
    scan as PartitionScan<unknown>,
  );
  return mergeCombined(lists, mergeCombiners, numPartitions);
}

export function combineByKey<K extends Key, V, C>(
  parent: DStream<Pair<K, V>>,
  createCombiner: (value: V) => C,
  mergeValue: (combiner: C, value: V) => C,
  mergeCombiners: (a: C, b: C) => C,
  numPartitions: number | undefined,
  kind: string,
): DStream<[K, C]> {
  const n = resolvePartitions(parent.graph, numPartitions, kind);
  const emitInto = (map: KeyedMap<K, C>) => {
    const primitives = map.primitives as Map<K, C>;
    return (pair: Pair<K, V>) => {
      const key = pair[0];
      if (typeof key !== 'object' || key === null) {
        const current = primitives.get(key);
        primitives.set(key, current === undefined ? createCombiner(pair[1]) : mergeValue(current, pair[1]));
      } else {
        const current = map.get(key);
        map.set(key, current === undefined ? createCombiner(pair[1]) : mergeValue(current, pair[1]));
      }
    };
  };
  const stream: DStream<[K, C]> = new DStream<[K, C]>(parent.graph, {
    kind,
    params: String(n),
    parents: [parent as DStream<unknown>],
    compute: async (time) => {
      const scan = await parent.scan(time, parent.graph.runtime?.executors !== undefined);
      if (scan === undefined) return undefined;
      const partitions = await shuffle(stream, scan, emitInto, mergeCombiners, n);
      return { time, partitions, ...derivedMeta(scan.meta, false) };
    },
  });
  stream.mapSide = mapSideOf(parent, emitInto, mergeCombiners);
  return stream;
}

function mapSideOf<R, K, C>(
  parent: DStream<R>,
  emitInto: (map: KeyedMap<K, C>) => (record: R) => void,
  mergeCombiners: (a: C, b: C) => C,
): MapSide {
  return {
    parent: parent as DStream<unknown>,
    emitInto: emitInto as unknown as MapSide['emitInto'],
    mergeCombiners: mergeCombiners as MapSide['mergeCombiners'],
  };
}

export function groupByKey<K extends Key, V>(
  parent: DStream<Pair<K, V>>,
  numPartitions?: number,
): DStream<[K, V[]]> {
  return combineByKey(
    parent,
    (v: V) => [v],
    (list, v) => {
      list.push(v);
      return list;
    },
    (a, b) => {
      for (const v of b) a.push(v);
      return a;
    },
    numPartitions,
    'groupByKey',
  );
}

/** Counting without [value, 1] tuples: the specialised path behind countByValue. */
export function countByValue<T extends Key>(
  parent: DStream<T>,
  numPartitions?: number,
): DStream<[T, number]> {
  const n = resolvePartitions(parent.graph, numPartitions, 'countByValue');
  const emitInto = (map: KeyedMap<T, number>) => {
    const primitives = map.primitives as Map<T, number>;
    return (record: T) => {
      if (typeof record !== 'object' || record === null) {
        primitives.set(record, (primitives.get(record) ?? 0) + 1);
      } else {
        map.set(record, (map.get(record) ?? 0) + 1);
      }
    };
  };
  const sum = (a: number, b: number) => a + b;
  const stream: DStream<[T, number]> = new DStream<[T, number]>(parent.graph, {
    kind: 'countByValue',
    params: String(n),
    parents: [parent as DStream<unknown>],
    compute: async (time) => {
      const scan = await parent.scan(time, parent.graph.runtime?.executors !== undefined);
      if (scan === undefined) return undefined;
      const partitions = await shuffle(stream, scan, emitInto, sum, n);
      return { time, partitions, ...derivedMeta(scan.meta, false) };
    },
  });
  stream.mapSide = mapSideOf(parent, emitInto, sum);
  return stream;
}

export function cogroup<K extends Key, V, W>(
  left: DStream<Pair<K, V>>,
  right: DStream<Pair<K, W>>,
  numPartitions?: number,
): DStream<[K, [V[], W[]]]> {
  const n = resolvePartitions(left.graph, numPartitions, 'cogroup');
  assertSameSlide(left, right, 'cogroup');
  return new DStream<[K, [V[], W[]]]>(left.graph, {
    kind: 'cogroup',
    params: String(n),
    parents: [left as DStream<unknown>, right as DStream<unknown>],
    compute: async (time) => {
      const [ls, rs] = await Promise.all([left.scan(time), right.scan(time)]);
      if (ls === undefined && rs === undefined) return undefined;
      const groups = Array.from({ length: n }, () => new KeyedMap<K, [V[], W[]]>());
      const groupOf = (key: K): [V[], W[]] => {
        const map = groups[partitionOf(key, n)]!;
        let g = map.get(key);
        if (g === undefined) map.set(key, (g = [[], []]));
        return g;
      };
      if (ls)
        for (let p = 0; p < ls.numPartitions; p++) ls.run(p, (pair) => groupOf(pair[0])[0].push(pair[1]));
      if (rs)
        for (let p = 0; p < rs.numPartitions; p++) rs.run(p, (pair) => groupOf(pair[0])[1].push(pair[1]));
      const partitions = groups.map((map) => {
        const list: Array<[K, [V[], W[]]]> = [];
        map.forEach((g, k) => list.push([k, g]));
        return list;
      });
      const metas: BatchMeta[] = [ls?.meta ?? {}, rs?.meta ?? {}];
      return { time, partitions, ...mergedMeta(metas, false) };
    },
  });
}

export function join<K extends Key, V, W>(
  left: DStream<Pair<K, V>>,
  right: DStream<Pair<K, W>>,
  how: 'inner' | 'left' | 'right' | 'full',
  numPartitions?: number,
): DStream<[K, [V | undefined, W | undefined]]> {
  const grouped = cogroup(left, right, numPartitions);
  return grouped.flatMap(([key, [vs, ws]]) => {
    const out: Array<[K, [V | undefined, W | undefined]]> = [];
    if (vs.length > 0 && ws.length > 0) {
      for (const v of vs) for (const w of ws) out.push([key, [v, w]]);
    } else if (vs.length > 0 && (how === 'left' || how === 'full')) {
      for (const v of vs) out.push([key, [v, undefined]]);
    } else if (ws.length > 0 && (how === 'right' || how === 'full')) {
      for (const w of ws) out.push([key, [undefined, w]]);
    }
    return out;
  });
}

export function assertSameSlide(a: DStream<unknown>, b: DStream<unknown>, op: string): void {
  if (a.slideDuration !== b.slideDuration) {
    throw new ConfigError(
      `${op}: streams slide at different intervals (${a.slideDuration} ms and ${b.slideDuration} ms); window them alike first`,
    );
  }
}

export function union<T>(first: DStream<T>, others: DStream<T>[]): DStream<T> {
  for (const o of others) assertSameSlide(first as DStream<unknown>, o as DStream<unknown>, 'union');
  const all = [first, ...others];
  return new DStream<T>(first.graph, {
    kind: 'union',
    params: String(all.length),
    parents: all as DStream<unknown>[],
    compute: async (time) => {
      const batches = (await Promise.all(all.map((s) => s.getOrCompute(time)))).filter(
        (b): b is Batch<T> => b !== undefined,
      );
      if (batches.length === 0) return undefined;
      const partitions = batches.flatMap((b) => b.partitions);
      return { time, partitions, ...mergedMeta(batches, true) };
    },
  });
}

export function repartition<T>(parent: DStream<T>, numPartitions: number): DStream<T> {
  if (!Number.isInteger(numPartitions) || numPartitions < 1) {
    throw new ConfigError(
      `repartition: numPartitions must be a whole number >= 1, got ${String(numPartitions)}`,
    );
  }
  return new DStream<T>(parent.graph, {
    kind: 'repartition',
    params: String(numPartitions),
    parents: [parent as DStream<unknown>],
    compute: async (time) => {
      const scan = await parent.scan(time);
      if (scan === undefined) return undefined;
      const partitions: T[][] = Array.from({ length: numPartitions }, () => []);
      let next = 0;
      for (let p = 0; p < scan.numPartitions; p++) {
        scan.run(p, (r) => {
          partitions[next]!.push(r);
          next = next + 1 === numPartitions ? 0 : next + 1;
        });
      }
      return { time, partitions, ...derivedMeta(scan.meta, false) };
    },
  });
}

export function count<T>(parent: DStream<T>): DStream<number> {
  return new DStream<number>(parent.graph, {
    kind: 'count',
    parents: [parent as DStream<unknown>],
    compute: async (time) => {
      const scan = await parent.scan(time);
      if (scan === undefined) return undefined;
      let n = 0;
      const add = (): void => {
        n++;
      };
      for (let p = 0; p < scan.numPartitions; p++) scan.run(p, add);
      return { time, partitions: [[n]], ...derivedMeta(scan.meta, false) };
    },
  });
}

export function reduce<T>(parent: DStream<T>, fn: (a: T, b: T) => T): DStream<T> {
  return new DStream<T>(parent.graph, {
    kind: 'reduce',
    parents: [parent as DStream<unknown>],
    compute: async (time) => {
      const scan = await parent.scan(time);
      if (scan === undefined) return undefined;
      let has = false;
      let acc: T | undefined;
      for (let p = 0; p < scan.numPartitions; p++) {
        scan.run(p, (r) => {
          acc = has ? fn(acc as T, r) : r;
          has = true;
        });
      }
      return { time, partitions: [has ? [acc as T] : []], ...derivedMeta(scan.meta, false) };
    },
  });
}
