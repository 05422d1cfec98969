import type { ClientProviderStats, OffsetStore, Sink, SinkBatchInfo, SinkContext } from '@dstream/core';
import { ConfigError, ConnectionError } from '@dstream/core';
import { quoteTableName } from './identifiers.js';
import {
  type MysqlClientOptions,
  type MysqlConnection,
  type SqlValue,
  acquireLive,
  resolveProvider,
} from './mysql-connection.js';
import { isBrokenConnection, toDStreamError } from './mysql-errors.js';
import { createOffsetTableSql, offsetStoreOver, saveOffsetsStatement } from './mysql-offset-store.js';
import { checkTable, createMarkerTableSql } from './mysql-tables.js';
import { rowValues } from './row-values.js';
import {
  type InsertPlan,
  type Statement,
  type UpdateAction,
  buildStatements,
  planInsert,
} from './sql-builder.js';

export interface MysqlSinkOptions<T> extends MysqlClientOptions {
  /** The target table (`table` or `db.table`); it must exist and have a unique key on `key`. */
  table: string;
  /**
   * The columns written, in order. Without `rowOf`, a record is either an array (values in this
   * order) or an object (values read by column name). With `rowOf` and no `columns`, the columns
   * are the keys of the first row of each partition.
   */
  columns?: readonly string[];
  /** Turns a record into a row keyed by column name. */
  rowOf?: (record: T) => Readonly<Record<string, SqlValue>>;
  /** The column(s) of the table's primary or unique key. */
  key: string | readonly string[];
  /** `upsert` (idempotent) or `transactional` (rows + batch marker + offsets in one transaction). */
  mode: 'upsert' | 'transactional';
  /** What happens to each non-key column on a duplicate key. Default `replace` for every column. */
  update?: Readonly<Record<string, UpdateAction>>;
  /** Most rows per INSERT statement. Default 1000. */
  maxRowsPerStatement?: number;
  /** Most bytes of values per INSERT statement (keep under max_allowed_packet). Default 4 MiB. */
  maxBytesPerStatement?: number;
  /** Transactional mode: the table of committed batch markers, created if missing. Default `dstream_batches`. */
  markerTable?: string;
  /** Transactional mode: the offsets table, created if missing. Default `dstream_offsets`. */
  offsetTable?: string;
  /** The job id under which offsets are stored (use the one your source loads). Default: the output id. */
  jobId?: string;
  /** Markers of batches older than this (ms, relative to the newest committed batch) are deleted. Default 7 days. */
  markerRetentionMs?: number;
  /** Shown in logs. Default `mysqlSink(<table>)`. */
  name?: string;
}

/** The sink `mysqlSink` returns: a core Sink with a `stats` hook for tests. */
export interface MysqlSink<T> extends Sink<T> {
  /**
   * Partitions written, partitions skipped because their marker was already committed, INSERT
   * statements run, and the connection counts of this executor's provider.
   */
  stats(): { written: number; skipped: number; statements: number; connections: ClientProviderStats };
}

/**
 * Writes each partition of a DStream into a MySQL/MariaDB table with multi-row
 * `INSERT … ON DUPLICATE KEY UPDATE` statements over a small pool per executor.
 *
 * ```ts
 * counts.to(mysqlSink({
 *   connection: { host: '127.0.0.1', user: 'root', database: 'test' },
 *   table: 'page_counts', columns: ['page', 'views'], key: 'page',
 *   mode: 'transactional', update: { views: 'increment' },
 * }));
 * ```
 */
