import { describe, expect, it } from 'vitest';
import { parseTableName } from '../src/bytes.js';
import { encodeMessage } from '../src/protocol/hbase-proto.js';
import {
  encodedRegionName,
  metaSearchRow,
  metaStopRow,
  parseMetaRow,
  RegionCache,
  type RegionLocation,
  regionContains,
} from '../src/region-locator.js';
import { aggregateIncrements, markerValue } from '../src/sink-increments.js';

function region(table: string, start: string, end: string, id = 1): RegionLocation {
  return {
    table,
    name: Buffer.from(`${table},${start},${id}.abc.`),
    startKey: Buffer.from(start),
    endKey: Buffer.from(end),
    regionId: id,
    server: { host: '127.0.0.1', port: 1, startCode: 1 },
    info: {} as RegionLocation['info'],
  };
}

describe('region location', () => {
  it('a region holds its start key and not its end key', () => {
    const r = region('t', 'b', 'd');
    expect(regionContains(r, Buffer.from('b'))).toBe(true);
    expect(regionContains(r, Buffer.from('c'))).toBe(true);
    expect(regionContains(r, Buffer.from('d'))).toBe(false);
    expect(regionContains(r, Buffer.from('a'))).toBe(false);
    expect(regionContains(region('t', 'd', ''), Buffer.from('zzz'))).toBe(true);
  });

  it('searches meta from "<table>,<row>,99999999999999" back to "<table>,,"', () => {
    const t = parseTableName('t1');
    expect(metaSearchRow(t, Buffer.from('row')).toString()).toBe('t1,row,99999999999999');
    expect(metaStopRow(t).toString()).toBe('t1,,');
    expect(metaStopRow(parseTableName('ns:t1')).toString()).toBe('ns:t1,,');
  });

  it('caches regions per table, finds boundary rows, replaces overlapping entries', () => {
    const cache = new RegionCache();
    cache.add(region('t1', '', 'm'));
    cache.add(region('t1', 'm', ''));
    cache.add(region('t1x', '', ''));
    expect(cache.find('t1', Buffer.from('m'))?.startKey.toString()).toBe('m');
    expect(cache.find('t1', Buffer.from('l'))?.startKey.toString()).toBe('');
    expect(cache.find('t1x', Buffer.from('m'))?.table).toBe('t1x');
    expect(cache.find('t2', Buffer.from('m'))).toBeUndefined();
    // A split of [m, ∞) at 't': the daughters replace the parent.
    cache.add(region('t1', 'm', 't', 2));
    expect(cache.find('t1', Buffer.from('z'))).toBeUndefined();
    expect(cache.find('t1', Buffer.from('p'))?.regionId).toBe(2);
    cache.remove(region('t1', 'm', 't', 2));
    expect(cache.find('t1', Buffer.from('p'))).toBeUndefined();
  });

  it('reads meta rows, skipping split parents and other tables', () => {
    const info = (table: string, extra: object = {}) =>
      Buffer.concat([
        Buffer.from('PBUF'),
        Buffer.from(
          encodeMessage('RegionInfo', {
            region_id: 5,
            table_name: { namespace: Buffer.from('default'), qualifier: Buffer.from(table) },
            start_key: Buffer.from('a'),
            end_key: Buffer.from('c'),
            ...extra,
          }),
        ),
      ]);
    const cells = (table: string, extra: object = {}) => ({
      cell: [
        {
          row: Buffer.from(`${table},a,5.x.`),
          family: Buffer.from('info'),
          qualifier: Buffer.from('regioninfo'),
          timestamp: 1,
          value: info(table, extra),
        },
        {
          row: Buffer.from(`${table},a,5.x.`),
          family: Buffer.from('info'),
          qualifier: Buffer.from('server'),
          timestamp: 1,
          value: Buffer.from('127.0.0.1:16020'),
        },
      ],
    });
    const t1 = parseTableName('t1');
    const ok = parseMetaRow(cells('t1'), t1);
    expect(ok.kind === 'region' && ok.location.server).toMatchObject({ host: '127.0.0.1', port: 16020 });
    expect(parseMetaRow(cells('t1x'), t1).kind).toBe('skip');
    expect(parseMetaRow(cells('t1', { split: true, offline: true }), t1).kind).toBe('skip');
    expect(encodedRegionName(Buffer.from('t1,a,1700000000000.0123456789abcdef0123456789abcdef.'))).toBe(
      '0123456789abcdef0123456789abcdef',
    );
  });
});

describe('exactly-once increments', () => {
  it('sums counters per row and column in first-seen order', () => {
    const rows = aggregateIncrements(
      [
        ['b', 1],
        ['a', 2],
        ['b', 3],
      ] as Array<[string, number]>,
      ([k]) => k,
      ([, n]) => [{ family: 'c', qualifier: 'n', amount: n }],
    );
    expect(rows.map((r) => [r.row.toString(), r.amounts.map((a) => a.amount)])).toEqual([
      ['b', [4n]],
      ['a', [2n]],
    ]);
  });

  it('encodes batch times so that byte order is time order', () => {
    const times = [0, 1, 255, 256, 1_700_000_000_000, 1_700_000_000_001];
    const encoded = times.map(markerValue);
    for (let i = 1; i < encoded.length; i++) expect(Buffer.compare(encoded[i - 1]!, encoded[i]!)).toBe(-1);
    expect(() => markerValue(-1)).toThrow(/non-negative/);
  });
});
