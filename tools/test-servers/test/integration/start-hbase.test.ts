import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startHBase } from '../../src/index.js';
import { getChildren, getData, metaLocation, withZooKeeper } from './zookeeper-helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('startHBase', () => {
  it('local mode: meta is open on one of the two region servers named in ZooKeeper', async () => {
    const cluster = await startHBase();
    const pid = cluster.regionServers[0]?.pid;
    try {
      expect(cluster.version).toBe('2.6.4');
      expect(cluster.zookeeper).toBe(`127.0.0.1:${cluster.zookeeperPort}`);
      expect(cluster.regionServers).toHaveLength(2);
      await withZooKeeper(cluster.zookeeper, async (zk) => {
        const meta = metaLocation(await getData(zk, '/hbase/meta-region-server'));
        expect(meta.host).toBe('127.0.0.1');
        expect(cluster.regionServers.map((rs) => rs.port)).toContain(meta.port);
        const servers = await getChildren(zk, '/hbase/rs');
        expect(servers.map((name) => Number(name.split(',')[1])).sort()).toEqual(
          cluster.regionServers.map((rs) => rs.port).sort(),
        );
      });
      await expect(cluster.killRegionServer(0)).rejects.toThrow(/mode: 'distributed'/);
    } finally {
      await cluster.stop();
    }
    expect(cluster.regionServers[0]?.alive).toBe(false);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  });

  it('distributed mode: a killed region server drops out of ZooKeeper and rejoins on its port', {
    timeout: 240_000,
  }, async () => {
    const cluster = await startHBase({ mode: 'distributed', regionServers: 2 });
    const pids = cluster.regionServers.map((rs) => rs.pid);
    try {
      expect(new Set(pids).size).toBe(2);
      const victim = cluster.regionServers[1];
      if (!victim) throw new Error('no region server 1');
      await withZooKeeper(cluster.zookeeper, async (zk) => {
        const before = await getChildren(zk, '/hbase/rs');
        expect(before).toHaveLength(2);
        await cluster.killRegionServer(1);
        expect(victim.alive).toBe(false);
        expect(victim.pid).toBeUndefined();
        // the ephemeral znode goes when the dead server's session expires (zookeeper.session.timeout=6000)
        const deadline = Date.now() + 30_000;
        while ((await getChildren(zk, '/hbase/rs')).some((name) => name.includes(`,${victim.port},`))) {
          if (Date.now() > deadline) {
            const names = await getChildren(zk, '/hbase/rs');
            throw new Error(`killed region server ${victim.port} still registered after 30 s: ${names}`);
          }
          await sleep(250);
        }
        await cluster.startRegionServer(1);
        expect(victim.alive).toBe(true);
        expect(victim.pid).not.toBe(pids[1]);
        const after = await getChildren(zk, '/hbase/rs');
        expect(after.filter((name) => name.includes(`,${victim.port},`))).toHaveLength(1);
        expect(after).not.toContain(before.find((name) => name.includes(`,${victim.port},`)));
        await expect(cluster.startRegionServer(1)).rejects.toThrow(/still running/);
      });
    } finally {
      await cluster.stop();
    }
    for (const pid of pids) expect(existsSync(`/proc/${pid}`)).toBe(false);
  });
});
