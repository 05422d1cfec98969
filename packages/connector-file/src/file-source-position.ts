import { CheckpointError } from '@dstream/core';
import type { JsonValue } from '@dstream/core';

/**
 * What a file source keeps in the checkpoint (Spark's FileInputDStreamCheckpointData plus the
 * "recently selected files"): bounded by the remember window, never the whole directory.
 */
export interface FileSourcePosition {
  /** Files that appeared (max of mtime and ctime, ms) before this are old: never read. */
  threshold: number;
  /** Wall-clock time of the last directory listing, ms. */
  lastListing: number | null;
  /** The last batch time computed. */
  lastTime: number | null;
  /** Files already taken (or deliberately skipped) that appeared at or after `threshold`. */
  remembered: Map<string, number>;
  /** The files of each batch not yet completed, so a replayed batch reads exactly them again. */
  batches: Map<number, string[]>;
}

const version = 1;

export function encodePosition(position: FileSourcePosition): JsonValue {
  return {
    version,
    threshold: position.threshold,
    lastListing: position.lastListing,
    lastTime: position.lastTime,
    remembered: [...position.remembered].map(([name, at]) => [name, at]),
    batches: [...position.batches].map(([time, names]) => [time, [...names]]),
  };
}

export function decodePosition(value: JsonValue, directory: string): FileSourcePosition {
  const fail = (what: string): never => {
    throw new CheckpointError(`fileSource(${directory}): invalid position in the checkpoint: ${what}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('not an object');
  if (value.version !== version) return fail(`unknown version ${JSON.stringify(value.version)}`);
  const threshold = value.threshold;
  if (typeof threshold !== 'number') return fail('threshold is not a number');
  const lastListing = value.lastListing ?? null;
  if (lastListing !== null && typeof lastListing !== 'number') return fail('lastListing is not a number');
  const lastTime = value.lastTime ?? null;
  if (lastTime !== null && typeof lastTime !== 'number') return fail('lastTime is not a number');
  const remembered = new Map<string, number>();
  if (!Array.isArray(value.remembered)) return fail('remembered is not a list');
  for (const entry of value.remembered) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') {
      return fail(`bad remembered entry ${JSON.stringify(entry)}`);
    }
    remembered.set(entry[0], entry[1]);
  }
  const batches = new Map<number, string[]>();
  if (!Array.isArray(value.batches)) return fail('batches is not a list');
  for (const entry of value.batches) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'number' || !Array.isArray(entry[1])) {
      return fail(`bad batch entry ${JSON.stringify(entry)}`);
    }
    const names = entry[1].filter((n): n is string => typeof n === 'string');
    if (names.length !== entry[1].length) return fail(`bad file name in batch ${entry[0]}`);
    batches.set(entry[0], names);
  }
  return { threshold, lastListing, lastTime, remembered, batches };
}
