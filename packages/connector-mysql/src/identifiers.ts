import { ConfigError } from '@dstream/core';

/**
 * Table and column names are spliced into SQL (placeholders cannot stand for names), so only a
 * strict subset of MySQL identifiers is accepted: ASCII letters, digits and `_`, not starting with
 * a digit, at most 64 characters (MySQL's limit). Anything else is refused before a statement runs.
 */
const identifierPattern = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Checks one name and returns it backtick-quoted; `setting` names the option in the error. */
export function quoteIdentifier(name: unknown, setting: string): string {
  if (typeof name !== 'string' || !identifierPattern.test(name)) {
    throw new ConfigError(
      `${setting}: ${JSON.stringify(name)} is not an accepted identifier ` +
        '(letters, digits and _, not starting with a digit, at most 64 characters)',
    );
  }
  return `\`${name}\``;
}

/** A table name, optionally qualified by its database (`db.table`), checked and quoted part by part. */
export function quoteTableName(name: unknown, setting: string): string {
  if (typeof name !== 'string') return quoteIdentifier(name, setting);
  const parts = name.split('.');
  if (parts.length > 2) {
    throw new ConfigError(
      `${setting}: ${JSON.stringify(name)} has more than one '.' (use table or db.table)`,
    );
  }
  try {
    return parts.map((part) => quoteIdentifier(part, setting)).join('.');
  } catch {
    throw new ConfigError(
      `${setting}: ${JSON.stringify(name)} is not an accepted table name ` +
        '(table or db.table; letters, digits and _, not starting with a digit, at most 64 characters each)',
    );
  }
}

/** The unquoted database and table of a possibly qualified name (for information_schema lookups). */
export function splitTableName(name: string): { schema: string | undefined; table: string } {
  const dot = name.indexOf('.');
  return dot < 0
    ? { schema: undefined, table: name }
    : { schema: name.slice(0, dot), table: name.slice(dot + 1) };
}
