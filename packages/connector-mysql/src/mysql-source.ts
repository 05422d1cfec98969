import type { JsonValue, OffsetRange, OffsetStore, Source, SourceBatch } from '@dstream/core';
import { ConfigError, SourceReadError } from '@dstream/core';
import { quoteIdentifier, quoteTableName } from './identifiers.js';
import {
  type MysqlClientOptions,
  type MysqlConnection,
  type BoundValue,
  acquireLive,
  resolveProvider,
} from './mysql-connection.js';
import { isBrokenConnection, toDStreamError } from './mysql-errors.js';

/** A row as mysql2 returns it: column name → value. */
export type MysqlRow = Record<string, unknown>;

export interface MysqlSourceOptions<T> extends MysqlClientOptions {
  /** The table polled (`table` or `db.table`). */
  table: string;
  /**
   * A strictly increasing column (an AUTO_INCREMENT id is best): each batch reads the rows whose
   * value is greater than the last value read.
   */
  column: string;
  /** Columns selected. Default every column (`*`). The increasing column is always read. */
  columns?: readonly string[];
  /** Most rows per batch. Default 10 000. */
  maxRowsPerBatch?: number;
  /** Partitions per batch; rows are split into contiguous runs of the column. Default 1. */
  numPartitions?: number;
  /** Start after this value (rows with a greater value are read). Default: from the first row. */
  startAfter?: number | string;
  /**
   * Resume from where a transactional sink committed (integer column, one partition per batch):
   * at start the source skips to the stored next offset of topic = `table`, partition 0, when it
   * is ahead of the checkpoint. Pass the sink's `offsetStore` and its `jobId`.
   */
  offsetStore?: OffsetStore;
  /** The job id the offsets are stored under (required with `offsetStore`). */
  jobId?: string;
  /** Turns a row into a record. Default: the row object itself. */
  recordOf?: (row: MysqlRow) => T;
  /** Shown in logs. Default `mysqlSource(<table>)`. */
  name?: string;
}

/** A column value in a JSON checkpoint: numbers and strings as they are, the rest tagged. */
type Encoded = number | string | { bigint: string } | { date: string };

function encode(value: unknown, name: string): Encoded {
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return { bigint: value.toString() };
  if (value instanceof Date) return { date: value.toISOString() };
  throw new SourceReadError(
    `${name}: the increasing column holds ${typeof value} values; use a number, string or date column`,
  );
}

function decode(value: Encoded): number | string | bigint | Date {
  if (typeof value === 'number' || typeof value === 'string') return value;
  return 'bigint' in value ? BigInt(value.bigint) : new Date(value.date);
}

/** A batch read but not yet completed: replaying `time` reads exactly (from, until] again. */
type Pending = [time: number, from: Encoded | null, until: Encoded];

/**
 * Polls a table for new rows each batch (`WHERE column > ? ORDER BY column LIMIT n`). Replayable:
 * the checkpointed position keeps the bounds of every batch not yet completed, so a batch re-run
 * after a restart reads exactly the rows it read the first time.
 *
 * ```ts
 * const orders = ctx.source(mysqlSource({ connection, table: 'orders', column: 'id' }));
 * ```
 */
