/**
 * The columns of records shipped between threads (see record-codec.ts), each written in the
 * cheapest form its values allow.
 */
export type Column =
  | { c: 'values'; values: unknown[] }
  /** Every value is this primitive: written once. */
  | { c: 'same'; value: unknown }
  /** Every value is an empty plain object: a fresh one is made for each record. */
  | { c: 'empty' }
  /** Every value is a number: raw float64s, which V8 copies in one go. */
  | { c: 'numbers'; values: Float64Array }
  /** Byte lengths (-1: null, -2: undefined) of values laid end to end from `start` in the blob area. */
  | { c: 'bytes'; start: number; lengths: Int32Array };

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isEmptyObject(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  for (const _ in value) return false;
  return true;
}

/** Collects the bytes of bytes columns while a message is packed; they follow its header. */
export class Blobs {
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
      for (let i = 1; i < values.length && same; i++) same = Object.is(values[i], first);
      if (same) return { c: 'same', value: first };
      if (t === 'number') {
        let numbers = true;
        for (let i = 1; i < values.length && numbers; i++) numbers = typeof values[i] === 'number';
        // Every number, -0 and NaN included, survives a Float64Array.
        if (numbers) return { c: 'numbers', values: Float64Array.from(values as number[]) };
      }
    }
    if (isEmptyObject(first) && values.every(isEmptyObject)) return { c: 'empty' };
    return this.bytesColumn(values) ?? { c: 'values', values };
  }
}

/** A column's values for the builder: the value itself for `same`, nothing for `empty`. */
export function columnData(column: Column, data: ArrayBuffer, blobStart: number): unknown {
  switch (column.c) {
    case 'values':
    case 'numbers':
      return column.values;
    case 'same':
      return column.value;
    case 'empty':
      return undefined;
    case 'bytes': {
      const out = new Array<unknown>(column.lengths.length);
      let at = blobStart + column.start;
      for (let i = 0; i < out.length; i++) {
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

type Builder = (columns: unknown[], length: number) => unknown[];
const builders = new Map<string, Builder>();

/**
 * A function that rebuilds `length` records from their columns: objects with `keys`, or tuples
 * when `keys` is undefined. Generated once per shape, so that each record is one object (or array)
 * literal — V8 gives every record the same hidden class — about 3× faster than setting properties
 * one by one. Keys go in as JSON string literals; `__proto__` never gets here (see encode).
 */
export function builder(keys: readonly string[] | undefined, columns: readonly Column[]): Builder {
  const signature = `${keys === undefined ? `tuple${columns.length}` : JSON.stringify(keys)}:${columns.map((c) => c.c).join(',')}`;
  let build = builders.get(signature);
  if (build !== undefined) return build;
  const cell = (column: Column, i: number): string =>
    column.c === 'same' ? `c${i}` : column.c === 'empty' ? '{}' : `c${i}[i]`;
  const cells = columns.map(cell);
  const literal =
    keys === undefined
      ? `[${cells.join(', ')}]`
      : `{${keys.map((k, i) => `${JSON.stringify(k)}: ${cells[i]}`).join(', ')}}`;
  const body = `${columns.map((_, i) => `const c${i} = columns[${i}];`).join(' ')}
const out = new Array(length);
for (let i = 0; i < length; i++) out[i] = ${literal};
return out;`;
  try {
    build = new Function('columns', 'length', body) as Builder;
  } catch {
    // Code generation disallowed (--disallow-code-generation-from-strings): build property by property.
    build = genericBuilder(keys, columns);
  }
  builders.set(signature, build);
  return build;
}

/** The same records without generated code (for processes that disallow it). */
export function genericBuilder(keys: readonly string[] | undefined, columns: readonly Column[]): Builder {
  const kinds = columns.map((c) => c.c);
  const cell = (data: unknown, c: number, i: number): unknown =>
    kinds[c] === 'same' ? data : kinds[c] === 'empty' ? {} : (data as ArrayLike<unknown>)[i];
  return (data, length) => {
    const out = new Array<unknown>(length);
    for (let i = 0; i < length; i++) {
      if (keys === undefined) {
        out[i] = data.map((d, c) => cell(d, c, i));
      } else {
        const o: Record<string, unknown> = {};
        for (let c = 0; c < keys.length; c++) o[keys[c]!] = cell(data[c], c, i);
        out[i] = o;
      }
    }
    return out;
  };
}
