import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminConnection, dropTables, freshName, rowsOf } from './mariadb.js';

let admin: Connection;
const tables: string[] = [];
const job = fileURLToPath(new URL('./crash-job.ts', import.meta.url));
const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

beforeAll(async () => {
  admin = await adminConnection();
});

afterAll(async () => {
  await dropTables(admin, tables);
  await admin.end();
});

/** A deterministic pseudo-random sequence, so that every run kills at the same offsets. */
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
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('started')) resolve();
    });
  });
  child.stderr!.on('data', (chunk: Buffer) => {
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

/**
 * Runs crash-job.ts, SIGKILLs it 8 times at seeded random moments, lets a last run finish, and
 * checks the sinks' tables against counts computed directly from the source rows.
 */
async function crashLoop(mode: 'state' | 'aligned' | 'increment'): Promise<void> {
  const source = freshName('crash_words');
  const upsert = freshName('crash_upsert');
  const tx = freshName('crash_tx');
  const markers = freshName('crash_markers');
  const offsets = freshName('crash_offsets');
  tables.push(source, upsert, tx, markers, offsets);
  await admin.query(
    `CREATE TABLE \`${source}\` (id INT AUTO_INCREMENT PRIMARY KEY, word VARCHAR(20)) ENGINE=InnoDB`,
  );
  for (const t of [upsert, tx]) {
    await admin.query(
      `CREATE TABLE \`${t}\` (word VARCHAR(20) PRIMARY KEY, count BIGINT NOT NULL) ENGINE=InnoDB`,
    );
  }
  const total = 3000;
  const random = lcg(7);
  const words = Array.from({ length: total }, () => [`w${Math.floor(random() * 37)}`]);
  await admin.query(`INSERT INTO \`${source}\` (word) VALUES ?`, [words]);
  const expected = new Map<string, number>();
  for (const [w] of words) expected.set(w!, (expected.get(w!) ?? 0) + 1);
  const expectedRows = [...expected]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([word, count]) => ({ word, count }));

  const checkpointDir = await mkdtemp(join(tmpdir(), 'dstream-mysql-crash-'));
  const args = [mode, checkpointDir, source, upsert, tx, markers, offsets, String(total)];
  try {
    let kills = 0;
    const progressAtKills: number[] = [];
    const progress = async (): Promise<number> => {
      const [rows] = await admin.query(
        `SELECT COALESCE(SUM(count), 0) AS n FROM \`${mode === 'state' ? upsert : tx}\``,
      );
      return Number((rows as Array<{ n: number }>)[0]!.n);
    };
    for (; kills < 8; kills++) {
      const run = startJob(args);
      let exitCode: number | null | undefined;
      void run.exited.then((code) => {
        exitCode = code;
      });
      const outcome = await Promise.race([run.started.then(() => 'started' as const), run.exited]);
      if (outcome !== 'started') throw new Error(`the job exited with ${outcome} before it started`);
      // Kill only once this run has written something, at a random moment after that.
      const before = progressAtKills.at(-1) ?? 0;
      for (let i = 0; exitCode === undefined && (await progress()) <= before; i++) {
        if (i > 1500) {
          run.child.kill('SIGKILL');
          throw new Error(`the job made no progress in 30 s after ${kills} kills`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, random() * 300));
      run.child.kill('SIGKILL');
      if ((await run.exited) === 0) break; // it finished before the kill
      progressAtKills.push(await progress());
    }
    // The kills fell while the job was part way through the table, not only before or after it.
    expect(progressAtKills.filter((n) => n > 0 && n < total).length).toBeGreaterThanOrEqual(3);
    const last = startJob(args);
    const timeout = setTimeout(() => last.child.kill('SIGKILL'), 150_000);
    const code = await last.exited;
    clearTimeout(timeout);
    expect(code).toBe(0);
    expect(kills).toBeGreaterThan(0);
    const sortByWord = (rows: Array<Record<string, unknown>>) =>
      rows
        .map((r) => ({ word: r.word, count: Number(r.count) }))
        .sort((a, b) => (a.word! < b.word! ? -1 : 1));
    if (mode === 'state') expect(sortByWord(await rowsOf(admin, upsert))).toEqual(expectedRows);
    expect(sortByWord(await rowsOf(admin, tx))).toEqual(expectedRows);
  } finally {
    await rm(checkpointDir, { recursive: true, force: true });
  }
}

describe('crash loop (SIGKILL) with MariaDB', () => {
  it('running counts (updateStateByKey) through upsert and transactional sinks equal an uninterrupted run after 8 kills', async () => {
    await crashLoop('state');
  }, 240_000);

  it('per-row increments by the transactional sink, resumed from its offsets, equal an uninterrupted run after 8 kills', async () => {
    await crashLoop('aligned');
  }, 240_000);

  it('per-batch increments after reduceByKey (batch markers, checkpoint written before each batch runs) equal an uninterrupted run after 8 kills', async () => {
    await crashLoop('increment');
  }, 240_000);
});
