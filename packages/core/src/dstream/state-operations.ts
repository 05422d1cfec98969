import type { Batch, Time } from '../batch.js';
import { ConfigError, StateError } from '../errors.js';
import { KeyedMap } from '../keyed-map.js';
import { type Key, partitionOf } from '../stable-hash.js';
import { DStream } from './dstream.js';
import { resolvePartitions } from './shuffle-operations.js';
import { type Pair, derivedMeta } from './types.js';

/** State per key of a stateful stream, kept across batches (and in checkpoints). */
export interface StateEntry<S> {
  readonly state: S;
  /** The batch time of the key's last record. */
  readonly updatedAt: Time;
}

/** The state partitions of a stateful stream at one batch time. */
export type StatePartitions<K, S> = Array<KeyedMap<K, StateEntry<S>>>;

function previousState<K, S>(
  stream: DStream<[K, S]>,
  states: Map<Time, StatePartitions<K, S>>,
  time: Time,
  n: number,
) {
  return (async (): Promise<StatePartitions<K, S>> => {
    const prevTime = time - stream.slideDuration;
    if (!stream.isTimeValid(prevTime))
      return states.get(prevTime) ?? Array.from({ length: n }, () => new KeyedMap());
    await stream.getOrCompute(prevTime);
    const prev = states.get(prevTime);
    if (prev === undefined)
      throw new StateError(`state of stream #${stream.id} at ${prevTime} ms is missing`);
    return prev;
  })();
}

function copyPartitions<K, S>(source: StatePartitions<K, S>): StatePartitions<K, S> {
  return source.map((m) => {
    const copy = new KeyedMap<K, StateEntry<S>>();
    m.forEach((v, k) => copy.set(k, v));
    return copy;
  });
}

/** @internal A stream's state by batch time, kept as long as the stream remembers batches. */
export const stateByStream = new WeakMap<DStream<unknown>, Map<Time, StatePartitions<unknown, unknown>>>();

export function updateStateByKey<K extends Key, V, S>(
  parent: DStream<Pair<K, V>>,
  update: (values: V[], state: S | undefined) => S | undefined,
  numPartitions?: number,
): DStream<[K, S]> {
  const n = resolvePartitions(parent.graph, numPartitions, 'updateStateByKey');
  const states = new Map<Time, StatePartitions<K, S>>();
  const stream: DStream<[K, S]> = new DStream<[K, S]>(parent.graph, {
    kind: 'updateStateByKey',
    params: String(n),
    parents: [parent as DStream<unknown>],
    compute: async (time) => {
      const prev = await previousState(stream, states, time, n);
      const scan = await parent.scan(time);
      const grouped = Array.from({ length: n }, () => new KeyedMap<K, V[]>());
      if (scan) {
        for (let p = 0; p < scan.numPartitions; p++) {
          scan.run(p, (pair) => {
            const map = grouped[partitionOf(pair[0], n)]!;
            const list = map.get(pair[0]);
            if (list === undefined) map.set(pair[0], [pair[1]]);
            else list.push(pair[1]);
          });
        }
      }
      const next: StatePartitions<K, S> = [];
      const partitions: Array<Array<[K, S]>> = [];
      for (let p = 0; p < n; p++) {
        const out = new KeyedMap<K, StateEntry<S>>();
        const records: Array<[K, S]> = [];
        const values = grouped[p]!;
        prev[p]?.forEach((entry, key) => {
          const vs = values.get(key);
          const s = update(vs ?? [], entry.state);
          if (s !== undefined) {
            out.set(key, vs === undefined && s === entry.state ? entry : { state: s, updatedAt: time });
            records.push([key, s]);
          }
        });
        values.forEach((vs, key) => {
          if (out.has(key) || prev[p]?.has(key)) return;
          const s = update(vs, undefined);
          if (s !== undefined) {
            out.set(key, { state: s, updatedAt: time });
            records.push([key, s]);
          }
        });
        next.push(out);
        partitions.push(records);
      }
      states.set(time, next);
      return { time, partitions, ...(scan ? derivedMeta(scan.meta, false) : {}) };
    },
  });
  trackStates(stream, states);
  return stream;
}

/** Spark's State: what a mapWithState function sees of its key's state. */
export interface State<S> {
  exists(): boolean;
  /** The state; throws when there is none. */
  get(): S;
  getOption(): S | undefined;
  update(state: S): void;
  remove(): void;
  /** True when the function is called because the key timed out (no value then). */
  isTimingOut(): boolean;
}

/** Spark's StateSpec. */
export interface StateSpec<K, V, S, M> {
  /** Called for every record (value defined) and for every timed-out key (value undefined). */
  fn: (key: K, value: V | undefined, state: State<S>) => M;
  /** Drop keys that received no record for this long (ms), calling fn once with isTimingOut(). */
  timeout?: number;
  numPartitions?: number;
  /** States the keys start with. */
  initialState?: ReadonlyArray<readonly [K, S]>;
}

class MutableState<S> implements State<S> {
  value: S | undefined;
  present = false;
  updated = false;
  removed = false;
  timingOut = false;

