import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToLong, cellValue, type HBaseClient } from '../../src/index.js';
import { SEQUENCE_LENGTH, wordAt } from './fixtures/streaming-crash-data.js';
import { freshTable, hbaseZookeeper, testClient } from './hbase-server.js';

const job = fileURLToPath(new URL('./fixtures/streaming-crash-job.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
let client: HBaseClient;
let zookeeper: string;
let table: string;
const dir = mkdtempSync(join(tmpdir(), 'dstream-hbase-streaming-crash-'));

beforeAll(async () => {
  zookeeper = await hbaseZookeeper();
  client = await testClient();
  table = freshTable('streamcrash');
  await client.admin.createTable(table, { families: ['c'], splitKeys: ['w10'] });
});

afterAll(async () => {
  await client?.admin.deleteTable(table).catch(() => undefined);
  await client?.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs the job until it reports all input done (then kills it), or SIGKILLs it `killAfterMs` after
 * its first completed batch of this run.
 */
function runJob(
  killAfterMs: number | undefined,
): Promise<{ killed: boolean; done: boolean; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@dstream/source', '--import', 'tsx', job, zookeeper, table, join(dir, 'checkpoint')],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let killed = false;
    let done = false;
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('all done')) {
        done = true;
        child.kill('SIGKILL');
      } else if (killAfterMs !== undefined && killTimer === undefined && stdout.includes('completed')) {
        killTimer = setTimeout(() => {
          killed = child.exitCode === null;
          child.kill('SIGKILL');
        }, killAfterMs);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      if (!killed && !done) reject(new Error(`the streaming crash job ended early: ${stdout}\n${stderr}`));
      else resolve({ killed, done, stdout });
    });
  });
}

describe('crash loop through a StreamingContext (real HBase)', () => {
  it('a checkpointed job SIGKILLed at random moments ends with the counters of an uninterrupted run', async () => {
    // Replayable source → per-batch counts → hbaseSink exactly-once; restarted with getOrCreate.
    let done = false;
    let kills = 0;
    for (let run = 0; run < 6 && !done; run++) {
      const result = await runJob(Math.floor(Math.random() * 600));
      if (result.killed) kills++;
      done = result.done;
      if (run > 0) expect(result.stdout).toContain('restored');
    }
    if (!done) done = (await runJob(undefined)).done;
    expect(done).toBe(true);
    expect(kills).toBeGreaterThan(0);

    const expected = new Map<string, bigint>();
    for (let i = 0; i < SEQUENCE_LENGTH; i++) expected.set(wordAt(i), (expected.get(wordAt(i)) ?? 0n) + 1n);
    const rows = await client.scanAll(table);
    const actual = new Map(rows.map((r) => [r.row.toString(), bytesToLong(cellValue(r, 'c', 'n')!)]));
    expect(actual).toEqual(expected);
  }, 170_000);
});
