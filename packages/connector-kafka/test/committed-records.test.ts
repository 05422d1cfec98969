import { describe, expect, it } from 'vitest';
import { committedMessages } from '../src/committed-records.js';
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
