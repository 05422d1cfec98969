import { deserialize, serialize } from 'node:v8';

/**
 * Records for another thread. V8's serializer writes every object with all its property names,
 * which made shipping Kafka records cost ~20× shipping their values alone; arrays of same-shaped
 * plain objects (and of same-length tuples) therefore go column by column and are rebuilt on the
 * other side. Anything else goes through V8's structured clone as it is.
 */
type Encoded =
  | { kind: 'plain'; records: unknown[] }
  | { kind: 'objects'; keys: string[]; columns: unknown[][]; length: number }
  | { kind: 'tuples'; width: number; columns: unknown[][]; length: number };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function encode(records: readonly unknown[]): Encoded {
  const first = records[0];
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
    return { kind: 'objects', keys, columns, length: records.length };
  }
  if (Array.isArray(first) && first.length > 0 && first.length <= 8) {
    const width = first.length;
    const columns = Array.from({ length: width }, () => new Array<unknown>(records.length));
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      if (!Array.isArray(r) || r.length !== width) return { kind: 'plain', records: records as unknown[] };
      for (let c = 0; c < width; c++) columns[c]![i] = r[c];
    }
    return { kind: 'tuples', width, columns, length: records.length };
  }
  return { kind: 'plain', records: records as unknown[] };
}

function decode(encoded: Encoded): unknown[] {
  if (encoded.kind === 'plain') return encoded.records;
  const out = new Array<unknown>(encoded.length);
  if (encoded.kind === 'objects') {
    const { keys, columns } = encoded;
    for (let i = 0; i < encoded.length; i++) {
      const o: Record<string, unknown> = {};
      for (let c = 0; c < keys.length; c++) o[keys[c]!] = columns[c]![i];
      out[i] = o;
    }
    return out;
  }
  const { width, columns } = encoded;
  for (let i = 0; i < encoded.length; i++) {
    const t = new Array<unknown>(width);
    for (let c = 0; c < width; c++) t[c] = columns[c]![i];
    out[i] = t;
  }
  return out;
}

/** Encodes records into a buffer that can be transferred (not copied) to another thread. */
export function packRecords(records: readonly unknown[]): ArrayBuffer {
  const buf = serialize(encode(records));
  if (buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength) return buf.buffer as ArrayBuffer;
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

export function unpackRecords(data: ArrayBuffer): unknown[] {
  return decode(deserialize(Buffer.from(data)) as Encoded);
}
