import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../src/consumer-protocol.js';

const { AssignerProtocol } = kafkajs;

describe('consumer protocol v0', () => {
  it('writes the subscription bytes kafkajs writes, and reads kafkajs ones back', () => {
    const topics = ['clicks', 'é-topic'];
    const ours = encodeSubscription(topics);
    const theirs = AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) });
    expect(ours.equals(theirs)).toBe(true);
    expect(decodeSubscription(theirs)).toEqual(topics);
  });

  it('writes the assignment bytes kafkajs writes, and reads them back sorted', () => {
    const partitions = [
      { topic: 'b', partition: 2 },
      { topic: 'a', partition: 1 },
      { topic: 'b', partition: 0 },
    ];
    const ours = encodeAssignment(partitions);
    const theirs = AssignerProtocol.MemberAssignment.encode({
      version: 0,
      assignment: { b: [2, 0], a: [1] },
      userData: Buffer.alloc(0),
    });
    expect(ours.equals(theirs)).toBe(true);
    expect(decodeAssignment(theirs)).toEqual([
      { topic: 'a', partition: 1 },
      { topic: 'b', partition: 0 },
      { topic: 'b', partition: 2 },
    ]);
  });

  it('reads empty bytes (a member given nothing) as no partitions and no topics', () => {
    expect(decodeAssignment(Buffer.alloc(0))).toEqual([]);
    expect(decodeSubscription(Buffer.alloc(0))).toEqual([]);
  });
});