  reset(entry: StateEntry<S> | undefined, timingOut: boolean): void {
    this.value = entry?.state;
    this.present = entry !== undefined;
    this.updated = false;
    this.removed = false;
    this.timingOut = timingOut;
  }
  exists(): boolean {
    return this.present;
  }
  get(): S {
    if (!this.present)
      throw new StateError('State.get(): the key has no state (check exists() or use getOption())');
    return this.value as S;
  }
  getOption(): S | undefined {
    return this.present ? this.value : undefined;
  }
  update(state: S): void {
    if (this.removed || this.timingOut)
      throw new StateError('State.update(): the state was removed or is timing out');
    this.value = state;
    this.present = true;
    this.updated = true;
  }
  remove(): void {
    if (this.timingOut) throw new StateError('State.remove(): a timing-out state is removed already');
    this.present = false;
    this.removed = true;
  }
  isTimingOut(): boolean {
    return this.timingOut;
  }
}

/** The stream of mapped values, with access to the state itself. */
export interface MapWithStateDStream<K, S, M> extends DStream<M> {
  /** [key, state] for every key, each batch. */
  stateSnapshots(): DStream<[K, S]>;
}

export function mapWithState<K extends Key, V, S, M>(
  parent: DStream<Pair<K, V>>,
  spec: StateSpec<K, V, S, M>,
): MapWithStateDStream<K, S, M> {
  const n = resolvePartitions(parent.graph, spec.numPartitions, 'mapWithState');
  if (spec.timeout !== undefined && !(spec.timeout > 0)) {
    throw new ConfigError(`mapWithState: timeout must be > 0 ms, got ${spec.timeout}`);
  }
  const states = new Map<Time, StatePartitions<K, S>>();
  const mappedByTime = new Map<Time, M[][]>();
  const initial = (): StatePartitions<K, S> => {
    const parts = Array.from({ length: n }, () => new KeyedMap<K, StateEntry<S>>());
    for (const [k, s] of spec.initialState ?? [])
      parts[partitionOf(k, n)]!.set(k, { state: s, updatedAt: 0 });
    return parts;
  };
  const stateStream: DStream<[K, S]> = new DStream<[K, S]>(parent.graph, {
    kind: 'mapWithState',
    params: `${n},${spec.timeout ?? ''}`,
    parents: [parent as DStream<unknown>],
    compute: async (time) => {
      const prevTime = time - stateStream.slideDuration;
      const prev = stateStream.isTimeValid(prevTime)
        ? await previousState(stateStream, states, time, n)
        : (states.get(prevTime) ?? initial());
      const next = copyPartitions(prev);
      const mapped: M[][] = Array.from({ length: n }, () => []);
      const st = new MutableState<S>();
      const scan = await parent.scan(time);
      const touched =
        spec.timeout !== undefined ? Array.from({ length: n }, () => new KeyedMap<K, true>()) : undefined;
      if (scan) {
        for (let p = 0; p < scan.numPartitions; p++) {
          scan.run(p, (pair) => {
            const key = pair[0];
            const target = partitionOf(key, n);
            const map = next[target]!;
            st.reset(map.get(key), false);
            mapped[target]!.push(spec.fn(key, pair[1], st));
            if (st.removed) map.delete(key);
            else if (st.updated || (st.present && touched))
              map.set(key, { state: st.value as S, updatedAt: time });
            if (touched) touched[target]!.set(key, true);
          });
        }
      }
      if (spec.timeout !== undefined) {
        const threshold = time - spec.timeout;
        for (let p = 0; p < n; p++) {
          const map = next[p]!;
          const expired: K[] = [];
          map.forEach((entry, key) => {
            if (entry.updatedAt < threshold && !touched![p]!.has(key)) expired.push(key);
          });
          for (const key of expired) {
            st.reset(map.get(key), true);
            mapped[p]!.push(spec.fn(key, undefined, st));
            map.delete(key);
          }
        }
      }
      states.set(time, next);
      mappedByTime.set(time, mapped);
      const partitions = next.map((m) => {
        const list: Array<[K, S]> = [];
        m.forEach((e, k) => list.push([k, e.state]));
        return list;
      });
      return { time, partitions, ...(scan ? derivedMeta(scan.meta, false) : {}) };
    },
  });
  trackStates(stateStream, states);
  const mappedStream = new DStream<M>(parent.graph, {
    kind: 'mapWithStateValues',
    parents: [stateStream as DStream<unknown>],
    compute: async (time): Promise<Batch<M> | undefined> => {
      const s = await stateStream.getOrCompute(time);
      if (s === undefined) return undefined;
      const partitions = mappedByTime.get(time) ?? [];
      return { time, partitions, ...derivedMeta(s, false) };
    },
  }) as MapWithStateDStream<K, S, M>;
  const clearMapped = stateStream.clearOldBatches.bind(stateStream);
  stateStream.clearOldBatches = (time: Time) => {
    clearMapped(time);
    for (const t of mappedByTime.keys())
      if (t <= time - stateStream.graph.batchInterval) mappedByTime.delete(t);
  };
  mappedStream.stateSnapshots = () => stateStream;
  return mappedStream;
}

/** Keeps exactly the states the stream still remembers, and registers them for checkpoints. */
function trackStates<K, S>(stream: DStream<[K, S]>, states: Map<Time, StatePartitions<K, S>>): void {
  stream.setRememberDuration(stream.slideDuration);
  stream.checkpointed = true;
  stateByStream.set(stream as DStream<unknown>, states as Map<Time, StatePartitions<unknown, unknown>>);
  const clear = stream.clearOldBatches.bind(stream);
  stream.clearOldBatches = (time: Time) => {
    clear(time);
    const keepAfter = time - Math.max(stream.rememberDuration, stream.graph.batchInterval);
    for (const t of states.keys()) if (t <= keepAfter) states.delete(t);
  };
}
