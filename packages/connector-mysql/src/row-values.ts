import { SinkWriteError } from '@dstream/core';
import type { SqlValue } from './mysql-connection.js';

/** A record's values in column order. */
export function rowValues<T>(
  record: T,
  columns: readonly string[],
  rowOf: ((record: T) => Readonly<Record<string, SqlValue>>) | undefined,
  name: string,
): SqlValue[] {
  const source: unknown = rowOf === undefined ? record : rowOf(record);
  if (Array.isArray(source)) {
    if (source.length !== columns.length) {
      throw new SinkWriteError(
        `${name}: a record has ${source.length} values for ${columns.length} columns (${columns.join(', ')})`,
      );
    }
    return source as SqlValue[];
  }
  if (typeof source !== 'object' || source === null) {
    throw new SinkWriteError(
      `${name}: a record is ${typeof source}; expected an array or an object (or give rowOf)`,
    );
  }
  const row = source as Record<string, SqlValue>;
  return columns.map((c) => row[c]);
}
