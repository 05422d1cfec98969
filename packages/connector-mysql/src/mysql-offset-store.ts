import type { ClientProvider, OffsetRange, OffsetStore, TopicPartitionOffset } from '@dstream/core';
import { ConfigError } from '@dstream/core';
import { quoteTableName } from './identifiers.js';
import {
  type MysqlClientOptions,
  type MysqlConnection,
  acquireLive,
  resolveProvider,
} from './mysql-connection.js';
import { isBrokenConnection, toDStreamError } from './mysql-errors.js';
import type { Statement } from './sql-builder.js';

export interface MysqlOffsetStoreOptions extends MysqlClientOptions {
  /** The offsets table, created if missing. Default `dstream_offsets`. */
  table?: string;
}

/** `CREATE TABLE IF NOT EXISTS` for an offsets table (InnoDB, so sinks can write it in their transaction). */
export function createOffsetTableSql(quotedTable: string): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${quotedTable} (` +
    'job_id VARCHAR(191) NOT NULL, topic VARCHAR(191) NOT NULL, partition_id INT NOT NULL, ' +
    'next_offset BIGINT NOT NULL, updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ' +
    'ON UPDATE CURRENT_TIMESTAMP(3), PRIMARY KEY (job_id, topic, partition_id)) ENGINE=InnoDB'
  );
}

/**
 * One statement recording `untilOffset` as the next offset of each range. Offsets only move
 * forward (GREATEST): replaying an older batch never rewinds the stored position.
 */
export function saveOffsetsStatement(
  quotedTable: string,
  jobId: string,
  ranges: readonly OffsetRange[],
): Statement {
  const values: Array<string | number> = [];
  for (const r of ranges) values.push(jobId, r.topic, r.partition, r.untilOffset);
  return {
    sql:
      `INSERT INTO ${quotedTable} (job_id, topic, partition_id, next_offset) VALUES ` +
      ranges.map(() => '(?, ?, ?, ?)').join(', ') +
      ' ON DUPLICATE KEY UPDATE next_offset = GREATEST(next_offset, VALUES(next_offset))',
    values,
  };
}

/** An OffsetStore for a mysqlOffsetStore; `provider` is shared with a sink when the sink made it. */
export function mysqlOffsetStore(options: MysqlOffsetStoreOptions): OffsetStore {
  const tableName = options.table ?? 'dstream_offsets';
  const name = `mysqlOffsetStore(${tableName})`;
  const table = quoteTableName(tableName, `${name}: table`);
  const { provider, owned } = resolveProvider(options, name);
  return offsetStoreOver(provider, table, name, owned);
}

/** The store over a given provider; `owned` says whether `close` closes the provider. */
export function offsetStoreOver(
  provider: ClientProvider<MysqlConnection>,
  table: string,
  name: string,
  owned: boolean,
): OffsetStore {
  let created: Promise<void> | undefined;

  const run = async <R>(what: string, fn: (c: MysqlConnection) => Promise<R>): Promise<R> => {
    const connection = await acquireLive(provider).catch((error: unknown) => {
      throw toDStreamError(error, `${name} ${what}`);
    });
    try {
      const result = await fn(connection);
      provider.release(connection);
      return result;
    } catch (error) {
      provider.release(connection, isBrokenConnection(error) ? error : undefined);
      throw toDStreamError(error, `${name} ${what}`);
    }
  };

  const ensureTable = (): Promise<void> => {
    created ??= run('creating its table', async (c) => {
      await c.query(createOffsetTableSql(table));
    }).catch((error: unknown) => {
      created = undefined;
      throw error;
    });
    return created;
  };

  return {
    name,
    async load(jobId, topics) {
      if (typeof jobId !== 'string' || jobId === '') {
        throw new ConfigError(`${name}: jobId must be a non-empty string, got ${JSON.stringify(jobId)}`);
      }
      await ensureTable();
      if (topics.length === 0) return [];
      return run(`loading offsets of ${JSON.stringify(jobId)}`, async (c) => {
        const [rows] = await c.execute(
          `SELECT topic, partition_id, next_offset FROM ${table} WHERE job_id = ? AND topic IN (${topics
            .map(() => '?')
            .join(', ')}) ORDER BY topic, partition_id`,
          [jobId, ...topics],
        );
        return (rows as Array<{ topic: string; partition_id: number; next_offset: number | string }>).map(
          (row): TopicPartitionOffset => ({
            topic: row.topic,
            partition: Number(row.partition_id),
            offset: Number(row.next_offset),
          }),
        );
      });
    },
    async save(jobId, ranges) {
      if (typeof jobId !== 'string' || jobId === '') {
        throw new ConfigError(`${name}: jobId must be a non-empty string, got ${JSON.stringify(jobId)}`);
      }
      await ensureTable();
      if (ranges.length === 0) return;
      const statement = saveOffsetsStatement(table, jobId, ranges);
      await run(`saving offsets of ${JSON.stringify(jobId)}`, async (c) => {
        await c.execute(statement.sql, statement.values);
      });
    },
    async close() {
      if (owned) await provider.close();
    },
  };
}
