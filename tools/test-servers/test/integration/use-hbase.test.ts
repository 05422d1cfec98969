import { describe, expect, it } from 'vitest';
import { useHBase } from '../../src/vitest.js';
import { getChildren, getData, metaLocation, withZooKeeper } from './zookeeper-helpers.js';

describe('useHBase', () => {
  it('hands every caller the same shared HBase with two region servers', async () => {
    const [first, second] = await Promise.all([useHBase(), useHBase()]);
    const third = await useHBase();
    expect(first).toEqual({
      zookeeper: `127.0.0.1:${first.zookeeperPort}`,
      zookeeperHost: '127.0.0.1',
      zookeeperPort: first.zookeeperPort,
      version: '2.6.4',
    });
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    await withZooKeeper(first.zookeeper, async (zk) => {
      const servers = await getChildren(zk, '/hbase/rs');
      expect(servers.length).toBeGreaterThanOrEqual(2);
      const meta = metaLocation(await getData(zk, '/hbase/meta-region-server'));
      expect(servers).toContainEqual(
        expect.stringMatching(new RegExp(`^127\\.0\\.0\\.1,${meta.port},\\d+$`)),
      );
    });
  });
});
