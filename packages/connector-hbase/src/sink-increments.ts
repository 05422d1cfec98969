import { ConfigError } from '@dstream/core';
import { type Bytes, longToBytes, toBuffer } from './bytes.js';
import type { IncrementAmount } from './mutations.js';

export interface RowIncrements {
  readonly row: Buffer;
  readonly amounts: IncrementAmount[];
}

interface CounterInput {
  readonly family: Bytes;
  readonly qualifier: Bytes;
  readonly amount: bigint | number;
}

/**
 * Sums a partition's counters per (row, family, qualifier), in first-seen order: one increment per
 * row, so that a row's counters and its marker can be applied in one atomic step.
 */
export function aggregateIncrements<T>(
  records: readonly T[],
  rowOf: (record: T) => Bytes,
  cellsOf: (record: T) => readonly CounterInput[],
): RowIncrements[] {
  const rows = new Map<
    string,
    { row: Buffer; cells: Map<string, { family: Buffer; qualifier: Buffer; amount: bigint }> }
  >();
  for (const record of records) {
    const row = toBuffer(rowOf(record));
    const rowKey = row.toString('latin1');
    let entry = rows.get(rowKey);
    if (entry === undefined) rows.set(rowKey, (entry = { row, cells: new Map() }));
    for (const cell of cellsOf(record)) {
      if (typeof cell.amount === 'number' && !Number.isSafeInteger(cell.amount)) {
        throw new ConfigError(`hbaseSink: counter amounts must be whole numbers, got ${cell.amount}`);
      }
      const family = toBuffer(cell.family);
      const qualifier = toBuffer(cell.qualifier);
      const key = `${family.toString('latin1')}\u0000${qualifier.toString('latin1')}`;
      const existing = entry.cells.get(key);
      if (existing === undefined) entry.cells.set(key, { family, qualifier, amount: BigInt(cell.amount) });
      else existing.amount += BigInt(cell.amount);
    }
  }
  const out: RowIncrements[] = [];
  for (const entry of rows.values()) {
    if (entry.cells.size > 0) out.push({ row: entry.row, amounts: [...entry.cells.values()] });
  }
  return out;
}

/** One marker column per output and partition: partitions of one batch may touch the same row. */
export function markerQualifier(outputId: string, partition: number): Buffer {
  return Buffer.from(`_dstream_batch:${outputId}:${partition}`);
}

/**
 * The batch time as 8 unsigned big-endian bytes: byte order equals time order, which is what
 * HBase's BinaryComparator compares.
 */
export function markerValue(batchTime: number): Buffer {
  if (!Number.isSafeInteger(batchTime) || batchTime < 0) {
    throw new ConfigError(`hbaseSink: batch time must be a non-negative integer, got ${batchTime}`);
  }
  return longToBytes(batchTime);
}
