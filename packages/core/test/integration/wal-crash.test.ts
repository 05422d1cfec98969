import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeArgumentsFor } from '../../src/cli/supervisor.js';
import { startAckingSource } from '../fixtures/acking-source.js';

const TOTAL = 4000;

function startJob(args: string[]): { child: ChildProcess; ready: Promise<void>; exited: Promise<unknown> } {
  const job = fileURLToPath(new URL('../fixtures/acking-job.ts', import.meta.url));
  const child = spawn(process.execPath, [...nodeArgumentsFor(job), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`job exited (${code}) before ready`)));
  });
  ready.catch(() => undefined);
  child.stderr!.resume();
  return { child, ready, exited: new Promise((r) => child.on('exit', r)) };
}

describe('reliable receiver + write-ahead log under SIGKILL', () => {
  const root = mkdtemp(join(tmpdir(), 'dstream-wal-crash-'));
  afterAll(async () => rm(await root, { recursive: true, force: true }));

  it('every acknowledged record is processed; duplicates only of records in flight at a kill', async () => {
    const base = await root;
    const out = join(base, 'out');
    await mkdir(out);
    const source = await startAckingSource(TOTAL);
    const inFlight: Array<[number, number]> = [];
    try {
      const args = [String(source.port), join(base, 'checkpoint'), out];
      for (let kill = 0; kill < 8; kill++) {
        const run = startJob(args);
        await run.ready;
        await new Promise((r) => setTimeout(r, 150 + Math.floor(Math.random() * 400)));
        // Records sent but not acknowledged may be stored and then sent again: the only allowed duplicates.
        const from = source.acked();
        run.child.kill('SIGKILL');
        await run.exited;
        inFlight.push([from + 1, source.sent()]);
      }
      const last = startJob(args);
      await last.ready;
      for (let i = 0; i < 600 && source.acked() < TOTAL - 1; i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
      last.child.kill('SIGTERM');
      await last.exited;
    } finally {
      await source.close();
    }
    expect(source.acked()).toBe(TOTAL - 1);
    // The kills landed while records were still flowing.
    expect(inFlight.filter(([a]) => a < TOTAL).length).toBeGreaterThanOrEqual(6);
    const counts = new Map<number, number>();
    for (const f of await readdir(out)) {
      if (!f.startsWith('batch-') || f.endsWith('.tmp')) continue;
      for (const line of (await readFile(join(out, f), 'utf8')).split('\n')) {
        const seq = Number(line);
        counts.set(seq, (counts.get(seq) ?? 0) + 1);
      }
    }
    const missing = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => !counts.has(i));
    expect(missing).toEqual([]);
    const duplicates = [...counts].filter(([, n]) => n > 1).map(([seq]) => seq);
    const unexplained = duplicates.filter((seq) => !inFlight.some(([a, b]) => seq >= a && seq <= b));
    expect(unexplained).toEqual([]);
  }, 180_000);
});
