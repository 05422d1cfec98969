import { setTimeout as sleep } from 'node:timers/promises';
import { DStreamError } from '@dstream/core';
import { type HBaseCluster, startHBase } from '@dstream/test-servers';
import hbase from 'hbase-rpc-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellValue, createHBaseClient, type HBaseClient, hbaseRpcClientAdapter } from '../../src/index.js';
import { freshTable, rowKey } from './hbase-server.js';

let cluster: HBaseCluster | undefined;
const clients: HBaseClient[] = [];

beforeAll(async () => {
  // A cluster of our own: killing a region server of the shared one would disturb other tests.
  cluster = await startHBase({ mode: 'distributed', regionServers: 2 });
}, 180_000);

afterAll(async () => {
  for (const client of clients) await client.close();
  await cluster?.stop();
}, 60_000);

function client(options: { operationTimeoutMs: number; rpcTimeoutMs: number }): HBaseClient {
  const made = createHBaseClient({ zookeeper: cluster!.zookeeper, ...options });
  clients.push(made);
  return made;
}

describe('a region server killed with SIGKILL (real HBase, distributed mode)', () => {
  it('calls fail within their timeout, then succeed once the regions reopen on the survivor', async () => {
    const setup = client({ operationTimeoutMs: 60_000, rpcTimeoutMs: 10_000 });
    const table = freshTable('kill');
    await setup.admin.createTable(table, { families: ['f'], splitKeys: [rowKey(500)] });
    await setup.mutateMany(
      table,
      Array.from({ length: 1000 }, (_, i) => ({
        type: 'put' as const,
        row: rowKey(i),
        cells: [{ family: 'f', qualifier: 'q', value: `v${i}` }],
      })),
    );
    const regions = await setup.admin.regions(table);
    const victim = regions[1]!;
    const index = cluster!.regionServers.findIndex((rs) => rs.port === victim.server.port);
    expect(index).toBeGreaterThanOrEqual(0);

    const fast = client({ operationTimeoutMs: 3_000, rpcTimeoutMs: 1_000 });
    expect(cellValue(await fast.get(table, rowKey(700)), 'f', 'q')?.toString()).toBe('v700');
    // hbase-rpc-client, for comparison: it has the region cached and a connection to its server.
    const raw = hbase({ zookeeperHosts: [cluster!.zookeeper], zookeeperRoot: '/hbase' });
    raw.on('error', () => undefined);
    await new Promise((resolve) => raw.once('ready', resolve));
    const rawGet = (): Promise<string> =>
      new Promise((resolve) =>
        raw.get(table, new hbase.Get(Buffer.from(rowKey(700))), (error) =>
          resolve(error ? `error: ${String((error as Error)?.message ?? error)}` : 'ok'),
        ),
      );
    expect(await rawGet()).toBe('ok');
    await cluster!.killRegionServer(index);
    // DEFECT (runs alongside): a call to the dead server either fails after its callTimeout (5 s) or
    // never answers; the call after a timed-out one never answers. Watched for 12 s each.
    const rawDefect = (async () => {
      const answers: string[] = [];
      for (let call = 0; call < 2 && !answers.includes('no answer'); call++) {
        answers.push(await Promise.race([rawGet(), sleep(12_000).then(() => 'no answer')]));
      }
      return answers;
    })();
    const started = Date.now();
    const error = await fast.get(table, rowKey(700)).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(DStreamError.isInstance(error)).toBe(true);
    expect(['TIMEOUT', 'CONNECTION']).toContain((error as DStreamError).code);
    expect(elapsed).toBeLessThan(3_000 + 2_000);

    // HBase notices the death (ZooKeeper session, 6 s here) and reopens the regions: the same
    // client recovers by itself, with no restart.
    const deadline = Date.now() + 90_000;
    let recovered = false;
    while (!recovered && Date.now() < deadline) {
      recovered = await fast.get(table, rowKey(700)).then(
        (row) => cellValue(row, 'f', 'q')?.toString() === 'v700',
        () => false,
      );
      if (!recovered) await sleep(500);
    }
    expect(recovered).toBe(true);
    await fast.put(table, rowKey(700), [{ family: 'f', qualifier: 'q', value: 'after' }]);
    const rows = await fast.scanAll(table);
    expect(rows).toHaveLength(1000);
    expect(cellValue(rows[700], 'f', 'q')?.toString()).toBe('after');
    expect(rows.filter((r, i) => i !== 700 && cellValue(r, 'f', 'q')?.toString() !== `v${i}`)).toEqual([]);

    const answers = await rawDefect;
    expect(answers).toContain('no answer');
    expect(answers.filter((a) => a !== 'no answer').every((a) => /timedout/.test(a))).toBe(true);
    await hbaseRpcClientAdapter(raw, hbase).close();
  }, 170_000);
});
