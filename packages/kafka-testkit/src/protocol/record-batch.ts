import { gunzipSync, gzipSync } from 'node:zlib';
import { crc32c } from './crc32c.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

/** Byte offsets of the record batch v2 header fields. */
const BASE_OFFSET = 0;
const BATCH_LENGTH = 8;
const PARTITION_LEADER_EPOCH = 12;
const MAGIC = 16;
const CRC = 17;
const ATTRIBUTES = 21;
const LAST_OFFSET_DELTA = 23;
const BASE_TIMESTAMP = 27;
const MAX_TIMESTAMP = 35;
const PRODUCER_ID = 43;
const PRODUCER_EPOCH = 51;
const BASE_SEQUENCE = 53;
const RECORD_COUNT = 57;
export const BATCH_HEADER_SIZE = 61;

const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;

/** The header of one record batch, parsed without touching the (possibly compressed) records. */
export interface BatchHeader {
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  compression: number;
  isTransactional: boolean;
  isControl: boolean;
}

export class BatchFormatError extends Error {}

/** Splits a produce request's records field into its batches, each a copy the log can own. */
export function splitBatches(records: Buffer): Buffer[] {
  const batches: Buffer[] = [];
  let offset = 0;
  while (offset < records.length) {
    if (records.length - offset < BATCH_HEADER_SIZE) throw new BatchFormatError('truncated record batch');
    const size = records.readInt32BE(offset + BATCH_LENGTH) + 12;
    if (size < BATCH_HEADER_SIZE || offset + size > records.length) {
      throw new BatchFormatError(`record batch length ${size} does not fit`);
    }
    batches.push(Buffer.from(records.subarray(offset, offset + size)));
    offset += size;
  }
  return batches;
}

export function readBatchHeader(batch: Buffer): BatchHeader {
  const attributes = batch.readInt16BE(ATTRIBUTES);
  return {
    magic: batch.readInt8(MAGIC),
    crc: batch.readUInt32BE(CRC),
    attributes,
    lastOffsetDelta: batch.readInt32BE(LAST_OFFSET_DELTA),
    baseTimestamp: Number(batch.readBigInt64BE(BASE_TIMESTAMP)),
    maxTimestamp: Number(batch.readBigInt64BE(MAX_TIMESTAMP)),
    producerId: Number(batch.readBigInt64BE(PRODUCER_ID)),
    producerEpoch: batch.readInt16BE(PRODUCER_EPOCH),
    baseSequence: batch.readInt32BE(BASE_SEQUENCE),
    recordCount: batch.readInt32BE(RECORD_COUNT),
    compression: attributes & 0x07,
    isTransactional: (attributes & TRANSACTIONAL) !== 0,
    isControl: (attributes & CONTROL) !== 0,
  };
}

export function batchCrcMatches(batch: Buffer): boolean {
  return crc32c(batch.subarray(ATTRIBUTES)) === batch.readUInt32BE(CRC);
}

/** Sets the broker-assigned fields; both lie outside the CRC, as in Kafka, so the checksum stays valid. */
export function assignBaseOffset(batch: Buffer, baseOffset: number, leaderEpoch: number): void {
  batch.writeBigInt64BE(BigInt(baseOffset), BASE_OFFSET);
  batch.writeInt32BE(leaderEpoch, PARTITION_LEADER_EPOCH);
}

/** One record as a test sees it. */
export interface RecordData {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<{ key: string; value: Buffer | null }>;
}

/** Record fields a test (or the coordinator's control markers) writes. */
export interface RecordInput {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  timestamp?: number;
  headers?: Record<string, Buffer | string>;
}

const toBuffer = (value: Buffer | string | null | undefined): Buffer | null =>
  value === null || value === undefined ? null : Buffer.isBuffer(value) ? value : Buffer.from(value);

export interface BatchOptions {
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  gzip?: boolean;
}