export function mysqlSink<T>(options: MysqlSinkOptions<T>): MysqlSink<T> {
  const name = options.name ?? `mysqlSink(${String(options.table)})`;
  const mode = options.mode;
  if (mode !== 'upsert' && mode !== 'transactional') {
    throw new ConfigError(`${name}: mode must be 'upsert' or 'transactional', got ${JSON.stringify(mode)}`);
  }
  // Checked now so that a bad name fails when the sink is made, whatever the columns.
  quoteTableName(options.table, `${name}: table`);
  const key = typeof options.key === 'string' ? [options.key] : [...(options.key ?? [])];
  if (options.columns === undefined && options.rowOf === undefined) {
    throw new ConfigError(`${name}: give columns (records are arrays or objects) or rowOf(record)`);
  }
  const limits = {
    maxRows: positiveInteger(options.maxRowsPerStatement ?? 1000, `${name}: maxRowsPerStatement`),
    maxBytes: positiveInteger(
      options.maxBytesPerStatement ?? 4 * 1024 * 1024,
      `${name}: maxBytesPerStatement`,
    ),
  };
  const retentionMs = options.markerRetentionMs ?? 7 * 24 * 3600 * 1000;
  const transactional = mode === 'transactional';
  const markerTable = quoteTableName(options.markerTable ?? 'dstream_batches', `${name}: markerTable`);
  const offsetTableName = options.offsetTable ?? 'dstream_offsets';
  const offsetTable = quoteTableName(offsetTableName, `${name}: offsetTable`);
  if (options.jobId !== undefined && (typeof options.jobId !== 'string' || options.jobId === '')) {
    throw new ConfigError(`${name}: jobId must be a non-empty string, got ${JSON.stringify(options.jobId)}`);
  }

  const plans = new Map<string, InsertPlan>();
  const planFor = (columns: readonly string[]): InsertPlan => {
    const signature = columns.join('\u0000');
    let plan = plans.get(signature);
    if (plan === undefined) {
      plan = planInsert({
        table: options.table,
        columns,
        key,
        update: options.update,
        allowIncrement: transactional,
        owner: name,
      });
      plans.set(signature, plan);
    }
    return plan;
  };
  // Names are checked now, when the sink is made, whenever the columns are known up front.
  if (options.columns !== undefined) planFor(options.columns);

  const { provider, owned } = resolveProvider(options, name);
  const offsetStore: OffsetStore | undefined = transactional
    ? offsetStoreOver(provider, offsetTable, `mysqlOffsetStore(${offsetTableName})`, false)
    : undefined;
  let ready: Promise<void> | undefined;
  let written = 0;
  let skipped = 0;
  let statementCount = 0;

  /** The rows of a partition, and the statements that write them; throws before any SQL runs. */
  const statementsFor = (records: readonly T[]): Statement[] => {
    if (records.length === 0) return [];
    const columns = options.columns ?? Object.keys(options.rowOf!(records[0]!));
    const plan = planFor(columns);
    const rows = records.map((record) => rowValues(record, columns, options.rowOf, name));
    return buildStatements(plan, rows, limits);
  };

  const withConnection = async <R>(what: string, fn: (c: MysqlConnection) => Promise<R>): Promise<R> => {
    const connection = await acquireLive(provider).catch((error: unknown) => {
      throw toDStreamError(error, `${name} ${what}`);
    });
    try {
      const result = await fn(connection);
      provider.release(connection);
      return result;
    } catch (error) {
      // A broken connection goes back with its error, so the pool closes it instead of lending it.
      provider.release(connection, isBrokenConnection(error) ? error : undefined);
      throw toDStreamError(error, `${name} ${what}`);
    }
  };

  const ensureReady = (): Promise<void> => {
    ready ??= withConnection('checking its tables', async (c) => {
      await checkTable(c, options.table, key, transactional, name);
      if (transactional) {
        await c.query(createMarkerTableSql(markerTable));
        await c.query(createOffsetTableSql(offsetTable));
      }
    }).catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };

  const writeUpsert = async (statements: Statement[], where: string): Promise<void> => {
    if (statements.length === 0) return;
    await withConnection(where, async (c) => {
      for (const s of statements) {
        await c.execute(s.sql, s.values);
        statementCount++;
      }
    });
    written++;
  };

  const writeTransactional = async (statements: Statement[], rowCount: number, context: SinkContext) => {
    const range = context.partitionOffsetRange;
    if (statements.length === 0 && range === undefined) return;
    const where = `writing partition ${context.partition} of batch ${context.batchTime}`;
    const applied = await withConnection(where, async (c) => {
      await c.beginTransaction();
      try {
        // The marker goes first: its row lock makes a concurrent attempt at the same partition wait
        // for this one, and an existing marker means the partition was already committed.
        const [marker] = await c.execute(
          `INSERT IGNORE INTO ${markerTable} (output_id, batch_time, partition_id, row_count) VALUES (?, ?, ?, ?)`,
          [context.outputId, context.batchTime, context.partition, rowCount],
        );
        if ((marker as { affectedRows: number }).affectedRows === 0) {
          await c.rollback();
          return false;
        }
        for (const s of statements) {
          await c.execute(s.sql, s.values);
          statementCount++;
        }
        if (range !== undefined) {
          const s = saveOffsetsStatement(offsetTable, options.jobId ?? context.outputId, [range]);
          await c.execute(s.sql, s.values);
        }
        await c.commit();
        return true;
      } catch (error) {
        if (isBrokenConnection(error)) throw error;
        try {
          await c.rollback();
        } catch (rollbackError) {
          // A connection that cannot roll back is in an unknown state: the pool must drop it.
          throw new ConnectionError(`${name} ${where}: ROLLBACK failed after ${String(error)}`, {
            cause: rollbackError,
          });
        }
        throw error;
      }
    });
    if (applied) written++;
    else skipped++;
  };

  return {
    name,
    guarantee: transactional ? 'transactional' : 'idempotent',
    mechanism: transactional
      ? `rows, batch marker (${options.markerTable ?? 'dstream_batches'}) and partition offsets in one InnoDB transaction; a committed marker skips the replay`
      : `INSERT … ON DUPLICATE KEY UPDATE on (${key.join(', ')})`,
    ...(offsetStore === undefined ? {} : { offsetStore }),
    async open() {
      await ensureReady();
    },
    async writePartition(records, context) {
      const statements = statementsFor(records);
      // An empty partition has nothing to commit unless it must record its offset range.
      if (statements.length === 0 && (!transactional || context.partitionOffsetRange === undefined)) return;
      await ensureReady();
      if (transactional) await writeTransactional(statements, records.length, context);
      else
        await writeUpsert(statements, `writing partition ${context.partition} of batch ${context.batchTime}`);
    },
    async commitBatch(info: SinkBatchInfo) {
      if (!transactional) return;
      await ensureReady();
      if (info.offsetRanges.length > 0)
        await offsetStore!.save(options.jobId ?? info.outputId, info.offsetRanges);
      if (retentionMs > 0) {
        await withConnection(`deleting markers older than ${retentionMs} ms`, async (c) => {
          await c.execute(`DELETE FROM ${markerTable} WHERE output_id = ? AND batch_time < ?`, [
            info.outputId,
            info.batchTime - retentionMs,
          ]);
        });
      }
    },
    async close() {
      if (owned) await provider.close();
    },
    stats: () => ({ written, skipped, statements: statementCount, connections: provider.stats() }),
  };
}

function positiveInteger(value: number, setting: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${setting} must be a whole number >= 1, got ${String(value)}`);
  }
  return value;
}
