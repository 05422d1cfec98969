import { describe, expect, it } from 'vitest';
import { roundRobinAssignment } from '../src/group-assignor.js';

describe('roundRobinAssignment', () => {
  it('gives every partition exactly one owner, balanced per topic', () => {
    const members = [
      { memberId: 'b', topics: ['t', 'u'] },
      { memberId: 'a', topics: ['t', 'u'] },
    ];
    const result = roundRobinAssignment(
      members,
      new Map([
        ['t', [0, 1, 2, 3, 4, 5]],
        ['u', [1, 0]],
      ]),
    );
    expect(result.get('a')).toEqual([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 2 },
      { topic: 't', partition: 4 },
      { topic: 'u', partition: 0 },
    ]);
    expect(result.get('b')).toEqual([
      { topic: 't', partition: 1 },
      { topic: 't', partition: 3 },
      { topic: 't', partition: 5 },
      { topic: 'u', partition: 1 },
    ]);
  });

  it('assigns a topic only to the members subscribed to it', () => {
    const result = roundRobinAssignment(
      [
        { memberId: 'a', topics: ['t'] },
        { memberId: 'b', topics: ['u'] },
      ],
      new Map([
        ['t', [0, 1]],
        ['u', [0]],
        ['v', [0]],
      ]),
    );
    expect(result.get('a')).toEqual([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ]);
    expect(result.get('b')).toEqual([{ topic: 'u', partition: 0 }]);
  });
});
