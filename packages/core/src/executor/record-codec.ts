import { deserialize, serialize } from 'node:v8';
import { Blobs, type Column, builder, columnData, isPlainObject } from './record-columns.js';

/**
 * Records for another thread. V8's serializer writes every object with all its property names,
 * which made shipping Kafka records cost ~20× shipping their values alone; arrays of same-shaped
 * plain objects (and of same-length tuples) therefore go column by column and are rebuilt on the
 * other side (record-columns.ts): a column of equal values or of empty objects is written once, a
 * column of numbers as raw float64s, and bytes (Buffers, Uint8Arrays — raw input chunks, Kafka
 * values) are copied once into the transferred buffer and read back as Buffer views of it —
 * ship bytes, not objects. Anything else goes through V8's structured clone as it is.
 */
type Encoded =
  | { kind: 'plain'; records: unknown[] }
  | { kind: 'bytes'; column: Column }
  | { kind: 'objects'; keys: string[]; columns: Column[]; length: number }
  | { kind: 'tuples'; width: number; columns: Column[]; length: number };

function encode(records: readonly unknown[], blobs: Blobs): Encoded {
  const first = records[0];
  if (first instanceof Uint8Array) {
    const column = blobs.bytesColumn(records);
    if (column !== undefined) return { kind: 'bytes', column };
  }
  if (records.length < 16) return { kind: 'plain', records: records as unknown[] };
  if (isPlainObject(first)) {
    const keys = Object.keys(first);
    // An own __proto__ key would set the prototype of the rebuilt objects.
    if (keys.includes('__proto__')) return { kind: 'plain', records: records as unknown[] };
    const columns = keys.map(() => new Array<unknown>(records.length));
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      if (!isPlainObject(r)) return { kind: 'plain', records: records as unknown[] };
      let n = 0;
      for (const k in r) {
        if (k !== keys[n]) return { kind: 'plain', records: records as unknown[] };
        columns[n]![i] = r[k];
        n++;
      }
      if (n !== keys.length) return { kind: 'plain', records: records as unknown[] };
    }
    return { kind: 'objects', keys, columns: columns.map((c) => blobs.column(c)), length: records.length };
  }
  if (Array.isArray(first) && first.length > 0 && first.length <= 8) {
    const width = first.length;
    const columns = Array.from({ length: width }, () => new Array<unknown>(records.length));
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      if (!Array.isArray(r) || r.length !== width) return { kind: 'plain', records: records as unknown[] };
      for (let c = 0; c < width; c++) columns[c]![i] = r[c];
    }
    return { kind: 'tuples', width, columns: columns.map((c) => blobs.column(c)), length: records.length };
  }
  return { kind: 'plain', records: records as unknown[] };
}

function decode(encoded: Encoded, data: ArrayBuffer, blobStart: number): unknown[] {
  if (encoded.kind === 'plain') return encoded.records;
  if (encoded.kind === 'bytes') return columnData(encoded.column, data, blobStart) as unknown[];
  const columns = encoded.columns.map((c) => columnData(c, data, blobStart));
  return builder(encoded.kind === 'objects' ? encoded.keys : undefined, encoded.columns)(
    columns,
    encoded.length,
  );
}

/**
 * Encodes records into a buffer that can be transferred (not copied) to another thread: V8's
 * serialization of the header as it is when there are no bytes columns (it begins with V8's version
 * tag, 0xFF); else a 0x01 tag, the header's length (4 bytes), the header, then the bytes.
 */
export function packRecords(records: readonly unknown[]): ArrayBuffer {
  const blobs = new Blobs();
  const header = serialize(encode(records, blobs));
  if (blobs.size === 0) {
    if (header.byteOffset === 0 && header.byteLength === header.buffer.byteLength)
      return header.buffer as ArrayBuffer;
    return header.buffer.slice(header.byteOffset, header.byteOffset + header.byteLength) as ArrayBuffer;
  }
  // Not zero-filled (every byte is written below) and not from the shared pool (it is transferred).
  const out = Buffer.allocUnsafeSlow(5 + header.byteLength + blobs.size);
  out[0] = 1;
  new DataView(out.buffer).setUint32(1, header.byteLength);
  out.set(header, 5);
  let at = 5 + header.byteLength;
  for (const part of blobs.parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out.buffer as ArrayBuffer;
}

export function unpackRecords(data: ArrayBuffer): unknown[] {
  if (new Uint8Array(data, 0, 1)[0] !== 1) return decode(deserialize(Buffer.from(data)) as Encoded, data, 0);
  const headerLength = new DataView(data).getUint32(1);
  const encoded = deserialize(Buffer.from(data, 5, headerLength)) as Encoded;
  return decode(encoded, data, 5 + headerLength);
}
