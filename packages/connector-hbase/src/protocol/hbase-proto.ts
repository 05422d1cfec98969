import Long from 'long';
import protobuf from 'protobufjs';
import { hbaseProtoSource } from './hbase-proto-source.js';

/** A protobuf uint64 as protobufjs decodes it (a `long` instance) or as we may encode it. */
export interface UInt64Like {
  low: number;
  high: number;
  unsigned: boolean;
  toString(): string;
}
export type UInt64 = number | UInt64Like;

// protobufjs finds `long` by a dynamic require that bundlers and ESM loaders can miss; without it
// uint64 fields decode to lossy numbers (scanner ids use all 64 bits). Hand it over explicitly.
protobuf.util.Long = Long as unknown as typeof protobuf.util.Long;
protobuf.configure();

// keepCase: field names stay HBase's snake_case (protobufjs would camelCase them otherwise).
const root = protobuf.parse(hbaseProtoSource, { keepCase: true }).root;
const types = new Map<string, protobuf.Type>();

function typeOf(name: string): protobuf.Type {
  let type = types.get(name);
  if (type === undefined) {
    type = root.lookupType(`dstream.hbase.${name}`);
    types.set(name, type);
  }
  return type;
}

/** Encodes a plain object as the named message (bytes as Buffer/Uint8Array, enums as numbers). */
export function encodeMessage(name: string, value: object): Uint8Array {
  const type = typeOf(name);
  return type.encode(type.fromObject(value as Record<string, unknown>)).finish();
}

/** Encodes with a varint length prefix, the way HBase frames header and parameter of a call. */
export function encodeDelimited(name: string, value: object): Uint8Array {
  const type = typeOf(name);
  return type.encodeDelimited(type.fromObject(value as Record<string, unknown>)).finish();
}

/** Decodes the named message; bytes fields come back as Buffers, uint64 as UInt64Like. */
export function decodeMessage<T>(name: string, bytes: Uint8Array): T {
  return typeOf(name).decode(bytes) as unknown as T;
}

/** Reads a varint at `offset`: returns [value, bytesUsed]. Lengths here stay far below 2^31. */
export function readVarint(buffer: Uint8Array, offset: number): [number, number] {
  let value = 0;
  let shift = 0;
  let i = offset;
  for (;;) {
    if (i >= buffer.length) throw new RangeError(`varint runs past the end of a ${buffer.length}-byte frame`);
    const byte = buffer[i++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
    if (shift > 35) throw new RangeError('varint longer than 5 bytes in a frame');
  }
  return [value, i - offset];
}

/** Decodes a varint-delimited message at `offset`: returns [message, next offset]. */
export function decodeDelimitedAt<T>(name: string, buffer: Uint8Array, offset: number): [T, number] {
  const [length, used] = readVarint(buffer, offset);
  const start = offset + used;
  if (start + length > buffer.length) {
    throw new RangeError(`${name} of ${length} bytes runs past the end of a ${buffer.length}-byte frame`);
  }
  return [decodeMessage<T>(name, buffer.subarray(start, start + length)), start + length];
}

/** uint64 → number (timestamps, procedure ids: far below 2^53). */
export function toNumber(value: UInt64 | null | undefined): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  return value.high * 2 ** 32 + (value.low >>> 0);
}

/** uint64 → bigint, exact (scanner ids use all 64 bits). */
export function toBigInt(value: UInt64 | null | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'number') return BigInt(value);
  return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
}

/** bigint → a uint64 protobufjs encodes exactly. */
export function fromBigInt(value: bigint): UInt64Like {
  const low = Number(value & 0xffffffffn) | 0;
  const high = Number((value >> 32n) & 0xffffffffn) | 0;
  return { low, high, unsigned: true, toString: () => value.toString() };
}
