import { describe, expect, it } from 'vitest';
import { committedBatches, committedMessages } from '../src/committed-records.js';
import type { FetchedMessage } from '../src/kafkajs-internals.js';

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);

function record(offset: number, producerId: string, inTransaction = true): FetchedMessage {
  return {
    offset: String(offset),
    timestamp: '0',
    key: null,
    value: Buffer.from(`${producerId}@${offset}`),
    batchContext: { producerId, inTransaction },
  };
}
function marker(offset: number, producerId: string, key: Buffer): FetchedMessage {
  return { ...record(offset, producerId), key, value: null, isControlRecord: true };
}
const values = (ms: FetchedMessage[]) => ms.map((m) => m.value?.toString());

describe('committedMessages', () => {
  it('drops every aborted transaction whatever order the broker lists them in', () => {
    const messages = [
      record(0, 'A'),
      record(1, 'B'),
      record(2, 'A'),
      marker(3, 'B', ABORT),
      record(4, 'A'),
      marker(5, 'A', ABORT),
      record(6, 'C'),
      marker(7, 'C', COMMIT),
      record(8, 'D', false),
    ];
    const aborted = [
      { producerId: 'B', firstOffset: '1' },
      { producerId: 'A', firstOffset: '0' },
    ];
    expect(values(committedMessages(messages, aborted))).toEqual(['C@6', 'D@8']);
  });

  it('activates several transactions reached by one record (a fetch starting inside them)', () => {
    const messages = [record(10, 'A'), record(11, 'B'), marker(12, 'A', ABORT), marker(13, 'B', ABORT)];
    const aborted = [
      { producerId: 'A', firstOffset: '3' },
      { producerId: 'B', firstOffset: '5' },
    ];
    expect(committedMessages(messages, aborted)).toEqual([]);
  });

  it('keeps a producer’s later committed transaction after its aborted one', () => {
    const messages = [record(0, 'A'), marker(1, 'A', ABORT), record(2, 'A'), marker(3, 'A', COMMIT)];
    expect(values(committedMessages(messages, [{ producerId: 'A', firstOffset: '0' }]))).toEqual(['A@2']);
  });

  it('passes everything but control records when nothing was aborted', () => {
    const messages = [record(0, 'A'), marker(1, 'A', COMMIT), record(2, 'X', false)];
    expect(values(committedMessages(messages, undefined))).toEqual(['A@0', 'X@2']);
  });
});

describe('committedBatches (record batches, as @platformatic/kafka decodes them)', () => {
  const TXN = 0x10;
  const CONTROL = 0x20;
  const batch = (
    offset: number,
    producerId: bigint,
    attributes = TXN,
    key: Buffer | null = null,
    count = 1,
  ) => ({
    firstOffset: BigInt(offset),
    lastOffsetDelta: count - 1,
    attributes,
    producerId,
    records: Array.from({ length: count }, () => ({ key })),
    name: `${producerId}@${offset}`,
  });
  const names = (bs: Array<{ name: string }>) => bs.map((b) => b.name);

  it('drops every aborted transaction whatever order the broker lists them in', () => {
    const batches = [
      batch(0, 1n),
      batch(1, 2n),
      batch(2, 1n),
      batch(3, 2n, TXN | CONTROL, ABORT),
      batch(4, 1n),
      batch(5, 1n, TXN | CONTROL, ABORT),
      batch(6, 3n),
      batch(7, 3n, TXN | CONTROL, COMMIT),
      batch(8, 4n, 0),
    ];
    const aborted = [
      { producerId: 2n, firstOffset: 1n },
      { producerId: 1n, firstOffset: 0n },
    ];
    expect(names(committedBatches(batches, aborted))).toEqual(['3@6', '4@8']);
  });

  it('activates a transaction that starts inside a batch (first offset below the batch end)', () => {
    const batches = [batch(10, 1n, TXN, null, 5), batch(15, 1n, TXN | CONTROL, ABORT)];
    expect(committedBatches(batches, [{ producerId: 1n, firstOffset: 12n }])).toEqual([]);
  });

  it('keeps a producer’s later committed transaction after its aborted one', () => {
    const batches = [
      batch(0, 1n),
      batch(1, 1n, TXN | CONTROL, ABORT),
      batch(2, 1n),
      batch(3, 1n, TXN | CONTROL, COMMIT),
    ];
    expect(names(committedBatches(batches, [{ producerId: 1n, firstOffset: 0n }]))).toEqual(['1@2']);
  });

  it('passes everything but control batches when nothing was aborted', () => {
    const batches = [batch(0, 1n), batch(1, 1n, TXN | CONTROL, COMMIT), batch(2, 9n, 0)];
    expect(names(committedBatches(batches, null))).toEqual(['1@0', '9@2']);
  });
});
