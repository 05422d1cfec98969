import { ConfigError } from '@dstream/core';
import { quoteIdentifier, quoteTableName } from './identifiers.js';
import type { BoundValue, SqlValue } from './mysql-connection.js';

/**
 * What `ON DUPLICATE KEY UPDATE` does to a non-key column when the key already exists. Named
 * actions rather than SQL text, so that nothing user-supplied is spliced into a statement:
 * - `replace`: `col = VALUES(col)` (the default; idempotent);
 * - `increment`: `col = col + VALUES(col)` (not idempotent: transactional mode only);
 * - `max` / `min`: `col = GREATEST(col, VALUES(col))` / `LEAST(…)` (idempotent);
 * - `keep`: the stored value stays.
 */
export type UpdateAction = 'replace' | 'increment' | 'max' | 'min' | 'keep';

const updateActions: readonly UpdateAction[] = ['replace', 'increment', 'max', 'min', 'keep'];

/** The fixed parts of a multi-row insert for one table and column list. */
export interface InsertPlan {
  /** `INSERT INTO `t` (`a`,`b`) VALUES ` */
  readonly head: string;
  /** `(?,?)` */
  readonly rowPlaceholders: string;
  /** ` ON DUPLICATE KEY UPDATE …` (empty when no column is updated) */
  readonly tail: string;
  readonly columnCount: number;
}

export interface InsertPlanOptions {
  table: string;
  columns: readonly string[];
  key: readonly string[];
  update?: Readonly<Record<string, UpdateAction>>;
  /** False in upsert mode: `increment` would make replays count twice. */
  allowIncrement: boolean;
  /** Prefix for error messages, e.g. `mysqlSink(page_counts)`. */
  owner: string;
}

/** Validates every name and builds the statement skeleton. Throws ConfigError before any SQL runs. */
export function planInsert(options: InsertPlanOptions): InsertPlan {
  const { owner } = options;
  const table = quoteTableName(options.table, `${owner}: table`);
  if (options.columns.length === 0) throw new ConfigError(`${owner}: columns must name at least one column`);
  const seen = new Set<string>();
  const columns = options.columns.map((c) => {
    if (seen.has(c)) throw new ConfigError(`${owner}: column ${JSON.stringify(c)} is listed twice`);
    seen.add(c);
    return quoteIdentifier(c, `${owner}: column`);
  });
  if (options.key.length === 0) throw new ConfigError(`${owner}: key must name at least one column`);
  for (const k of options.key) {
    quoteIdentifier(k, `${owner}: key`);
    if (!seen.has(k))
      throw new ConfigError(`${owner}: key column ${JSON.stringify(k)} is not among the columns`);
  }
  const update = options.update ?? {};
  for (const [column, action] of Object.entries(update)) {
    quoteIdentifier(column, `${owner}: update`);
    if (!seen.has(column)) {
      throw new ConfigError(
        `${owner}: update names ${JSON.stringify(column)}, which is not among the columns`,
      );
    }
    if (options.key.includes(column)) {
      throw new ConfigError(`${owner}: update names the key column ${JSON.stringify(column)}`);
    }
    if (!updateActions.includes(action)) {
      throw new ConfigError(
        `${owner}: update.${column} is ${JSON.stringify(action)}; expected one of ${updateActions.join(', ')}`,
      );
    }
    if (action === 'increment' && !options.allowIncrement) {
      throw new ConfigError(
        `${owner}: update.${column} = 'increment' is not idempotent (a replayed batch would add twice); ` +
          "use mode: 'transactional'",
      );
    }
  }
  const assignments: string[] = [];
  for (const column of options.columns) {
    if (options.key.includes(column)) continue;
    const action = update[column] ?? 'replace';
    const q = quoteIdentifier(column, `${owner}: column`);
    if (action === 'replace') assignments.push(`${q} = VALUES(${q})`);
    else if (action === 'increment') assignments.push(`${q} = ${q} + VALUES(${q})`);
    else if (action === 'max') assignments.push(`${q} = GREATEST(${q}, VALUES(${q}))`);
    else if (action === 'min') assignments.push(`${q} = LEAST(${q}, VALUES(${q}))`);
  }
  // With nothing to update (every column is key or kept), a no-op assignment keeps the statement
  // an upsert: a duplicate key is left as it is instead of failing.
  if (assignments.length === 0) {
    const first = quoteIdentifier(options.key[0]!, `${owner}: key`);
    assignments.push(`${first} = ${first}`);
  }
  return {
    head: `INSERT INTO ${table} (${columns.join(', ')}) VALUES `,
    rowPlaceholders: `(${columns.map(() => '?').join(', ')})`,
    tail: ` ON DUPLICATE KEY UPDATE ${assignments.join(', ')}`,
    columnCount: columns.length,
  };
}

/** A statement and the values for its placeholders, in order. */
export interface Statement {
  readonly sql: string;
  readonly values: BoundValue[];
}

/** The server refuses prepared statements with more placeholders than this. */
export const maxPlaceholders = 65_535;

/** A rough size of a bound value on the wire, to keep a statement under max_allowed_packet. */
export function valueSize(value: SqlValue): number {
  if (typeof value === 'string') return value.length > 1024 ? Buffer.byteLength(value) : value.length * 3;
  if (value instanceof Uint8Array) return value.byteLength;
  return 9;
}

export interface ChunkLimits {
  /** Most rows per statement. */
  maxRows: number;
  /** Most bytes of values per statement (a single larger row still goes, alone). */
  maxBytes: number;
}

/**
 * Cuts rows into multi-row statements of at most `maxRows` rows, `maxBytes` bytes of values and
 * 65 535 placeholders each. A row larger than `maxBytes` gets a statement of its own.
 */
export function buildStatements(
  plan: InsertPlan,
  rows: readonly SqlValue[][],
  limits: ChunkLimits,
): Statement[] {
  const maxRows = Math.max(1, Math.min(limits.maxRows, Math.floor(maxPlaceholders / plan.columnCount)));
  const statements: Statement[] = [];
  let values: BoundValue[] = [];
  let count = 0;
  let bytes = 0;
  const flush = (): void => {
    if (count === 0) return;
    const tuples = new Array<string>(count).fill(plan.rowPlaceholders);
    statements.push({ sql: plan.head + tuples.join(', ') + plan.tail, values });
    values = [];
    count = 0;
    bytes = 0;
  };
  for (const row of rows) {
    let rowBytes = 0;
    for (const v of row) rowBytes += valueSize(v);
    if (count > 0 && (count >= maxRows || bytes + rowBytes > limits.maxBytes)) flush();
    for (const v of row) values.push(v === undefined ? null : v);
    count++;
    bytes += rowBytes;
  }
  flush();
  return statements;
}
