import type { Batch, Time } from '../batch.js';
import type { CheckpointStore } from '../contracts/checkpoint-store.js';
import type { JsonValue } from '../contracts/source.js';
import type { DStreamGraph } from '../dstream/dstream-graph.js';
import { type StateEntry, stateByStream } from '../dstream/state-operations.js';
import { CheckpointError } from '../errors.js';
import { KeyedMap } from '../keyed-map.js';
import type { Logger } from '../listener.js';
import { CHECKPOINT_FORMAT_VERSION, decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec.js';

/** One state partition, column by column: far cheaper to serialize than an object per key. */
interface StateColumns {
  keys: unknown[];
  states: unknown[];
  updatedAt: Float64Array;
}
type StateSnapshot = Array<[Time, StateColumns[]]>;

/** What a checkpoint holds (Spark's Checkpoint + DStreamCheckpointData). */
export interface CheckpointData {
  readonly formatVersion: number;
  readonly appName: string;
  readonly fingerprint: string;
  /** The graph, one line per stream, to say what changed when a job no longer matches. */
  readonly graph: string[];
  readonly batchInterval: number;
  readonly zeroTime: Time;
  /** The last batch whose outputs all completed. */
  readonly checkpointTime: Time;
  /** Batches generated but not completed: re-run after a restart, with the same inputs. */
  readonly pendingTimes: Time[];
  /** Each input's position, by input index. */
  readonly inputs: Array<{ name: string; position: JsonValue | undefined }>;
  /** Remembered batches and state of windowed and stateful streams, by stream id. */
  readonly streams: Array<{ id: number; batches: Array<Batch<unknown>>; states?: StateSnapshot }>;
}

/** Captures the graph's state at `checkpointTime` synchronously, so inputs and state agree. */
export function captureCheckpoint(
  graph: DStreamGraph,
  meta: { appName: string; checkpointTime: Time; pendingTimes: Time[] },
): CheckpointData {
  const streams: CheckpointData['streams'] = [];
  for (const stream of graph.streams) {
    if (!stream.checkpointed) continue;
    const states = stateByStream.get(stream);
    if (states === undefined) {
      streams.push({ id: stream.id, batches: stream.rememberedBatches(meta.checkpointTime) });
      continue;
    }
    // A state stream's batches are its state: store the state once, rebuild the batches on restore.
    const snapshot: StateSnapshot = [];
    for (const [time, partitions] of states) {
      if (time > meta.checkpointTime) continue;
      snapshot.push([time, partitions.map(toColumns)]);
    }
    streams.push({ id: stream.id, batches: [], states: snapshot });
  }
  return {
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    appName: meta.appName,
    fingerprint: graph.fingerprint(),
    graph: graph.describe(),
    batchInterval: graph.batchInterval,
    zeroTime: graph.zeroTime ?? 0,
    checkpointTime: meta.checkpointTime,
    pendingTimes: meta.pendingTimes,
    inputs: graph.inputs.map((i) => ({ name: i.hooks.description.name, position: i.hooks.position?.() })),
    streams,
  };
}

function toColumns(partition: KeyedMap<unknown, StateEntry<unknown>>): StateColumns {
  const keys: unknown[] = [];
  const states: unknown[] = [];
  const updatedAt = new Float64Array(partition.size);
  let i = 0;
  partition.forEach((entry, key) => {
    keys.push(key);
    states.push(entry.state);
    updatedAt[i++] = entry.updatedAt;
  });
  return { keys, states, updatedAt };
}

/** Names the first difference between the checkpointed graph and this job's graph. */
export function describeGraphChange(before: string[], after: string[]): string {
  for (let i = 0; i < Math.max(before.length, after.length); i++) {
    if (before[i] !== after[i]) {
      if (before[i] === undefined) return `the job adds "${after[i]}"`;
      if (after[i] === undefined) return `the job no longer has "${before[i]}"`;
      return `"${before[i]}" became "${after[i]}"`;
    }
  }
  return 'the graph fingerprints differ';
}

/** Throws unless `data` was written by this job's graph at this batch interval. */
export function checkCompatible(graph: DStreamGraph, data: CheckpointData): void {
  if (data.batchInterval !== graph.batchInterval) {
    throw new CheckpointError(
      `the checkpoint was written with batchInterval ${data.batchInterval} ms, the job now has ${graph.batchInterval} ms`,
    );
  }
  const fingerprint = graph.fingerprint();
  if (data.fingerprint !== fingerprint) {
    throw new CheckpointError(
      `the job's graph no longer matches its checkpoint: ${describeGraphChange(data.graph, graph.describe())}. ` +
        'Restore the old job, use a new checkpoint directory, or pass { discardIncompatibleCheckpoint: true } to start without its state',
    );
  }
}

/** Puts checkpointed batches, state and input positions back into a freshly built graph. */
export function restoreCheckpoint(graph: DStreamGraph, data: CheckpointData): void {
  const byId = new Map(graph.streams.map((s) => [s.id, s]));
  for (const saved of data.streams) {
    const stream = byId.get(saved.id);
    if (stream === undefined) continue;
    for (const batch of saved.batches) stream.putBatch(batch.time, batch);
    const states = stateByStream.get(stream);
    if (states !== undefined && saved.states !== undefined) {
      for (const [time, columns] of saved.states) {
        const maps = columns.map(({ keys, states: values, updatedAt }) => {
          const map = new KeyedMap<unknown, StateEntry<unknown>>();
          for (let i = 0; i < keys.length; i++)
            map.set(keys[i], { state: values[i], updatedAt: updatedAt[i]! });
          return map;
        });
        states.set(time, maps);
        stream.putBatch(time, {
          time,
          partitions: columns.map(({ keys, states: values }) => keys.map((k, i) => [k, values[i]])),
        });
      }
    }
  }
  data.inputs.forEach((saved, i) => {
    const input = graph.inputs[i];
    if (input !== undefined && saved.position !== undefined) input.hooks.restore?.(saved.position);
  });
}

/** A checkpoint encoded at capture time: later changes to sources or state cannot leak into it. */
export interface EncodedCheckpoint {
  /** The batch time at which it was taken (its file name). */
  readonly time: Time;
  /** The last completed batch it holds. */
  readonly checkpointTime: Time;
  readonly bytes: Uint8Array;
}

export function encodeCapture(time: Time, data: CheckpointData): EncodedCheckpoint {
  return { time, checkpointTime: data.checkpointTime, bytes: encodeCheckpoint(data) };
}

/** Writes a checkpoint and deletes all but the newest `retain`. */
export async function writeCheckpoint(
  store: CheckpointStore,
  checkpoint: EncodedCheckpoint,
  retain: number,
): Promise<void> {
  await store.write(checkpoint.time, checkpoint.bytes);
  const times = await store.list();
  for (const t of times.slice(0, Math.max(0, times.length - retain))) await store.delete(t);
}

/**
 * The newest readable checkpoint, falling back to older ones (with a warning) when the newest is
 * corrupt or truncated; undefined when there is none.
 */
export async function recoverCheckpoint(
  store: CheckpointStore,
  logger: Logger,
): Promise<CheckpointData | undefined> {
  const times = (await store.list()).reverse();
  for (const time of times) {
    try {
      const data = decodeCheckpoint(
        await store.read(time),
        `checkpoint ${time} in ${store.name}`,
      ) as CheckpointData;
      return data;
    } catch (error) {
      logger.warn(`checkpoint ${time} in ${store.name} is unreadable; falling back to the previous one`, {
        error,
      });
    }
  }
  if (times.length > 0)
    throw new CheckpointError(`no readable checkpoint in ${store.name} (${times.length} corrupt)`);
  return undefined;
}
