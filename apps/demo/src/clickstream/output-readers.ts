import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { OffsetRange } from '@dstream/core';
import { successMarker } from '@dstream/connector-file';
import { createHBaseClient } from '@dstream/connector-hbase';
import { Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';
import type { PageView } from './events.js';
import {
  type BatchRanges,
  HISTORY_FAMILY,
  type UserTotal,
  type WindowRecord,
  leaderboardKeys,
} from './outputs.js';
import type { RunConfig } from './run-config.js';

/** The windows the leaderboard holds, by window time. */
export async function readWindows(
  config: RunConfig,
): Promise<{ windows: WindowRecord[]; latest: Record<string, number> | undefined }> {
  const choice = config.outputs.redis;
  if ('standIn' in choice) {
    const windows = await readStandIn<WindowRecord>(join(choice.standIn, 'leaderboard'));
    windows.sort((a, b) => a.time - b.time);
    return { windows, latest: windows.at(-1)?.counts };
  }
  const redis = new Redis(choice.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const keys = leaderboardKeys(config.names.redisPrefix);
    const times = (await redis.zrange(keys.windows, '0', '-1')).map(Number).sort((a, b) => a - b);
    const windows: WindowRecord[] = [];
    for (const time of times)
      windows.push({
        time,
        counts: zsetToRecord(await redis.zrange(keys.window(time), '0', '-1', 'WITHSCORES')),
      });
    return { windows, latest: zsetToRecord(await redis.zrange(keys.latest, '0', '-1', 'WITHSCORES')) };
  } finally {
    redis.disconnect();
  }
}

function zsetToRecord(flat: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = Number(flat[i + 1]);
  return out;
}

/** The batch ledger: the offset ranges each batch time read. */
export async function readBatchLedger(config: RunConfig): Promise<BatchRanges[]> {
  const choice = config.outputs.redis;
  if ('standIn' in choice) return await readStandIn<BatchRanges>(join(choice.standIn, 'batches'));
  const redis = new Redis(choice.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const keys = leaderboardKeys(config.names.redisPrefix);
    const out: BatchRanges[] = [];
    for (const time of (await redis.zrange(keys.batches, '0', '-1')).map(Number))
      out.push({ time, ranges: JSON.parse((await redis.get(keys.batch(time))) ?? '[]') as OffsetRange[] });
    return out;
  } finally {
    redis.disconnect();
  }
}

/** The per-user totals: the MySQL table, or the newest complete batch of the stand-in. */
export async function readTotals(config: RunConfig): Promise<UserTotal[]> {
  const choice = config.outputs.mysql;
  if ('standIn' in choice) {
    const dirs = await completeBatchDirs(join(choice.standIn, 'user-totals'));
    const newest = dirs.at(-1);
    return newest === undefined ? [] : await readBatchDir<UserTotal>(newest.path);
  }
  const c = await createConnection({
    host: choice.host,
    port: choice.port,
    user: 'root',
    database: choice.database,
  });
  try {
    const [rows] = await c.query(
      `SELECT user, views, last_page, last_seen FROM \`${config.names.totalsTable}\``,
    );
    return (rows as Array<{ user: string; views: number; last_page: string; last_seen: number }>).map(
      (r) => ({
        user: r.user,
        views: Number(r.views),
        lastPage: r.last_page,
        lastSeen: Number(r.last_seen),
      }),
    );
  } finally {
    await c.end();
  }
}

/** Each user's history: HBase cells (one per event id), or every event id the stand-in wrote. */
export async function readHistory(
  config: RunConfig,
): Promise<Array<{ user: string; id: string; view: PageView }>> {
  const choice = config.outputs.hbase;
  if ('standIn' in choice) {
    const views = await readStandIn<PageView>(join(choice.standIn, 'history'));
    return views.map((view) => ({ user: view.user, id: view.id, view }));
  }
  const client = createHBaseClient({ zookeeper: choice.zookeeper });
  try {
    const out: Array<{ user: string; id: string; view: PageView }> = [];
    for (const row of await client.scanAll(config.names.historyTable)) {
      for (const cell of row.cells) {
        if (cell.family.toString() !== HISTORY_FAMILY) continue;
        const view = JSON.parse(cell.value.toString()) as PageView;
        out.push({ user: row.row.toString(), id: view.id, view });
      }
    }
    return out;
  } finally {
    await client.close();
  }
}

async function completeBatchDirs(dir: string): Promise<Array<{ time: number; path: string }>> {
  if (!existsSync(dir)) return [];
  const out: Array<{ time: number; path: string }> = [];
  for (const name of await readdir(dir)) {
    const m = /-(\d+)\.jsonl$/.exec(name);
    if (m && existsSync(join(dir, name, successMarker)))
      out.push({ time: Number(m[1]), path: join(dir, name) });
  }
  return out.sort((a, b) => a.time - b.time);
}

async function readBatchDir<T>(path: string): Promise<T[]> {
  const out: T[] = [];
  for (const name of (await readdir(path)).filter((n) => n.startsWith('part-')).sort()) {
    for (const line of (await readFile(join(path, name), 'utf8')).split('\n'))
      if (line.length > 0) out.push(JSON.parse(line) as T);
  }
  return out;
}

/** Every record of every complete batch directory of a stand-in output. */
async function readStandIn<T>(dir: string): Promise<T[]> {
  const out: T[] = [];
  for (const batch of await completeBatchDirs(dir)) out.push(...(await readBatchDir<T>(batch.path)));
  return out;
}
