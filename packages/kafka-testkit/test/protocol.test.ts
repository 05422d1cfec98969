import { describe, expect, it } from 'vitest';
import { crc32c } from '../src/protocol/crc32c.js';
import { Reader } from '../src/protocol/reader.js';
import {
  batchCrcMatches,
  decodeBatch,
  encodeBatch,
  encodeControlBatch,
  readBatchHeader,
  splitBatches,
} from '../src/protocol/record-batch.js';
import { Writer } from '../src/protocol/writer.js';

describe('CRC-32C', () => {
  it('matches the Castagnoli check value and known vectors', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
  });
});

describe('Reader and Writer', () => {
  it('round-trip fixed-width integers, strings, bytes and arrays', () => {
    const buffer = new Writer()
      .int8(-3)
      .int16(-300)
      .int32(-70000)
      .int64(2 ** 40 + 5)
      .uint32(0xfffffffe)
      .string('héllo')
      .string(null)
      .bytes(Buffer.from([1, 2, 3]))
      .bytes(null)
      .array([1, 2, 3], (w, n) => w.int32(n))
      .array(null, (w, n: number) => w.int32(n))
      .toBuffer();
    const r = new Reader(buffer);
    expect([r.int8(), r.int16(), r.int32(), r.int64(), r.uint32()]).toEqual([
      -3,
      -300,
      -70000,
      2 ** 40 + 5,
      0xfffffffe,
    ]);
    expect([r.string(), r.nullableString()]).toEqual(['héllo', null]);
    expect([...r.bytes()]).toEqual([1, 2, 3]);
    expect(r.nullableBytes()).toBeNull();
    expect(r.array((x) => x.int32())).toEqual([1, 2, 3]);
    expect(r.nullableArray((x) => x.int32())).toBeNull();
    expect(r.remaining).toBe(0);
  });

  it('encodes varints with zig-zag and compact (flexible) types with length + 1', () => {
    const values = [0, -1, 1, 63, -64, 64, 300, -300, 2 ** 31 - 1, -(2 ** 31)];
    const w = new Writer();
    for (const v of values) w.varint(v);
    const r = new Reader(w.toBuffer());
    expect(values.map(() => r.varint())).toEqual(values);
    expect([...new Writer().varint(-1).toBuffer()]).toEqual([1]);
    expect([...new Writer().uvarint(300).toBuffer()]).toEqual([0xac, 0x02]);

    const compact = new Writer()
      .compactString('ab')
      .compactString(null)
      .compactArray([7], (x, n) => x.int8(n))
      .taggedFields()
      .toBuffer();
    expect([...compact]).toEqual([3, 0x61, 0x62, 0, 2, 7, 0]);
    const cr = new Reader(compact);
    expect([cr.compactString(), cr.compactNullableString()]).toEqual(['ab', null]);
    expect(cr.compactArray((x) => x.int8())).toEqual([7]);
    cr.taggedFields();
    expect(cr.remaining).toBe(0);
  });

  it('skips unknown tagged fields', () => {
    const buffer = new Writer()
      .uvarint(2)
      .uvarint(0)
      .uvarint(2)
      .int16(9)
      .uvarint(5)
      .uvarint(1)
      .int8(1)
      .int32(42)
      .toBuffer();
    const r = new Reader(buffer);
    r.taggedFields();
    expect(r.int32()).toBe(42);
  });

  it('refuses to read past the end', () => {
    expect(() => new Reader(Buffer.from([0, 5, 97])).string()).toThrow(RangeError);
  });
});

describe('record batch v2', () => {
  it('encodes a batch whose CRC checks and whose records decode back', () => {
    const batch = encodeBatch(
      [
        { key: 'k1', value: 'v1', timestamp: 1000, headers: { h: 'x' } },
        { key: null, value: null, timestamp: 1005 },
      ],
      { producerId: 7, producerEpoch: 1, baseSequence: 4, transactional: true },
    );
    expect(batchCrcMatches(batch)).toBe(true);
    const header = readBatchHeader(batch);
    expect(header).toMatchObject({
      magic: 2,
      recordCount: 2,
      lastOffsetDelta: 1,
      baseTimestamp: 1000,
      maxTimestamp: 1005,
      producerId: 7,
      producerEpoch: 1,
      baseSequence: 4,
      isTransactional: true,
      isControl: false,
    });
    const records = decodeBatch(batch);
    expect(
      records.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString() ?? null]),
    ).toEqual([
      [0, 1000, 'k1', 'v1'],
      [1, 1005, null, null],
    ]);
    expect(records[0]!.headers).toEqual([{ key: 'h', value: Buffer.from('x') }]);
  });

  it('detects a flipped bit and splits concatenated batches', () => {
    const a = encodeBatch([{ value: 'a' }]);
    const b = encodeBatch([{ value: 'b' }], { gzip: true });
    const parts = splitBatches(Buffer.concat([a, b]));
    expect(parts).toHaveLength(2);
    expect(decodeBatch(parts[1]!)[0]!.value?.toString()).toBe('b');
    const corrupt = Buffer.from(a);
    corrupt[corrupt.length - 2]! ^= 1;
    expect(batchCrcMatches(corrupt)).toBe(false);
    expect(() => splitBatches(a.subarray(0, a.length - 1))).toThrow(/does not fit/);
  });

  it('encodes transaction markers as control batches', () => {
    const marker = encodeControlBatch(true, 9, 2);
    const header = readBatchHeader(marker);
    expect(header).toMatchObject({ isControl: true, isTransactional: true, producerId: 9, producerEpoch: 2 });
    const [record] = decodeBatch(marker);
    expect([...record!.key!]).toEqual([0, 0, 0, 1]);
  });
});
