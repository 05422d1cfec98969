import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../src/index.js';
import { chunkRecords, partitionRecords } from '../src/record-router.js';

describe('partitionRecords', () => {
  const route = (
    records: Array<{ t: string; k: string | null }>,
    partitionOf?: (r: { k: string | null }, n: number) => number,
  ) =>
    partitionRecords(records, {
      topicOf: (r) => r.t,
      numPartitions: async (t) => (t === 'a' ? 3 : 5),
      toRecord: (r) => ({ key: r.k, value: r.k }),
      ...(partitionOf === undefined ? {} : { partitionOf }),
    });

  it('groups keyed records by topic and default-partitioner partition, keeping order', async () => {
    const records = Array.from({ length: 60 }, (_, i) => ({ t: i % 2 ? 'a' : 'b', k: `k${i % 9}` }));
    const groups = await route(records);
    for (const g of groups) {
      for (const r of g.records)
        expect(partitionForKey(r.key as string, g.topic === 'a' ? 3 : 5)).toBe(g.partition);
    }
    expect(groups.reduce((n, g) => n + g.records.length, 0)).toBe(60);
  });

  it('keeps unkeyed records of one call in one partition per topic', async () => {
    const groups = await route(Array.from({ length: 10 }, () => ({ t: 'a', k: null })));
    expect(groups).toHaveLength(1);
    expect(groups[0]!.records).toHaveLength(10);
  });

  it('rejects a partitionOf result outside the topic', async () => {
    await expect(route([{ t: 'a', k: 'x' }], () => 3)).rejects.toThrow(
      /partitionOf returned 3 for topic 'a' with 3 partitions/,
    );
  });
});

describe('chunkRecords', () => {
  const record = (bytes: number) => ({ key: null, value: 'x'.repeat(bytes) });

  it('splits by record count and by size, keeping order', () => {
    const records = Array.from({ length: 10 }, () => record(100));
    expect(chunkRecords(records, 4, 1_000_000).map((c) => c.length)).toEqual([4, 4, 2]);
    // 124 bytes each with framing: 3 fit in 400 bytes.
    expect(chunkRecords(records, 100, 400).map((c) => c.length)).toEqual([3, 3, 3, 1]);
  });

  it('sends a record larger than the limit alone', () => {
    const chunks = chunkRecords([record(10), record(5000), record(10)], 100, 1000);
    expect(chunks.map((c) => c.length)).toEqual([1, 1, 1]);
  });
});
