import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openHBaseAdmin } from '../../src/index.js';
import { useHBase } from '../../src/vitest.js';

describe('openHBaseAdmin on the shared HBase', () => {
  it('creates a pre-split table, moves and splits a region, and drops the table', async () => {
    const admin = await openHBaseAdmin(await useHBase());
    const table = `t_${randomUUID().replaceAll('-', '')}`;
    try {
      const servers = await admin.regionServers();
      expect(servers.length).toBeGreaterThanOrEqual(2);
      await admin.createTable(table, { families: ['cf', 'meta'], splitKeys: ['row-2500', 'row-5000'] });
      const regions = await admin.regions(table);
      expect(regions.map((region) => [region.startKey.toString(), region.endKey.toString()])).toEqual([
        ['', 'row-2500'],
        ['row-2500', 'row-5000'],
        ['row-5000', ''],
      ]);
      for (const region of regions) expect(servers).toContain(region.server);

      const moving = regions[1];
      if (!moving) throw new Error('no middle region');
      const target = servers.find((server) => server !== moving.server);
      await admin.moveRegion(moving.encodedName, target);
      const moved = (await admin.regions(table)).find((region) => region.encodedName === moving.encodedName);
      expect(moved?.server).toBe(target);
      expect(moved?.port).toBe(Number(target?.split(',')[1]));

      expect(await admin.splitRegion(table, 'row-1250')).toBe(true);
      expect((await admin.regions(table)).map((region) => region.startKey.toString())).toEqual([
        '',
        'row-1250',
        'row-2500',
        'row-5000',
      ]);
      await expect(admin.moveRegion('no-such-region')).rejects.toThrow(/UnknownRegionException/);
      expect(await admin.deleteTable(table)).toBe(true);
      expect(await admin.deleteTable(table)).toBe(false);
    } finally {
      await admin.deleteTable(table).catch(() => false);
      await admin.close();
    }
  });
});
