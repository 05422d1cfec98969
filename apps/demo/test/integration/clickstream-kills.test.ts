import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHBaseClient } from '@dstream/connector-hbase';
import { useHBase, useKafka } from '@dstream/test-servers/vitest';
import { Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunConfig } from '../../src/clickstream/run-config.js';
import { verifyRun } from '../../src/clickstream/verify.js';

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const children = new Set<ChildProcess>();
const cleanups: Array<() => Promise<void>> = [];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
});

interface Run {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function startDemo(args: string[]): Run {
  const child = spawn(process.execPath, ['--conditions=@dstream/source', '--import', 'tsx', main, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** A seeded PRNG, so a failing run's kill moments can be replayed (the seed is in the message). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 0x1_0000_0000;
  };
}

describe('clickstream demo on real Kafka, HBase, MariaDB and Redis', () => {
  it('SIGKILLed at random moments 10 times and restarted from its checkpoint, every output matches the generator', async () => {
    const [{ bootstrap }, { zookeeper }] = await Promise.all([useKafka(), useHBase()]);
    const runDir = await mkdtemp(join(tmpdir(), 'dstream-demo-kills-'));
    const args = [
      ...['--real', '--kafka', bootstrap.join(','), '--zookeeper', zookeeper, '--run-dir', runDir],
      ...['--events', '4000', '--rate', '250', '--batch-interval', '200', '--status-port', '-1'],
    ];
    const seed = Date.now() % 100_000;
    const next = random(seed);
    const kills: number[] = [];
    for (let i = 0; i < 10; i++) {
      const run = startDemo(args);
      // Kill somewhere between start-up and a few batches in: mid-batch, mid-transaction, mid-checkpoint.
      const deadline = Date.now() + 60_000;
      while (
        !/Ctrl-C stops gracefully/.test(run.output()) &&
        Date.now() < deadline &&
        run.child.exitCode === null
      )
        await sleep(25);
      expect(run.child.exitCode, `run ${i} exited early (seed ${seed}):\n${run.output()}`).toBeNull();
      if (i === 0) cleanups.push(cleanupRun(runDir));
      const wait = Math.floor(next() * 1500);
      kills.push(wait);
      await sleep(wait);
      run.child.kill('SIGKILL');
      await run.exited;
    }
    const final = startDemo([...args, '--exit-when-drained', '--verify']);
    const code = await final.exited;
    const out = final.output();
    expect(out, `kills after ${kills.join(', ')} ms (seed ${seed})`).toMatch(/resuming run/);
    const why = `kills after ${kills.join(', ')} ms (seed ${seed})\n${out.slice(-3000)}`;
    expect(out, why).toMatch(/stopped; the input topic holds 4000 events/);
    expect(out, why).toMatch(
      /OK {3}kafka cleaned events \(read_committed, kcat\): \d+ events, each exactly once/,
    );
    expect(out, why).toMatch(
      /OK {3}kafka dead letters \(read_committed, kcat\): \d+ malformed events, each exactly once/,
    );
    expect(out, why).toMatch(/OK {3}mysql per-user totals: 40 users/);
    expect(out, why).toMatch(/OK {3}hbase user history/);
    expect(out, why).toMatch(/OK {3}redis batch ledger: \d+ batches, disjoint ranges covering the input/);

    // demo:verify reads the same outputs again from another process.
    const config = (await readRunConfig(runDir))!;
    const report = await verifyRun(config);
    expect(report.inputEvents).toBe(4000);
    expect(
      report.checks.filter((c) => !c.ok),
      why,
    ).toEqual([]);
    expect(report.wrongWindows).toEqual([]);
    expect(out, why).toMatch(/OK {3}redis leaderboard windows: \d+ windows/);
    expect(out, why).toMatch(/verify: every output matches the generator/);
    expect(code).toBe(0);
  }, 240_000);
});

/** Drops the run's MySQL table, HBase table and Redis keys (topics are fresh per run anyway). */
function cleanupRun(runDir: string): () => Promise<void> {
  return async () => {
    const config = await readRunConfig(runDir);
    if (config === undefined) return;
    const mysql = await createConnection({ host: '127.0.0.1', user: 'root', database: 'test' });
    await mysql.query(`DROP TABLE IF EXISTS \`${config.names.totalsTable}\``).finally(() => mysql.end());
    const redis = new Redis('redis://127.0.0.1:6379');
    const keys = await redis.keys(`${config.names.redisPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    if ('zookeeper' in config.outputs.hbase) {
      const hbase = createHBaseClient({ zookeeper: config.outputs.hbase.zookeeper });
      await hbase.admin.deleteTable(config.names.historyTable).finally(() => hbase.close());
    }
  };
}
