import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { perExecutor } from '@dstream/core';
import { bytesToLong, cellValue, type HBaseClient, hbaseSink } from '../../src/index.js';
import { freshTable, rowKey, testClient } from './hbase-server.js';

let client: HBaseClient;
let admin: HBaseClient;
const tables: string[] = [];

beforeAll(async () => {
  client = await testClient();
  // Admin work through its own client, so `client` keeps its now-stale cached locations.
  admin = await testClient();
});

afterAll(async () => {
  for (const table of tables) await admin?.admin.deleteTable(table).catch(() => undefined);
  await client?.close();
  await admin?.close();
});

describe('regions moved and split while a client writes (real HBase)', () => {
  it('loses and misplaces no acknowledged write', async () => {
    const table = freshTable('moves');
    tables.push(table);
    await admin.admin.createTable(table, { families: ['f'], splitKeys: [rowKey(1000)] });
    const keys = 2000;
    // The latest acknowledged value of each row; writes go on until every move and split is done.
    const expected = new Map<string, string>();
    let written = 0;
    let adminDone = false;
    const writer = (async () => {
      while (!adminDone || written < keys) {
        const batch = Array.from({ length: 50 }, (_, k) => written + k);
        const puts = batch.map((i) => ({
          type: 'put' as const,
          row: rowKey((i * 37) % keys),
          cells: [{ family: 'f', qualifier: 'q', value: `v${i}` }],
        }));
        await client.mutateMany(table, puts);
        for (const put of puts) expected.set(put.row, put.cells[0]!.value);
        written += batch.length;
      }
    })();
    const writtenWhenAdminStarted = written;
    let writtenWhenAdminDone = 0;
    try {
      // Move each region to the other server, then split the upper one, while the writer runs.
      const servers = await admin.admin.regionServers();
      expect(servers.length).toBeGreaterThanOrEqual(2);
      for (const region of await admin.admin.regions(table)) {
        const other = servers.find((s) => s.port !== region.server.port || s.host !== region.server.host)!;
        await admin.admin.moveRegion(region, other);
      }
      const [, upper] = await admin.admin.regions(table);
      await admin.admin.splitRegion(upper!, rowKey(1500));
      writtenWhenAdminDone = written;
    } finally {
      adminDone = true;
      await writer;
    }
    // Writes were acknowledged while the regions moved and split.
    expect(writtenWhenAdminDone).toBeGreaterThan(writtenWhenAdminStarted);
    expect(expected.size).toBe(keys);

    const regions = await admin.admin.regions(table);
    expect(regions.map((r) => r.startKey.toString())).toEqual(['', rowKey(1000), rowKey(1500)]);
    // Every row holds its last acknowledged value, and lies in the region whose range holds it.
    const rows = await client.scanAll(table);
    expect(rows.map((r) => r.row.toString())).toEqual(Array.from({ length: keys }, (_, i) => rowKey(i)));
    const wrong = rows.filter((r) => cellValue(r, 'f', 'q')?.toString() !== expected.get(r.row.toString()));
    expect(wrong).toEqual([]);
    for (const region of regions) {
      const inRegion = await client.scanAll(table, {
        startRow: region.startKey,
        ...(region.endKey.length > 0 ? { stopRow: region.endKey } : {}),
      });
      expect(inRegion.length).toBe(region.startKey.length === 0 ? 1000 : 500);
    }
  });

  it('a client with cached locations follows a moved region for gets, puts and scans', async () => {
    const table = freshTable('follow');
    tables.push(table);
    await admin.admin.createTable(table, { families: ['f'] });
    await client.put(table, 'r1', [{ family: 'f', qualifier: 'q', value: 'before' }]);
    const [region] = await admin.admin.regions(table);
    const servers = await admin.admin.regionServers();
    const other = servers.find((s) => s.port !== region!.server.port)!;
    await admin.admin.moveRegion(region!, other);
    // `client` still has the old location cached: it gets NotServingRegionException and re-locates.
    expect(cellValue(await client.get(table, 'r1'), 'f', 'q')?.toString()).toBe('before');
    await admin.admin.moveRegion((await admin.admin.regions(table))[0]!, region!.server);
    await client.put(table, 'r2', [{ family: 'f', qualifier: 'q', value: 'after' }]);
    await admin.admin.moveRegion((await admin.admin.regions(table))[0]!, other);
    expect((await client.scanAll(table)).map((r) => r.row.toString())).toEqual(['r1', 'r2']);
  });

  it('a scan in progress continues after its region moves: every row once, in order', async () => {
    const table = freshTable('scanmove');
    tables.push(table);
    await admin.admin.createTable(table, { families: ['f'], splitKeys: [rowKey(300)] });
    await client.mutateMany(
      table,
      Array.from({ length: 600 }, (_, i) => ({
        type: 'put' as const,
        row: rowKey(i),
        cells: [{ family: 'f', qualifier: 'q', value: `v${i}` }],
      })),
    );
    const seen: string[] = [];
    for await (const row of client.scan(table, { caching: 25 })) {
      seen.push(row.row.toString());
      if (seen.length === 100 || seen.length === 400) {
        // Move the region being scanned: the open scanner is gone; the scan re-opens after row.
        const regions = await admin.admin.regions(table);
        const current = regions.find(
          (r) =>
            r.startKey.toString() <= row.row.toString() &&
            (r.endKey.length === 0 || row.row.toString() < r.endKey.toString()),
        )!;
        const servers = await admin.admin.regionServers();
        await admin.admin.moveRegion(current, servers.find((s) => s.port !== current.server.port)!);
      }
    }
    expect(seen).toEqual(Array.from({ length: 600 }, (_, i) => rowKey(i)));
  });

  it('the exactly-once sink keeps exact counts while its regions move', async () => {
    const table = freshTable('eomove');
    tables.push(table);
    await admin.admin.createTable(table, { families: ['c'], splitKeys: ['k5'] });
    const sink = hbaseSink<[string, number]>({
      table,
      mode: 'exactly-once',
      provider: perExecutor(() => client),
      rowOf: ([key]) => key,
      cellsOf: ([, n]) => [{ family: 'c', qualifier: 'n', amount: n }],
      flush: { maxMutations: 4 },
    });
    const records: Array<[string, number]> = Array.from({ length: 10 }, (_, i) => [`k${i}`, 1]);
    let batches = 0;
    let moving = true;
    const writer = (async () => {
      while (moving || batches < 5) {
        batches++;
        const context = {
          outputId: 'eo-move',
          batchTime: batches * 1000,
          partition: 0,
          numPartitions: 1,
          offsetRanges: [],
          partitionOffsetRange: undefined,
          executorId: 0,
          attempt: 1,
        };
        await sink.writePartition(records, context);
        await sink.writePartition(records, { ...context, attempt: 2 }); // a replay: skipped
      }
    })();
    try {
      const servers = await admin.admin.regionServers();
      for (const region of await admin.admin.regions(table)) {
        await admin.admin.moveRegion(region, servers.find((s) => s.port !== region.server.port)!);
      }
    } finally {
      moving = false;
      await writer;
    }
    const counts = (await client.scanAll(table)).map((r) => Number(bytesToLong(cellValue(r, 'c', 'n')!)));
    expect(counts).toEqual(records.map(() => batches));
  });
});
