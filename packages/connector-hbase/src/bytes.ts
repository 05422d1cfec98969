import { ConfigError } from '@dstream/core';

/** Row keys, families, qualifiers and values: bytes, or strings taken as UTF-8. */
export type Bytes = Buffer | Uint8Array | string;

export const EMPTY = Buffer.alloc(0);

export function toBuffer(value: Bytes): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (Buffer.isBuffer(value)) return value;
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** Unsigned lexicographic order: HBase's row order. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** 8-byte big-endian two's complement: how HBase stores counters (Bytes.toBytes(long)). */
export function longToBytes(value: bigint | number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(BigInt(value));
  return buffer;
}

export function bytesToLong(value: Uint8Array): bigint {
  if (value.length !== 8) throw new RangeError(`a counter cell holds 8 bytes, found ${value.length}`);
  return Buffer.from(value.buffer, value.byteOffset, 8).readBigInt64BE(0);
}

/** HBase table names: `[namespace:]qualifier`, namespace `[A-Za-z0-9_]+`, qualifier `[A-Za-z0-9_.-]+`. */
export interface TableName {
  readonly namespace: string;
  readonly qualifier: string;
  /** As HBase writes it in hbase:meta rows: the `default` namespace is left out. */
  readonly metaPrefix: string;
}

const namespacePattern = /^[A-Za-z0-9_]+$/;
const qualifierPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function parseTableName(name: string): TableName {
  const colon = name.indexOf(':');
  const namespace = colon < 0 ? 'default' : name.slice(0, colon);
  const qualifier = colon < 0 ? name : name.slice(colon + 1);
  if (!namespacePattern.test(namespace) || !qualifierPattern.test(qualifier) || name.length > 255) {
    throw new ConfigError(
      `HBase table name ${JSON.stringify(name)} is not valid: use [namespace:]name with letters, digits, '_', '-', '.'`,
    );
  }
  return {
    namespace,
    qualifier,
    metaPrefix: namespace === 'default' ? qualifier : `${namespace}:${qualifier}`,
  };
}
