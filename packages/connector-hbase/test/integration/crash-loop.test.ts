import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToLong, cellValue, type HBaseClient } from '../../src/index.js';
import { CRASH_LOOP_BATCHES, crashLoopRecords } from './fixtures/crash-loop-data.js';
import { freshTable, hbaseZookeeper, testClient } from './hbase-server.js';

const writer = fileURLToPath(new URL('./fixtures/crash-loop-writer.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
let client: HBaseClient;
let zookeeper: string;
let table: string;
const dir = mkdtempSync(join(tmpdir(), 'dstream-hbase-crash-'));

beforeAll(async () => {
  zookeeper = await hbaseZookeeper();
  client = await testClient();
  table = freshTable('crash');
  await client.admin.createTable(table, { families: ['c'], splitKeys: ['key-20', 'key-40'] });
});

afterAll(async () => {
  await client?.admin.deleteTable(table).catch(() => undefined);
  await client?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the writer; SIGKILLs it after `killAfterMs` unless it finished. Resolves with its output. */
function runWriter(
  progress: string,
  killAfterMs: number | undefined,
): Promise<{ killed: boolean; stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@dstream/source', '--import', 'tsx', writer, zookeeper, table, progress],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    let killed = false;
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (killAfterMs !== undefined && killTimer === undefined && stdout.includes(' done')) {
        killTimer = setTimeout(() => {
          killed = child.exitCode === null;
          child.kill('SIGKILL');
        }, killAfterMs);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      if (!killed && code !== 0) reject(new Error(`crash-loop writer exited with ${code}: ${stderr}`));
      else resolve({ killed, stdout, code });
    });
  });
}

describe('crash loop: the exactly-once sink under SIGKILL at random moments (real HBase)', () => {
  it('final counters equal an uninterrupted run', async () => {
    const progress = join(dir, 'progress');
    let kills = 0;
    let killsMidJob = 0;
    let finished = false;
    // Bounded: at most 8 kills, each a random 0-300 ms after the run's first finished batch.
    for (let run = 0; run < 8 && !finished; run++) {
      const result = await runWriter(progress, Math.floor(Math.random() * 300));
      if (result.killed) kills++;
      if (result.killed && /batch \d+ done/.test(result.stdout)) killsMidJob++;
      finished = result.stdout.includes('all done');
    }
    if (!finished) {
      const last = await runWriter(progress, undefined);
      expect(last.stdout).toContain('all done');
    }
    expect(kills).toBeGreaterThan(0);
    expect(killsMidJob).toBeGreaterThan(0);

    const expected = new Map<string, bigint>();
    for (let k = 0; k < CRASH_LOOP_BATCHES; k++) {
      for (const [key, n] of crashLoopRecords(k)) expected.set(key, (expected.get(key) ?? 0n) + BigInt(n));
    }
    const rows = await client.scanAll(table);
    const actual = new Map(rows.map((r) => [r.row.toString(), bytesToLong(cellValue(r, 'c', 'n')!)]));
    expect(actual).toEqual(expected);
  }, 150_000);
});
