import type { Batch, Time } from '../batch.js';
import type { OffsetRange } from '../contracts/offset-store.js';

/** Pushes one record downstream. */
export type Emit<T> = (record: T) => void;

/** One fused narrow operation: given where its output goes, returns where its input goes. */
export type Step<I, O> = (emit: Emit<O>) => Emit<I>;

/** What a batch carries besides its records. */
export interface BatchMeta {
  readonly offsetRanges?: readonly OffsetRange[];
  readonly partitionsAlignedWithOffsets?: boolean;
}

/** Computes a stream's batch at a time; undefined when the stream has no batch then. */
export type ComputeFn<T> = (time: Time) => Promise<Batch<T> | undefined>;

/** What a source of the graph says about replay, for ctx.guarantees(). */
export interface InputDescription {
  readonly name: string;
  readonly replayable: boolean;
  readonly reason: string;
  /** Replayable, but the upstream may deliver some records twice (a reliable receiver's redelivery). */
  readonly mayDuplicate?: boolean;
}

/** A pair record of the key-value operations. */
export type Pair<K, V> = readonly [K, V] | [K, V];

/** Carries source metadata from a parent batch to a derived one. */
export function derivedMeta(parent: BatchMeta, aligned: boolean): BatchMeta {
  if (parent.offsetRanges === undefined) return {};
  return {
    offsetRanges: parent.offsetRanges,
    partitionsAlignedWithOffsets: aligned && parent.partitionsAlignedWithOffsets === true,
  };
}

/** Concatenates the offset ranges of several batches (union, window). */
export function mergedMeta(batches: ReadonlyArray<BatchMeta>, aligned: boolean): BatchMeta {
  const ranges: OffsetRange[] = [];
  let any = false;
  let allAligned = aligned;
  for (const b of batches) {
    if (b.offsetRanges !== undefined) {
      any = true;
      ranges.push(...b.offsetRanges);
    }
    if (b.partitionsAlignedWithOffsets !== true) allAligned = false;
  }
  return any ? { offsetRanges: ranges, partitionsAlignedWithOffsets: allAligned } : {};
}
