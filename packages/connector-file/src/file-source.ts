import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, SourceReadError } from '@dstream/core';
import type { JsonValue, Source, SourceBatch, SourceContext, Time } from '@dstream/core';
import { listDirectory } from './directory-listing.js';
import type { ListedFile } from './directory-listing.js';
import { errnoCode, sourceError } from './file-errors.js';
import { decodePosition, encodePosition } from './file-source-position.js';
import type { FileSourcePosition } from './file-source-position.js';
import { mapLimit } from './map-limit.js';
import { readLinePartitions } from './read-lines.js';
import type { LineParser } from './read-lines.js';

export interface FileSourceOptions<T> {
  /** The directory to watch. Writers must rename complete files into it (see the README). */
  directory: string;
  /** Turns each line into a record; default: the line itself. */
  parse?: LineParser<T>;
  /** Also pick up files in subdirectories (except hidden ones); default false, as Spark. */
  recursive?: boolean;
  /** Called once per new file name (relative, `/`-separated); false skips the file for good. */
  filter?: (name: string) => boolean;
  /** At most this many files per batch, oldest first; the rest wait for later batches. */
  maxFilesPerBatch?: number;
  /** Ignore the files already in the directory when the job first starts; default true, as Spark. */
  newFilesOnly?: boolean;
  /**
   * How long file names are remembered after they appear, ms (Spark's minRememberDuration, default
   * 60 s): it bounds the position in the checkpoint and must exceed any clock skew between this
   * process and the filesystem.
   */
  rememberWindowMs?: number;
  /** A file larger than this is split into several partitions at line boundaries; default 32 MiB. */
  maxPartitionBytes?: number;
}

/** Counters for tests and monitoring. */
export interface FileSourceMetrics {
  readonly listings: number;
  readonly stats: number;
  readonly filesRead: number;
  readonly rememberedFiles: number;
  readonly pendingFiles: number;
}

/** A directory as a Source: its position (remembered files) goes into the checkpoint. */
export interface FileSource<T> extends Source<T> {
  position(): JsonValue;
  restore(position: JsonValue): void;
  metrics(): FileSourceMetrics;
}

const statConcurrency = 32;
const readConcurrency = 8;
const noLog: SourceContext['log'] = () => {};

/**
 * Spark's FileInputDStream: each batch lists the directory once and takes the files that appeared
 * since the last batch, one partition per file (or per `maxPartitionBytes` of a large file).
 *
 * ```ts
 * const lines = ctx.source(fileSource({ directory: '/data/incoming' }));
 * ```
 */