export function mysqlSource<T = MysqlRow>(options: MysqlSourceOptions<T>): Source<T> {
  const name = options.name ?? `mysqlSource(${String(options.table)})`;
  const table = quoteTableName(options.table, `${name}: table`);
  const column = quoteIdentifier(options.column, `${name}: column`);
  const selected =
    options.columns === undefined
      ? '*'
      : [...new Set([...options.columns, options.column])]
          .map((c) => quoteIdentifier(c, `${name}: columns`))
          .join(', ');
  const maxRows = options.maxRowsPerBatch ?? 10_000;
  const numPartitions = options.numPartitions ?? 1;
  for (const [setting, value] of [
    ['maxRowsPerBatch', maxRows],
    ['numPartitions', numPartitions],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new ConfigError(`${name}: ${setting} must be a whole number >= 1, got ${String(value)}`);
    }
  }
  if (
    options.startAfter !== undefined &&
    typeof options.startAfter !== 'number' &&
    typeof options.startAfter !== 'string'
  ) {
    throw new ConfigError(
      `${name}: startAfter must be a number or a string, got ${typeof options.startAfter}`,
    );
  }
  if (options.offsetStore !== undefined) {
    if (typeof options.jobId !== 'string' || options.jobId === '') {
      throw new ConfigError(
        `${name}: offsetStore needs jobId (the sink's jobId), got ${JSON.stringify(options.jobId)}`,
      );
    }
    // With several partitions per batch, sub-ranges commit independently and no single stored
    // offset says where everything before it is done.
    if (numPartitions !== 1) {
      throw new ConfigError(`${name}: offsetStore needs numPartitions: 1, got ${numPartitions}`);
    }
  }
  const { provider, owned } = resolveProvider(options, name);
  const recordOf = options.recordOf ?? ((row: MysqlRow) => row as T);
  const key = options.column;
  let after: Encoded | null = options.startAfter ?? null;
  let pending: Pending[] = [];

  const read = async (from: Encoded | null, until: Encoded | null): Promise<MysqlRow[]> => {
    const where: string[] = [];
    const values: BoundValue[] = [];
    if (from !== null) {
      where.push(`${column} > ?`);
      values.push(decode(from));
    }
    if (until !== null) {
      where.push(`${column} <= ?`);
      values.push(decode(until));
    }
    // LIMIT is a validated integer written inline: some servers refuse a bound LIMIT in prepared statements.
    const sql =
      `SELECT ${selected} FROM ${table}` +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
      ` ORDER BY ${column}` +
      (until === null ? ` LIMIT ${maxRows}` : '');
    const connection: MysqlConnection = await acquireLive(provider).catch((error: unknown) => {
      throw toDStreamError(error, `${name} polling`, 'source');
    });
    try {
      const [rows] = await connection.execute(sql, values);
      provider.release(connection);
      return rows as MysqlRow[];
    } catch (error) {
      provider.release(connection, isBrokenConnection(error) ? error : undefined);
      throw toDStreamError(error, `${name} polling`, 'source');
    }
  };

  const toBatch = (rows: MysqlRow[], from: Encoded | null): SourceBatch<T> => {
    const n = Math.min(numPartitions, Math.max(rows.length, 1));
    const size = Math.ceil(rows.length / n);
    const partitions: T[][] = [];
    const ranges: OffsetRange[] = [];
    let previous = from;
    for (let i = 0; i < n; i++) {
      const slice = rows.slice(i * size, (i + 1) * size);
      partitions.push(slice.map(recordOf));
      const last = slice.at(-1)?.[key];
      // Integer columns double as offsets, so a transactional sink can store where each partition ends.
      if (typeof last === 'number' && Number.isSafeInteger(last)) {
        const start = typeof previous === 'number' ? previous + 1 : 0;
        ranges.push({ topic: options.table, partition: i, fromOffset: start, untilOffset: last + 1 });
        previous = last;
      }
    }
    return ranges.length === n && rows.length > 0 ? { partitions, offsetRanges: ranges } : { partitions };
  };

  return {
    name,
    replayable: true,
    replayReason: `the bounds of ${key} for every unfinished batch are in the checkpoint`,
    async start() {
      if (options.offsetStore === undefined) return;
      const stored = await options.offsetStore.load(options.jobId!, [options.table]);
      const next = stored.find((o) => o.partition === 0)?.offset;
      if (next === undefined) return;
      if (after !== null && typeof after !== 'number') {
        throw new ConfigError(
          `${name}: offsetStore needs an integer column; the position is ${JSON.stringify(after)}`,
        );
      }
      // Rows below `next` were committed with their offsets. Unfinished batches in the restored
      // position still replay their exact bounds: the sink's markers skip the committed ones.
      if (after === null || next - 1 > after) after = next - 1;
    },
    async compute(time) {
      const replay = pending.find((p) => p[0] === time);
      if (replay !== undefined) return toBatch(await read(replay[1], replay[2]), replay[1]);
      const rows = await read(after, null);
      const last = rows.at(-1);
      if (last === undefined) return { partitions: [] };
      const from = after;
      const until = encode(last[key], name);
      pending.push([time, from, until]);
      after = until;
      return toBatch(rows, from);
    },
    async onBatchCompleted(time) {
      pending = pending.filter((p) => p[0] > time);
    },
    position(): JsonValue {
      return { after, pending };
    },
    restore(position) {
      const p = position as { after?: Encoded | null; pending?: Pending[] } | null;
      if (typeof p !== 'object' || p === null || !Array.isArray(p.pending)) {
        throw new ConfigError(`${name}: cannot restore from position ${JSON.stringify(position)}`);
      }
      after = p.after ?? null;
      pending = p.pending.map((entry) => [entry[0], entry[1], entry[2]]);
    },
    async stop() {
      if (owned) await provider.close();
    },
  };
}
