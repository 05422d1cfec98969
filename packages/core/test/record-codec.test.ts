import { describe, expect, it } from 'vitest';
import { packRecords, unpackRecords } from '../src/executor/record-codec.js';
import { type Column, builder, genericBuilder } from '../src/executor/record-columns.js';

const roundTrip = (records: unknown[]) => unpackRecords(packRecords(records));

describe('record codec (records between threads)', () => {
  it('gives back plain values, objects and tuples as they were', () => {
    const objects = Array.from({ length: 40 }, (_, i) => ({ id: i, name: `n${i}`, tags: [i], meta: { i } }));
    const tuples = Array.from({ length: 40 }, (_, i) => [`k${i % 3}`, i] as [string, number]);
    const mixed = [1, 'a', null, { x: 1 }, [2, 3], undefined];
    expect(roundTrip(objects)).toEqual(objects);
    expect(roundTrip(tuples)).toEqual(tuples);
    expect(roundTrip(mixed)).toEqual(mixed);
    expect(roundTrip([])).toEqual([]);
  });

  it('keeps numbers exactly (-0, NaN, fractions) and objects whose shapes differ', () => {
    const numbers = Array.from({ length: 20 }, (_, i) => ({
      n: i === 3 ? -0 : i === 4 ? Number.NaN : i / 3,
    }));
    const back = roundTrip(numbers) as Array<{ n: number }>;
    expect(Object.is(back[3]!.n, -0)).toBe(true);
    expect(back[4]!.n).toBeNaN();
    expect(back).toEqual(numbers);
    const zeros = Array.from({ length: 20 }, (_, i) => [i === 7 ? -0 : 0]);
    expect(Object.is((roundTrip(zeros) as number[][])[7]![0], -0)).toBe(true);
    const shapes = Array.from({ length: 20 }, (_, i) => (i === 9 ? { b: 1, a: 2 } : { a: i, b: i }));
    expect(roundTrip(shapes)).toEqual(shapes);
    expect(Object.keys((roundTrip(shapes) as object[])[9]!)).toEqual(['b', 'a']);
    const proto = Array.from({ length: 20 }, () => JSON.parse('{"__proto__": 1, "a": 2}') as object);
    const protoBack = roundTrip(proto) as object[];
    expect(Object.getPrototypeOf(protoBack[0])).toBe(Object.prototype);
  });

  it('writes equal values and empty objects once, and rebuilds a fresh object per record', () => {
    const records = Array.from({ length: 32 }, (_, i) => ({
      topic: 'clicks',
      partition: 3,
      key: null,
      offset: String(i),
      headers: {},
    }));
    const back = roundTrip(records) as typeof records;
    expect(back).toEqual(records);
    expect(back[0]!.headers).not.toBe(back[1]!.headers);
    // 32 records of five columns, four written once: far smaller than the records one by one
    expect(packRecords(records).byteLength).toBeLessThan(400);
  });

  it('ships bytes as one blob and reads them back as views of the transferred buffer (no copy)', () => {
    const chunks = [Buffer.from('{"a":1}\n{"a":2}'), new Uint8Array([0, 255, 7]), Buffer.alloc(0)];
    const data = packRecords(chunks);
    const back = unpackRecords(data) as Buffer[];
    expect(back.map((b) => [...b])).toEqual(chunks.map((c) => [...c]));
    for (const b of back) {
      expect(Buffer.isBuffer(b)).toBe(true);
      expect(b.buffer).toBe(data);
    }
    // a bytes column with nulls, inside objects with other columns
    const records = Array.from({ length: 20 }, (_, i) => ({
      offset: i,
      value: i % 5 === 0 ? null : Buffer.from(`line ${i}`),
    }));
    const decoded = roundTrip(records) as Array<{ offset: number; value: Buffer | null }>;
    expect(decoded.map((r) => [r.offset, r.value?.toString() ?? null])).toEqual(
      records.map((r) => [r.offset, r.value?.toString() ?? null]),
    );
  });

  it('builds the same records without generated code', () => {
    const columns: Column[] = [
      { c: 'values', values: ['a', 'b', 'c'] },
      { c: 'same', value: 7 },
      { c: 'empty' },
      { c: 'numbers', values: new Float64Array([1, 2, 3]) },
    ];
    const data = ['abc'.split(''), 7, undefined, new Float64Array([1, 2, 3])];
    const keys = ['k', 'n', 'h', 'x'];
    expect(genericBuilder(keys, columns)(data, 3)).toEqual(builder(keys, columns)(data, 3));
    expect(genericBuilder(undefined, columns)(data, 3)).toEqual(builder(undefined, columns)(data, 3));
    expect(builder(keys, columns)(data, 3)[1]).toEqual({ k: 'b', n: 7, h: {}, x: 2 });
  });
});
