import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from '../src/index.js';

describe('murmur2', () => {
  // Values Kafka's own Java implementation returns for these strings (Utils.murmur2).
  const vectors: Array<[string, number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  it.each(vectors)('hashes %s like Kafka', (input, expected) => {
    expect(murmur2(Buffer.from(input))).toBe(expected);
  });

  it('maps keys into [0, numPartitions) the same way for strings and bytes', () => {
    for (let i = 0; i < 500; i++) {
      const key = `k${i}`;
      const p = partitionForKey(key, 6);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(6);
      expect(partitionForKey(Buffer.from(key), 6)).toBe(p);
    }
  });
});
