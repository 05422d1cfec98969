import { type Bytes, longToBytes, toBuffer } from './bytes.js';
import { type UInt64, toNumber } from './protocol/hbase-proto.js';
import type { ResultMessage } from './region-locator.js';

/** One cell of a put. Without `timestamp` the put's own, else the server's clock. */
export interface PutCell {
  readonly family: Bytes;
  readonly qualifier: Bytes;
  readonly value: Bytes;
  readonly timestamp?: number;
}

export interface Put {
  readonly type: 'put';
  readonly row: Bytes;
  readonly cells: readonly PutCell[];
  /** Applies to every cell without its own timestamp. Explicit timestamps make replays idempotent. */
  readonly timestamp?: number;
}

export interface DeleteColumn {
  readonly family: Bytes;
  /** Without it, the whole family. */
  readonly qualifier?: Bytes;
}

export interface Delete {
  readonly type: 'delete';
  readonly row: Bytes;
  /** Without it, the whole row. */
  readonly columns?: readonly DeleteColumn[];
  /** Deletes versions up to this timestamp (default: all). */
  readonly timestamp?: number;
}

export interface IncrementAmount {
  readonly family: Bytes;
  readonly qualifier: Bytes;
  readonly amount: bigint | number;
}

export interface Increment {
  readonly type: 'increment';
  readonly row: Bytes;
  readonly amounts: readonly IncrementAmount[];
}

export type Mutation = Put | Delete | Increment;

/** A cell as read back. */
export interface HBaseCell {
  readonly row: Buffer;
  readonly family: Buffer;
  readonly qualifier: Buffer;
  readonly timestamp: number;
  readonly value: Buffer;
}

/** One row as read back (a Get or one row of a Scan). */
export interface HBaseRow {
  readonly row: Buffer;
  readonly cells: readonly HBaseCell[];
}

export interface ColumnSelector {
  readonly family: Bytes;
  /** Without it, the whole family. */
  readonly qualifier?: Bytes;
}

export interface GetOptions {
  readonly columns?: readonly ColumnSelector[];
  /** Versions per column, default 1. */
  readonly maxVersions?: number;
}

export const MUTATION_TYPE = { APPEND: 0, INCREMENT: 1, PUT: 2, DELETE: 3 } as const;
const DELETE_MULTIPLE_VERSIONS = 1;
const DELETE_FAMILY = 2;

interface QualifierValue {
  qualifier?: Buffer;
  value?: Buffer;
  timestamp?: number;
  delete_type?: number;
}

function groupByFamily(
  entries: Array<[Buffer, QualifierValue]>,
): Array<{ family: Buffer; qualifier_value: QualifierValue[] }> {
  const families = new Map<string, { family: Buffer; qualifier_value: QualifierValue[] }>();
  for (const [family, value] of entries) {
    const key = family.toString('latin1');
    let group = families.get(key);
    if (group === undefined) {
      group = { family, qualifier_value: [] };
      families.set(key, group);
    }
    group.qualifier_value.push(value);
  }
  return [...families.values()];
}

/** A Mutation as HBase's MutationProto (plain object for protobufjs), with an optional nonce. */
export function toMutationProto(mutation: Mutation, nonce?: UInt64): Record<string, unknown> {
  const row = toBuffer(mutation.row);
  switch (mutation.type) {
    case 'put': {
      const entries: Array<[Buffer, QualifierValue]> = mutation.cells.map((cell) => [
        toBuffer(cell.family),
        {
          qualifier: toBuffer(cell.qualifier),
          value: toBuffer(cell.value),
          ...(cell.timestamp === undefined ? {} : { timestamp: cell.timestamp }),
        },
      ]);
      return {
        row,
        mutate_type: MUTATION_TYPE.PUT,
        column_value: groupByFamily(entries),
        ...(mutation.timestamp === undefined ? {} : { timestamp: mutation.timestamp }),
      };
    }
    case 'delete': {
      const entries: Array<[Buffer, QualifierValue]> = (mutation.columns ?? []).map((column) => [
        toBuffer(column.family),
        column.qualifier === undefined
          ? { delete_type: DELETE_FAMILY }
          : { qualifier: toBuffer(column.qualifier), delete_type: DELETE_MULTIPLE_VERSIONS },
      ]);
      return {
        row,
        mutate_type: MUTATION_TYPE.DELETE,
        column_value: groupByFamily(entries),
        ...(mutation.timestamp === undefined ? {} : { timestamp: mutation.timestamp }),
      };
    }
    case 'increment': {
      const entries: Array<[Buffer, QualifierValue]> = mutation.amounts.map((amount) => [
        toBuffer(amount.family),
        { qualifier: toBuffer(amount.qualifier), value: longToBytes(amount.amount) },
      ]);
      return {
        row,
        mutate_type: MUTATION_TYPE.INCREMENT,
        column_value: groupByFamily(entries),
        ...(nonce === undefined ? {} : { nonce }),
      };
    }
  }
}

/** A Get as HBase's Get message. */
export function toGetProto(row: Bytes, options: GetOptions = {}): Record<string, unknown> {
  const columns = new Map<string, { family: Buffer; qualifier: Buffer[] }>();
  for (const column of options.columns ?? []) {
    const family = toBuffer(column.family);
    const key = family.toString('latin1');
    let entry = columns.get(key);
    if (entry === undefined) {
      entry = { family, qualifier: [] };
      columns.set(key, entry);
    }
    if (column.qualifier !== undefined) entry.qualifier.push(toBuffer(column.qualifier));
  }
  return {
    row: toBuffer(row),
    column: [...columns.values()],
    ...(options.maxVersions === undefined ? {} : { max_versions: options.maxVersions }),
  };
}

/** A Result message as an HBaseRow; undefined for a row that does not exist. */
export function fromResultProto(result: ResultMessage | null | undefined): HBaseRow | undefined {
  if (result === null || result === undefined || result.cell.length === 0) return undefined;
  const cells = result.cell.map((cell) => ({
    row: cell.row,
    family: cell.family,
    qualifier: cell.qualifier,
    timestamp: toNumber(cell.timestamp as UInt64),
    value: cell.value,
  }));
  return { row: cells[0]!.row, cells };
}

/** The newest value of one column in a row, or undefined. */
export function cellValue(row: HBaseRow | undefined, family: Bytes, qualifier: Bytes): Buffer | undefined {
  if (row === undefined) return undefined;
  const f = toBuffer(family);
  const q = toBuffer(qualifier);
  let newest: HBaseCell | undefined;
  for (const cell of row.cells) {
    if (
      cell.family.equals(f) &&
      cell.qualifier.equals(q) &&
      (newest === undefined || cell.timestamp > newest.timestamp)
    ) {
      newest = cell;
    }
  }
  return newest?.value;
}

/** An approximate wire size, for buffered writers that flush by bytes. */
export function mutationSize(mutation: Mutation): number {
  let size = toBuffer(mutation.row).length + 16;
  const sizeOf = (value: Bytes): number =>
    typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  if (mutation.type === 'put') {
    for (const cell of mutation.cells)
      size += sizeOf(cell.family) + sizeOf(cell.qualifier) + sizeOf(cell.value) + 16;
  } else if (mutation.type === 'increment') {
    for (const amount of mutation.amounts) size += sizeOf(amount.family) + sizeOf(amount.qualifier) + 16;
  } else {
    for (const column of mutation.columns ?? [])
      size += sizeOf(column.family) + sizeOf(column.qualifier ?? '') + 8;
  }
  return size;
}
