import {
  type ClientProvider,
  ConfigError,
  DStreamError,
  type Sink,
  type SinkContext,
  SinkWriteError,
  perExecutor,
} from '@dstream/core';
import { type Bytes, parseTableName, toBuffer } from './bytes.js';
import { type CheckAndMutate, createHBaseClient } from './hbase-client.js';
import type { HBaseClientOptions } from './hbase-client-options.js';
import { type Mutation, mutationSize } from './mutations.js';
import { aggregateIncrements, markerQualifier, markerValue } from './sink-increments.js';

/**
 * What the sink needs from a client: the native HBaseClient has it, and so does the
 * hbase-rpc-client adapter (without `checkAndMutateMany` increments, so idempotent mode only).
 */
export interface HBaseSinkClient {
  mutateMany(table: string, mutations: readonly Mutation[]): Promise<void>;
  checkAndMutateMany(table: string, checks: readonly CheckAndMutate[]): Promise<boolean[]>;
  close(): Promise<void>;
}

/** When buffered mutations are sent to HBase (always at the end of a partition as well). */
export interface HBaseFlushOptions {
  /** Most buffered rows. Default 1000. */
  readonly maxMutations?: number;
  /** Most buffered bytes (approximate). Default 2 MiB. */
  readonly maxBytes?: number;
  /** Longest time a mutation stays buffered while a partition is written (ms). Default 1000. */
  readonly intervalMs?: number;
}

export interface HBaseSinkBaseOptions<T> {
  /** `[namespace:]table`. */
  readonly table: string;
  /** The row key of a record. */
  readonly rowOf: (record: T) => Bytes;
  /** Where the HBase client comes from. Default: one client per executor, made from `connection`. */
  readonly provider?: ClientProvider<HBaseSinkClient>;
  /** Client options for the default per-executor provider. */
  readonly connection?: HBaseClientOptions;
  readonly flush?: HBaseFlushOptions;
  /** Close the default provider's client after this long without writes (ms). Default 60 000; 0 = never. */
  readonly idleCloseMs?: number;
  /** Shown in logs and `ctx.guarantees()`. Default `hbase:<table>`. */
  readonly name?: string;
}

export interface PutCellValue {
  readonly family: Bytes;
  readonly qualifier: Bytes;
  readonly value: Bytes;
}

export interface CounterCell {
  readonly family: Bytes;
  readonly qualifier: Bytes;
  readonly amount: bigint | number;
}

/** Puts whose cells carry the batch time as their timestamp: a replay rewrites the same versions. */
export interface IdempotentHBaseSinkOptions<T> extends HBaseSinkBaseOptions<T> {
  readonly mode?: 'idempotent';
  readonly cellsOf: (record: T) => readonly PutCellValue[];
}

/** Counter increments applied at most once per (row, output, partition, batch). */
export interface ExactlyOnceHBaseSinkOptions<T> extends HBaseSinkBaseOptions<T> {
  readonly mode: 'exactly-once';
  readonly cellsOf: (record: T) => readonly CounterCell[];
  /** The family that holds the batch-marker cells. Default: the family of the first counter. */
  readonly markerFamily?: Bytes;
}

export type HBaseSinkOptions<T> = IdempotentHBaseSinkOptions<T> | ExactlyOnceHBaseSinkOptions<T>;

export interface HBaseSink<T> extends Sink<T> {
  /** Ends the sink's own client in this executor (not a client from a given provider). */
  close(): Promise<void>;
  /** Where the sink's client comes from (the given provider, or its own per-executor one). */
  readonly provider: ClientProvider<HBaseSinkClient>;
  /** Counts since the sink was made: rows applied, rows an exactly-once replay skipped, flushes. */
  readonly stats: () => { rowsWritten: number; rowsSkipped: number; flushes: number };
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigError(`hbaseSink: ${name} must be an integer >= 1, got ${value}`);
  return value;
}

/**
 * A buffered HBase sink. `writePartition` resolves only after HBase acknowledged every mutation of
 * the partition, so a batch counts as done only once HBase has it.
 *
 * ```ts
 * counts.to(hbaseSink({
 *   table: 'page_counts', mode: 'exactly-once', connection: { zookeeper: '127.0.0.1:2181' },
 *   rowOf: ([page]) => page, cellsOf: ([, n]) => [{ family: 'c', qualifier: 'views', amount: n }],
 * }));
 * ```
 */
