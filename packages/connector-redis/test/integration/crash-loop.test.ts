import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisOffsetStore } from '../../src/index.js';
import { wordAt } from './fixtures/crash-words.js';
import { adminClient, deletePrefix, freshPrefix, redisUrl } from './redis-test-env.js';

let admin: Redis;
let prefix: string;
const job = fileURLToPath(new URL('./fixtures/crash-job.ts', import.meta.url));
const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

beforeAll(async () => {
  admin = await adminClient();
});
afterAll(async () => {
  await deletePrefix(admin, prefix);
  await admin.quit();
});

/** A deterministic pseudo-random sequence, so that every run kills at the same moments. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

function startJob(args: string[]): {
  child: ChildProcess;
  started: Promise<void>;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--conditions=@dstream/source', '--import', 'tsx', job, ...args], {
    cwd: packageRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const started = new Promise<void>((resolve) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('started')) resolve();
    });
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(`crash-job exited ${code}:\n${output}\n`);
      resolve(code);
    });
  });
  return { child, started, exited };
}

async function hashSum(key: string): Promise<number> {
  return Object.values(await admin.hgetall(key)).reduce((total, v) => total + Number(v), 0);
}

describe('crash loop (SIGKILL) with Redis', () => {
  it('per-record and per-batch HINCRBY (exactly-once) and running totals (idempotent) equal an uninterrupted run after 8 kills', async () => {
    prefix = freshPrefix('crash');
    const perPartition = 1_500;
    const expected: Record<string, string> = {};
    const counts = new Map<string, number>();
    for (let p = 0; p < 2; p++) {
      for (let i = 0; i < perPartition; i++) counts.set(wordAt(p, i), (counts.get(wordAt(p, i)) ?? 0) + 1);
    }
    for (const [word, n] of counts) expected[word] = String(n);
    const checkpointDir = await mkdtemp(join(tmpdir(), 'dstream-redis-crash-'));
    const args = [checkpointDir, prefix, String(perPartition), redisUrl];
    const random = lcg(11);
    try {
      const progressAtKills: number[] = [];
      let kills = 0;
      for (; kills < 8; kills++) {
        const run = startJob(args);
        const outcome = await Promise.race([run.started.then(() => 'started' as const), run.exited]);
        if (outcome !== 'started') throw new Error(`the job exited with ${outcome} before it started`);
        await new Promise((resolve) => setTimeout(resolve, 50 + random() * 400));
        run.child.kill('SIGKILL');
        const code = await run.exited;
        if (code === 0) break; // it finished before the kill
        progressAtKills.push(await hashSum(`${prefix}:increments`));
      }
      // The kills fell while the job was part way through the log, not only before or after it.
      expect(progressAtKills.filter((n) => n > 0 && n < 2 * perPartition).length).toBeGreaterThanOrEqual(3);
      const last = startJob(args);
      const timeout = setTimeout(() => last.child.kill('SIGKILL'), 90_000);
      const code = await last.exited;
      clearTimeout(timeout);
      expect(code).toBe(0);
      expect(await admin.hgetall(`${prefix}:increments`)).toEqual(expected);
      expect(await admin.hgetall(`${prefix}:reduced`)).toEqual(expected);
      expect(await admin.hgetall(`${prefix}:totals`)).toEqual(expected);
      const offsets = redisOffsetStore({ keyPrefix: prefix, connection: redisUrl });
      expect(await offsets.load('crash-job', ['words'])).toEqual([
        { topic: 'words', partition: 0, offset: perPartition },
        { topic: 'words', partition: 1, offset: perPartition },
      ]);
      await offsets.close?.();
    } finally {
      await rm(checkpointDir, { recursive: true, force: true });
    }
  });
});
