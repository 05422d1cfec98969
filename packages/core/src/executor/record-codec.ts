import { deserialize, serialize } from 'node:v8';

/**
 * Records for another thread. V8's serializer writes every object with all its property names,
 * which made shipping Kafka records cost ~20× shipping their values alone; arrays of same-shaped
 * plain objects (and of same-length tuples) therefore go column by column and are rebuilt on the
 * other side. Columns whose values are all equal, all empty objects, or all bytes are written once,
 * as a marker, or as one blob: bytes (Buffers, Uint8Arrays — raw input chunks, Kafka values) are
 * copied once into the transferred buffer and read back as Buffer views of it, without a copy —
 * ship bytes, not objects. Anything else goes through V8's structured clone as it is.
 */
type Column =
  | { c: 'values'; values: unknown[] }
  | { c: 'same'; value: unknown }
  | { c: 'empty' }
  /** Byte lengths (-1: null, -2: undefined) of values laid end to end from `start` in the blob area. */
  | { c: 'bytes'; start: number; lengths: Int32Array };

type Encoded =
  | { kind: 'plain'; records: unknown[] }
  | { kind: 'bytes'; column: Column }
  | { kind: 'objects'; keys: string[]; columns: Column[]; length: number }
  | { kind: 'tuples'; width: number; columns: Column[]; length: number };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isEmptyObject(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  for (const _ in value) return false;
  return true;
}

/** Bytes laid end to end in the buffer after the header, while a message is packed. */
class Blobs {
  readonly parts: Uint8Array[] = [];
  size = 0;

  /** A bytes column when every value is bytes (or null/undefined, with at least one bytes value). */
  bytesColumn(values: readonly unknown[]): Column | undefined {
    let any = false;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v instanceof Uint8Array) any = true;
      else if (v !== null && v !== undefined) return undefined;
    }
    if (!any) return undefined;
    const start = this.size;
    const lengths = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v instanceof Uint8Array) {
        lengths[i] = v.byteLength;
        this.parts.push(v);
        this.size += v.byteLength;
      } else {
        lengths[i] = v === null ? -1 : -2;
      }
    }
    return { c: 'bytes', start, lengths };
  }

  column(values: unknown[]): Column {
    const first = values[0];
    const t = typeof first;
    if (first === null || (t !== 'object' && t !== 'function' && t !== 'symbol')) {
      let same = true;
      for (let i = 1; i < values.length && same; i++) same = values[i] === first;
      if (same) return { c: 'same', value: first };
    }
    if (isEmptyObject(first) && values.every(isEmptyObject)) return { c: 'empty' };
    return this.bytesColumn(values) ?? { c: 'values', values };
  }
}

function encode(records: readonly unknown[], blobs: Blobs): Encoded {
  const first = records[0];
  if (first instanceof Uint8Array) {
    const column = blobs.bytesColumn(records);
    if (column !== undefined) return { kind: 'bytes', column };
  }
  if (records.length < 16) return { kind: 'plain', records: records as unknown[] };
  if (isPlainObject(first)) {
    const keys = Object.keys(first);
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

/** A column's values, given the packed buffer and where its blob area begins. */
function columnValues(column: Column, length: number, data: ArrayBuffer, blobStart: number): unknown[] {
  switch (column.c) {
    case 'values':
      return column.values;
    case 'same':
      return new Array<unknown>(length).fill(column.value);
    case 'empty':
      return Array.from({ length }, () => ({}));
    case 'bytes': {
      const out = new Array<unknown>(length);
      let at = blobStart + column.start;
      for (let i = 0; i < length; i++) {
        const n = column.lengths[i]!;
        if (n >= 0) {
          out[i] = Buffer.from(data, at, n);
          at += n;
        } else {
          out[i] = n === -1 ? null : undefined;
        }
      }
      return out;
    }
  }
}

function decode(encoded: Encoded, data: ArrayBuffer, blobStart: number): unknown[] {
  if (encoded.kind === 'plain') return encoded.records;
  if (encoded.kind === 'bytes') {
    const { column } = encoded;
    return columnValues(column, column.c === 'bytes' ? column.lengths.length : 0, data, blobStart);
  }
  const columns = encoded.columns.map((c) => columnValues(c, encoded.length, data, blobStart));
  const out = new Array<unknown>(encoded.length);
  if (encoded.kind === 'objects') {
    const { keys } = encoded;
    for (let i = 0; i < encoded.length; i++) {
      const o: Record<string, unknown> = {};
      for (let c = 0; c < keys.length; c++) o[keys[c]!] = columns[c]![i];
      out[i] = o;
    }
    return out;
  }
  const { width } = encoded;
  for (let i = 0; i < encoded.length; i++) {
    const t = new Array<unknown>(width);
    for (let c = 0; c < width; c++) t[c] = columns[c]![i];
    out[i] = t;
  }
  return out;
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