/** Encodes a record batch v2 with base offset 0 (the log assigns the real one). */
export function encodeBatch(records: readonly RecordInput[], options: BatchOptions = {}): Buffer {
  const now = Date.now();
  const baseTimestamp = records[0]?.timestamp ?? now;
  let maxTimestamp = baseTimestamp;
  const body = new Writer();
  records.forEach((record, index) => {
    const timestamp = record.timestamp ?? now;
    maxTimestamp = Math.max(maxTimestamp, timestamp);
    const encoded = new Writer()
      .int8(0)
      .varint(timestamp - baseTimestamp)
      .varint(index);
    const key = toBuffer(record.key);
    const value = toBuffer(record.value);
    if (key === null) encoded.varint(-1);
    else encoded.varint(key.length).raw(key);
    if (value === null) encoded.varint(-1);
    else encoded.varint(value.length).raw(value);
    const headers = Object.entries(record.headers ?? {});
    encoded.varint(headers.length);
    for (const [name, headerValue] of headers) {
      const nameBytes = Buffer.from(name);
      const valueBytes = toBuffer(headerValue) ?? Buffer.alloc(0);
      encoded.varint(nameBytes.length).raw(nameBytes).varint(valueBytes.length).raw(valueBytes);
    }
    const recordBytes = encoded.toBuffer();
    body.varint(recordBytes.length).raw(recordBytes);
  });
  let recordBytes = body.toBuffer();
  let attributes = 0;
  if (options.gzip) {
    recordBytes = gzipSync(recordBytes);
    attributes |= 1;
  }
  if (options.transactional) attributes |= TRANSACTIONAL;
  if (options.control) attributes |= CONTROL;
  const afterCrc = new Writer()
    .int16(attributes)
    .int32(Math.max(records.length - 1, 0))
    .int64(baseTimestamp)
    .int64(maxTimestamp)
    .int64(options.producerId ?? -1)
    .int16(options.producerEpoch ?? -1)
    .int32(options.baseSequence ?? -1)
    .int32(records.length)
    .raw(recordBytes)
    .toBuffer();
  return new Writer()
    .int64(0)
    .int32(afterCrc.length + 9)
    .int32(-1)
    .int8(2)
    .uint32(crc32c(afterCrc))
    .raw(afterCrc)
    .toBuffer();
}

/** Decodes the records of a stored batch. Only uncompressed and gzip batches can be opened here. */
export function decodeBatch(batch: Buffer): RecordData[] {
  const header = readBatchHeader(batch);
  const baseOffset = Number(batch.readBigInt64BE(BASE_OFFSET));
  let body = batch.subarray(BATCH_HEADER_SIZE);
  if (header.compression === 1) body = gunzipSync(body);
  else if (header.compression !== 0) {
    throw new BatchFormatError(
      `the testkit cannot decompress codec ${header.compression} (only none and gzip)`,
    );
  }
  const reader = new Reader(body);
  const records: RecordData[] = [];
  for (let i = 0; i < header.recordCount; i++) {
    const length = reader.varint();
    const record = new Reader(reader.take(length));
    record.int8();
    const timestampDelta = record.varint();
    const offsetDelta = record.varint();
    const keyLength = record.varint();
    const key = keyLength < 0 ? null : Buffer.from(record.take(keyLength));
    const valueLength = record.varint();
    const value = valueLength < 0 ? null : Buffer.from(record.take(valueLength));
    const headerCount = record.varint();
    const headers: RecordData['headers'] = [];
    for (let h = 0; h < headerCount; h++) {
      const name = record.take(record.varint()).toString('utf8');
      const headerLength = record.varint();
      headers.push({ key: name, value: headerLength < 0 ? null : Buffer.from(record.take(headerLength)) });
    }
    records.push({
      offset: baseOffset + offsetDelta,
      timestamp: header.baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    });
  }
  return records;
}

/** The single record of a transaction marker: key = (version, type), value = (version, coordinator epoch). */
export function encodeControlBatch(commit: boolean, producerId: number, producerEpoch: number): Buffer {
  const key = new Writer()
    .int16(0)
    .int16(commit ? 1 : 0)
    .toBuffer();
  const value = new Writer().int16(0).int32(0).toBuffer();
  return encodeBatch([{ key, value }], { producerId, producerEpoch, transactional: true, control: true });
}
