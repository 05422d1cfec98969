import { ConfigError, StateError } from '@dstream/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToLong, cellValue, type HBaseClient } from '../../src/index.js';
import { freshTable, rowKey, testClient } from './hbase-server.js';

const F = 'f';
let client: HBaseClient;
let table: string;
const splitKeys = [rowKey(250), rowKey(500), rowKey(750)];

beforeAll(async () => {
  client = await testClient();
  table = freshTable('native');
  await client.admin.createTable(table, { families: [F, 'g'], splitKeys });
});

afterAll(async () => {
  await client?.admin.deleteTable(table).catch(() => undefined);
  await client?.close();
});

const value = (row: Parameters<typeof cellValue>[0], qualifier = 'q') =>
  cellValue(row, F, qualifier)?.toString();

describe('native HBase client on real HBase', () => {
  it('creates a pre-split table spread over both region servers', async () => {
    const regions = await client.admin.regions(table);
    expect(regions.map((r) => r.startKey.toString())).toEqual(['', ...splitKeys]);
    expect(regions.map((r) => r.endKey.toString())).toEqual([...splitKeys, '']);
    expect(new Set(regions.map((r) => r.server.port)).size).toBe(2);
  });

  it('puts, gets and deletes single rows', async () => {
    await client.put(table, 'alpha', [
      { family: F, qualifier: 'q', value: 'one' },
      { family: 'g', qualifier: 'h', value: Buffer.from([0, 1, 2, 255]) },
    ]);
    const row = await client.get(table, 'alpha');
    expect(row?.row.toString()).toBe('alpha');
    expect(value(row)).toBe('one');
    expect(cellValue(row, 'g', 'h')).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(row?.cells.every((c) => c.timestamp > 1_600_000_000_000)).toBe(true);
    const onlyG = await client.get(table, 'alpha', { columns: [{ family: 'g' }] });
    expect(onlyG?.cells.map((c) => c.family.toString())).toEqual(['g']);
    await client.delete(table, 'alpha', [{ family: 'g' }]);
    expect((await client.get(table, 'alpha'))?.cells.map((c) => c.family.toString())).toEqual([F]);
    await client.delete(table, 'alpha');
    expect(await client.get(table, 'alpha')).toBeUndefined();
  });

  it('keeps explicit timestamps and versions', async () => {
    await client.put(table, 'versioned', [{ family: F, qualifier: 'q', value: 'old' }], { timestamp: 1000 });
    await client.put(table, 'versioned', [{ family: F, qualifier: 'q', value: 'new' }], { timestamp: 2000 });
    await client.put(table, 'versioned', [{ family: F, qualifier: 'q', value: 'older' }], { timestamp: 500 });
    const row = await client.get(table, 'versioned');
    expect(row?.cells).toHaveLength(1);
    expect(row?.cells[0]?.timestamp).toBe(2000);
    expect(value(row)).toBe('new');
  });

  it('increments counters and returns the new values', async () => {
    const first = await client.increment(table, 'counter', [
      { family: F, qualifier: 'a', amount: 5 },
      { family: F, qualifier: 'b', amount: -2n },
    ]);
    expect(bytesToLong(cellValue(first, F, 'a')!)).toBe(5n);
    const second = await client.increment(table, 'counter', [{ family: F, qualifier: 'a', amount: 10 }]);
    expect(bytesToLong(cellValue(second, F, 'a')!)).toBe(15n);
    expect(bytesToLong(cellValue(await client.get(table, 'counter'), F, 'b')!)).toBe(-2n);
  });

  it('checkAndMutate compares the stored value with the given one (stored <operator> value)', async () => {
    const row = 'cas';
    const put = (v: string) => ({
      type: 'put' as const,
      row,
      cells: [{ family: F, qualifier: 'q', value: v }],
    });
    expect(
      await client.checkAndMutate(table, {
        row,
        family: F,
        qualifier: 'q',
        value: null,
        mutations: [put('m')],
      }),
    ).toBe(true);
    expect(
      await client.checkAndMutate(table, {
        row,
        family: F,
        qualifier: 'q',
        value: null,
        mutations: [put('x')],
      }),
    ).toBe(false);
    // stored 'm' < 'z' holds; stored 'm' < 'a' does not.
    expect(
      await client.checkAndMutate(table, {
        row,
        family: F,
        qualifier: 'q',
        operator: 'less',
        value: 'a',
        mutations: [put('x')],
      }),
    ).toBe(false);
    expect(
      await client.checkAndMutate(table, {
        row,
        family: F,
        qualifier: 'q',
        operator: 'less',
        value: 'z',
        mutations: [put('n')],
      }),
    ).toBe(true);
    expect(
      await client.checkAndMutate(table, {
        row,
        family: F,
        qualifier: 'q',
        operator: 'equal',
        value: 'n',
        mutations: [
          put('o'),
          { type: 'increment', row, amounts: [{ family: F, qualifier: 'n', amount: 1 }] },
        ],
      }),
    ).toBe(true);
    const after = await client.get(table, row);
    expect(value(after)).toBe('o');
    expect(bytesToLong(cellValue(after, F, 'n')!)).toBe(1n);
  });

  it('writes rows on every region boundary to the right region, and reads them back in request order', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => rowKey(i));
    await client.mutateMany(
      table,
      rows.map((row) => ({ type: 'put', row, cells: [{ family: F, qualifier: 'q', value: `v-${row}` }] })),
    );
    const probe = [
      rowKey(999),
      rowKey(250),
      rowKey(249),
      'no-such-row',
      rowKey(500),
      rowKey(0),
      rowKey(750),
      rowKey(749),
    ];
    const results = await client.getMany(table, probe);
    expect(results.map((r) => (r === undefined ? undefined : value(r)))).toEqual(
      probe.map((row) => (row === 'no-such-row' ? undefined : `v-${row}`)),
    );
    // Each boundary row is stored in the region that starts with it (a region-local scan sees it).
    const regions = await client.admin.regions(table);
    for (const region of regions.slice(1)) {
      const [first] = await client.scanAll(table, { startRow: region.startKey, limit: 1 });
      expect(first?.row.toString()).toBe(region.startKey.toString());
    }
  });

  it('scans a whole multi-region table with small round trips, and ranges across boundaries', async () => {
    const all = await client.scanAll(table, { startRow: rowKey(0), stopRow: rowKey(1000), caching: 77 });
    expect(all.map((r) => r.row.toString())).toEqual(Array.from({ length: 1000 }, (_, i) => rowKey(i)));
    const range = await client.scanAll(table, { startRow: rowKey(240), stopRow: rowKey(260) });
    expect(range.map((r) => r.row.toString())).toEqual(Array.from({ length: 20 }, (_, i) => rowKey(240 + i)));
    const limited = await client.scanAll(table, { startRow: rowKey(745), limit: 10, caching: 3 });
    expect(limited.map((r) => r.row.toString())).toEqual(
      Array.from({ length: 10 }, (_, i) => rowKey(745 + i)),
    );
    let seen = 0;
    for await (const _ of client.scan(table, { startRow: rowKey(0) })) if (++seen === 5) break;
    expect(seen).toBe(5);
  });

  it('stores large values and unicode row keys', async () => {
    const large = Buffer.alloc(3 * 1024 * 1024, 7);
    large.write('end', large.length - 3);
    await client.put(table, 'large', [{ family: F, qualifier: 'q', value: large }]);
    expect((await client.get(table, 'large'))?.cells[0]?.value.equals(large)).toBe(true);
    await client.put(table, 'large2', [{ family: F, qualifier: 'q', value: large }]);
    // Two 3 MiB rows: more than one round trip's size limit; both come back whole.
    const both = await client.scanAll(table, { startRow: 'large', stopRow: 'large3' });
    expect(both.map((r) => [r.row.toString(), r.cells[0]?.value.length])).toEqual([
      ['large', large.length],
      ['large2', large.length],
    ]);
    const keys = ['ключ', '鍵', 'clé-🔑', 'ü', 'row-00250-ß'];
    await client.mutateMany(
      table,
      keys.map((row) => ({ type: 'put', row, cells: [{ family: F, qualifier: 'q', value: row }] })),
    );
    const back = await client.getMany(table, keys);
    expect(back.map((r) => r?.row.toString())).toEqual(keys);
    expect(back.map((r) => value(r))).toEqual(keys);
  });

  it('never confuses tables whose names share a prefix (t1 and t1x)', async () => {
    const t1 = freshTable('prefix');
    const t1x = `${t1}x`;
    await client.admin.createTable(t1, { families: [F] });
    await client.admin.createTable(t1x, { families: [F], splitKeys: ['m'] });
    try {
      // Locate t1x first, so its regions are cached before t1 is used.
      await client.put(t1x, 'z', [{ family: F, qualifier: 'q', value: 't1x' }]);
      await client.put(t1, 'z', [{ family: F, qualifier: 'q', value: 't1' }]);
      await client.put(t1, 'a', [{ family: F, qualifier: 'q', value: 't1' }]);
      expect(value(await client.get(t1, 'z'))).toBe('t1');
      expect(value(await client.get(t1x, 'z'))).toBe('t1x');
      expect((await client.scanAll(t1)).map((r) => r.row.toString())).toEqual(['a', 'z']);
      expect((await client.scanAll(t1x)).map((r) => r.row.toString())).toEqual(['z']);
    } finally {
      await client.admin.deleteTable(t1);
      await client.admin.deleteTable(t1x);
    }
  });

  it('maps a missing table to a ConfigError naming it', async () => {
    const missing = freshTable('missing');
    const error = await client.get(missing, 'r').catch((e: unknown) => e);
    expect(ConfigError.isInstance(error) && (error as ConfigError).code).toBe('CONFIG');
    expect((error as Error).message).toContain(missing);
    await expect(client.put('bad name!', 'r', [])).rejects.toThrow(/table name "bad name!" is not valid/);
  });

  it('close() ends every connection, and later calls fail with a StateError', async () => {
    const own = await testClient();
    await own.put(table, 'close-me', [{ family: F, qualifier: 'q', value: '1' }]);
    // One row in each region: the regions are spread over both region servers.
    await own.getMany(table, [rowKey(1), rowKey(300), rowKey(600), rowKey(900)]);
    expect(own.openConnections()).toBeGreaterThanOrEqual(2);
    await own.close();
    expect(own.openConnections()).toBe(0);
    const error = await own.get(table, 'close-me').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateError);
  });
});