export function hbaseSink<T>(options: HBaseSinkOptions<T>): HBaseSink<T> {
  parseTableName(options.table);
  if (typeof options.rowOf !== 'function' || typeof options.cellsOf !== 'function') {
    throw new ConfigError('hbaseSink: rowOf and cellsOf must be functions');
  }
  const mode = options.mode ?? 'idempotent';
  if (mode !== 'idempotent' && mode !== 'exactly-once') {
    throw new ConfigError(`hbaseSink: mode must be 'idempotent' or 'exactly-once', got ${String(mode)}`);
  }
  if (options.provider === undefined && options.connection === undefined) {
    throw new ConfigError('hbaseSink: give connection ({ zookeeper: "host:port" }) or a provider');
  }
  const maxMutations = positiveInteger('flush.maxMutations', options.flush?.maxMutations, 1000);
  const maxBytes = positiveInteger('flush.maxBytes', options.flush?.maxBytes, 2 * 1024 * 1024);
  const intervalMs = positiveInteger('flush.intervalMs', options.flush?.intervalMs, 1000);
  const ownsProvider = options.provider === undefined;
  const connection = options.connection;
  const provider =
    options.provider ??
    perExecutor(() => createHBaseClient(connection as HBaseClientOptions), {
      close: (client) => client.close(),
    });
  const idleCloseMs = options.idleCloseMs ?? 60_000;
  let idleTimer: NodeJS.Timeout | undefined;
  let writing = 0;
  const stats = { rowsWritten: 0, rowsSkipped: 0, flushes: 0 };
  const table = options.table;

  const armIdleClose = (): void => {
    if (!ownsProvider || idleCloseMs === 0) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (writing === 0) void provider.close();
    }, idleCloseMs);
    idleTimer.unref();
  };

  const wrap = (error: unknown, context: SinkContext): DStreamError => {
    const where = `hbaseSink ${table}: batch ${context.batchTime} partition ${context.partition}`;
    if (DStreamError.isInstance(error) && error.code === 'CONFIG') return error;
    const retryable = DStreamError.isInstance(error) ? error.retryable : true;
    const message = error instanceof Error ? error.message : String(error);
    return new SinkWriteError(`${where}: ${message}`, { cause: error, retryable });
  };

  const writeIdempotent = async (
    client: HBaseSinkClient,
    records: readonly T[],
    context: SinkContext,
  ): Promise<void> => {
    const cellsOf = (options as IdempotentHBaseSinkOptions<T>).cellsOf;
    let buffer: Mutation[] = [];
    let bytes = 0;
    let lastFlush = Date.now();
    const flush = async (): Promise<void> => {
      if (buffer.length === 0) return;
      const mutations = buffer;
      buffer = [];
      bytes = 0;
      await client.mutateMany(table, mutations);
      stats.flushes++;
      stats.rowsWritten += mutations.length;
      lastFlush = Date.now();
    };
    for (const record of records) {
      const mutation: Mutation = {
        type: 'put',
        row: toBuffer(options.rowOf(record)),
        cells: cellsOf(record),
        // The batch time, not the wall clock: a replayed batch writes the very same cell versions.
        timestamp: context.batchTime,
      };
      buffer.push(mutation);
      bytes += mutationSize(mutation);
      if (buffer.length >= maxMutations || bytes >= maxBytes || Date.now() - lastFlush >= intervalMs)
        await flush();
    }
    await flush();
  };

  const writeExactlyOnce = async (
    client: HBaseSinkClient,
    records: readonly T[],
    context: SinkContext,
  ): Promise<void> => {
    const exactly = options as ExactlyOnceHBaseSinkOptions<T>;
    const rows = aggregateIncrements(records, options.rowOf, exactly.cellsOf);
    if (rows.length === 0) return;
    const family = toBuffer(exactly.markerFamily ?? rows[0]!.amounts[0]!.family);
    const qualifier = markerQualifier(context.outputId, context.partition);
    const marker = markerValue(context.batchTime);
    for (let i = 0; i < rows.length; i += maxMutations) {
      const chunk = rows.slice(i, i + maxMutations);
      const checks = (value: Buffer | null, operator: CheckAndMutate['operator']) =>
        chunk.map(
          (row): CheckAndMutate => ({
            row: row.row,
            family,
            qualifier,
            operator,
            value,
            mutations: [
              { type: 'put', row: row.row, cells: [{ family, qualifier, value: marker }] },
              { type: 'increment', row: row.row, amounts: row.amounts },
            ],
          }),
        );
      // Pass 1: the row's marker is older than this batch. Pass 2 (rows it did not apply): no
      // marker yet. A row whose marker is this batch (or newer) was applied before: skipped.
      const first = await client.checkAndMutateMany(table, checks(marker, 'less'));
      const retry = chunk.filter((_, k) => !first[k]);
      let applied = chunk.length - retry.length;
      if (retry.length > 0) {
        const second = await client.checkAndMutateMany(
          table,
          checks(null, 'equal').filter((_, k) => !first[k]),
        );
        applied += second.filter(Boolean).length;
      }
      stats.flushes++;
      stats.rowsWritten += applied;
      stats.rowsSkipped += chunk.length - applied;
    }
  };

  return {
    name: options.name ?? `hbase:${table}`,
    guarantee: mode === 'idempotent' ? 'idempotent' : 'transactional',
    mechanism:
      mode === 'idempotent'
        ? 'puts with an explicit timestamp = batch time: a replayed batch rewrites the same cell versions'
        : 'per row, the counters and a batch marker (output, partition) in one atomic check-and-mutate: rows of a replayed batch are skipped',
    async writePartition(records, context) {
      writing++;
      clearTimeout(idleTimer);
      let client: HBaseSinkClient | undefined;
      try {
        client = await provider.acquire();
        if (mode === 'idempotent') await writeIdempotent(client, records, context);
        else await writeExactlyOnce(client, records, context);
      } catch (error) {
        throw wrap(error, context);
      } finally {
        if (client !== undefined) provider.release(client);
        writing--;
        armIdleClose();
      }
    },
    async close() {
      clearTimeout(idleTimer);
      if (ownsProvider) await provider.close();
    },
    stats: () => ({ ...stats }),
    provider,
  };
}
