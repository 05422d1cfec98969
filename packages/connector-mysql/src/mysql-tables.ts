import { ConfigError } from '@dstream/core';
import { splitTableName } from './identifiers.js';
import type { MysqlConnection } from './mysql-connection.js';

/** `CREATE TABLE IF NOT EXISTS` for the transactional sink's batch markers (one row per committed partition). */
export function createMarkerTableSql(quotedTable: string): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${quotedTable} (output_id VARCHAR(191) NOT NULL, ` +
    'batch_time BIGINT NOT NULL, partition_id INT NOT NULL, row_count INT NOT NULL, ' +
    'committed_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), ' +
    'PRIMARY KEY (output_id, batch_time, partition_id)) ENGINE=InnoDB'
  );
}

/**
 * Fails early, with the table's name, when the target table is missing, has no primary or unique
 * key on exactly the `key` columns (ON DUPLICATE KEY would then append duplicates on a replay), or
 * cannot take part in a transaction (MyISAM and friends would keep half a partition after a rollback).
 */
export async function checkTable(
  c: MysqlConnection,
  tableName: string,
  key: readonly string[],
  transactional: boolean,
  name: string,
) {
  const { schema, table } = splitTableName(tableName);
  const [rows] = await c.execute(
    'SELECT ENGINE AS engine FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?',
    [schema ?? null, table],
  );
  const found = (rows as Array<{ engine: string | null }>)[0];
  if (found === undefined) {
    throw new ConfigError(
      `${name}: table ${JSON.stringify(tableName)} does not exist (create it with a unique key)`,
    );
  }
  if (transactional && found.engine !== null && !['InnoDB', 'XtraDB'].includes(found.engine)) {
    throw new ConfigError(
      `${name}: table ${JSON.stringify(tableName)} uses the ${found.engine} engine, which has no transactions; ` +
        "mode: 'transactional' needs InnoDB",
    );
  }
  const [indexRows] = await c.execute(
    'SELECT INDEX_NAME AS indexName, COLUMN_NAME AS columnName FROM information_schema.STATISTICS ' +
      'WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND NON_UNIQUE = 0',
    [schema ?? null, table],
  );
  const uniqueKeys = new Map<string, string[]>();
  for (const row of indexRows as Array<{ indexName: string; columnName: string }>) {
    const columns = uniqueKeys.get(row.indexName) ?? [];
    columns.push(row.columnName.toLowerCase());
    uniqueKeys.set(row.indexName, columns);
  }
  const wanted = key.map((k) => k.toLowerCase()).sort();
  const matches = [...uniqueKeys.values()].some(
    (columns) => columns.length === wanted.length && [...columns].sort().every((c, i) => c === wanted[i]),
  );
  if (!matches) {
    throw new ConfigError(
      `${name}: table ${JSON.stringify(tableName)} has no primary or unique key on (${key.join(', ')}); ` +
        'without one, a replayed batch would insert its rows again',
    );
  }
}