export function fileSource(options: FileSourceOptions<string> & { parse?: undefined }): FileSource<string>;
export function fileSource<T>(options: FileSourceOptions<T> & { parse: LineParser<T> }): FileSource<T>;
export function fileSource<T>(options: FileSourceOptions<T>): FileSource<T> {
  const directory = resolve(requireDirectory(options.directory));
  const parse = options.parse ?? ((line: string) => line as unknown as T);
  const recursive = options.recursive ?? false;
  const filter = options.filter;
  const maxFiles = positiveOption('maxFilesPerBatch', options.maxFilesPerBatch, Number.POSITIVE_INFINITY);
  const newFilesOnly = options.newFilesOnly ?? true;
  const window = positiveOption('rememberWindowMs', options.rememberWindowMs, 60_000);
  const maxPartitionBytes = positiveOption('maxPartitionBytes', options.maxPartitionBytes, 32 * 1024 * 1024);

  let state: FileSourcePosition = {
    threshold: 0,
    lastListing: null,
    lastTime: null,
    remembered: new Map(),
    batches: new Map(),
  };
  let initialized = false;
  /** Set by restore: the backlog of `pending` files was not saved, so it must be found again first. */
  let rediscover = false;
  let log = noLog;
  /** Names in the last listing already decided (taken, skipped, too old): never stat'ed again. */
  let known = new Set<string>();
  /** New files waiting for a batch (maxFilesPerBatch), with the time they appeared. */
  let pending = new Map<string, number>();
  const counters = { listings: 0, stats: 0, filesRead: 0 };

  /** max(mtime, ctime): a rename sets ctime on Linux, so a file moved in counts from its move. */
  const appearedAt = async (name: string): Promise<number | 'gone' | 'not-a-file'> => {
    counters.stats++;
    try {
      const s = await stat(join(directory, name));
      return s.isFile() ? Math.max(s.mtimeMs, s.ctimeMs) : 'not-a-file';
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return 'gone';
      throw sourceError(error, directory, name);
    }
  };

  const list = async (): Promise<ListedFile[]> => {
    counters.listings++;
    try {
      return await listDirectory(directory, recursive);
    } catch (error) {
      throw sourceError(error, directory);
    }
  };

  /** A fresh start with newFilesOnly: what is there now is remembered as seen, never read. */
  const initialize = async (): Promise<void> => {
    initialized = true;
    if (!newFilesOnly || state.lastListing !== null) {
      if (state.lastListing === null) await list(); // fail early on a missing directory
      return;
    }
    const now = Date.now();
    const listing = await list();
    state.threshold = now - window;
    const times = await mapLimit(listing, statConcurrency, (f) => appearedAt(f.name));
    listing.forEach((f, i) => {
      const at = times[i];
      if (at === 'gone') return;
      known.add(f.name);
      if (typeof at === 'number' && at >= state.threshold) state.remembered.set(f.name, at);
    });
    state.lastListing = now;
  };

  const discover = async (): Promise<void> => {
    const last = state.lastListing;
    // Right after a restore the threshold stays put for one listing: the backlog (files found but
    // not yet taken) is not in the position, and it is older than the next threshold could be.
    if (last !== null && !rediscover) {
      let next = last - window;
      for (const at of pending.values()) if (at < next) next = at;
      if (next > state.threshold) state.threshold = next;
    }
    for (const [name, at] of state.remembered) if (at < state.threshold) state.remembered.delete(name);
    const now = Date.now();
    const listing = await list();
    const present = new Set<string>();
    const toStat: string[] = [];
    for (const f of listing) {
      present.add(f.name);
      if (known.has(f.name) || pending.has(f.name)) continue;
      if (state.remembered.has(f.name) || (filter !== undefined && !filter(f.name))) {
        known.add(f.name);
        continue;
      }
      toStat.push(f.name);
    }
    // Forget names that left the directory, so a new file reusing a name is seen again.
    for (const name of known) if (!present.has(name)) known.delete(name);
    for (const name of pending.keys()) if (!present.has(name)) pending.delete(name);
    const times = await mapLimit(toStat, statConcurrency, appearedAt);
    toStat.forEach((name, i) => {
      const at = times[i];
      if (at === 'gone') return;
      if (at === 'not-a-file' || at! < state.threshold) known.add(name);
      else pending.set(name, at as number);
    });
    state.lastListing = now;
    rediscover = false;
  };

  const select = (): string[] => {
    const ordered = [...pending].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const chosen = ordered.slice(0, Math.min(maxFiles, ordered.length));
    for (const [name, at] of chosen) {
      pending.delete(name);
      known.add(name);
      state.remembered.set(name, at);
    }
    return chosen.map(([name]) => name);
  };

  const read = async (time: Time, names: readonly string[], replay: boolean): Promise<SourceBatch<T>> => {
    const results = await mapLimit(names, readConcurrency, async (name) => {
      try {
        const partitions = await readLinePartitions(join(directory, name), name, parse, maxPartitionBytes);
        counters.filesRead++;
        return partitions;
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT') throw sourceError(error, directory, name);
        if (replay) {
          throw new SourceReadError(
            `fileSource: ${name} in ${directory} was read for batch ${time} but is gone: the batch cannot be replayed`,
            { cause: error },
          );
        }
        log('warn', 'file disappeared before it was read', { directory, file: name, time });
        return undefined;
      }
    });
    if (results.includes(undefined)) {
      state.batches.set(
        time,
        names.filter((_, i) => results[i] !== undefined),
      );
    }
    const partitions: T[][] = [];
    for (const r of results) if (r !== undefined) partitions.push(...r);
    return { partitions };
  };

  const computeBatch = async (time: Time): Promise<SourceBatch<T>> => {
    if (!initialized) await initialize();
    const replayed = state.batches.get(time);
    if (replayed !== undefined) return read(time, replayed, true);
    if (state.lastTime !== null && time <= state.lastTime) return { partitions: [] };
    await discover();
    const names = select();
    state.batches.set(time, names);
    state.lastTime = time;
    return read(time, names, false);
  };
  let computing: Promise<unknown> = Promise.resolve();

  return {
    name: `fileSource(${directory})`,
    replayable: true,
    replayReason: 'the files of each unfinished batch are kept in the checkpoint and read again',

    async start(context) {
      log = context.log;
      if (!initialized) await initialize();
    },

    compute(time) {
      // One batch at a time: two overlapping listings would both take the same new files.
      const run = computing.then(() => computeBatch(time));
      computing = run.catch(() => undefined);
      return run;
    },

    async onBatchCompleted(time) {
      for (const t of state.batches.keys()) if (t <= time) state.batches.delete(t);
    },

    position() {
      return encodePosition(state);
    },

    restore(position) {
      state = decodePosition(position, directory);
      known = new Set();
      pending = new Map();
      initialized = false;
      rediscover = true;
    },

    metrics() {
      return {
        ...counters,
        rememberedFiles: state.remembered.size,
        pendingFiles: pending.size,
      };
    },
  };
}

function requireDirectory(directory: unknown): string {
  if (typeof directory !== 'string' || directory.length === 0) {
    throw new ConfigError(`fileSource: directory must be a non-empty path, got ${JSON.stringify(directory)}`);
  }
  return directory;
}

function positiveOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (
    !(
      typeof value === 'number' &&
      value > 0 &&
      (Number.isInteger(value) || value === Number.POSITIVE_INFINITY)
    )
  ) {
    throw new ConfigError(`fileSource: ${name} must be a whole number > 0, got ${JSON.stringify(value)}`);
  }
  return value;
}
