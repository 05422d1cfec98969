import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const job = fileURLToPath(new URL('../fixtures/crash-job.ts', import.meta.url));
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x1_0000_0000;
  };
}

function startJob(args: string[]): {
  child: ChildProcess;
  ready: Promise<string>;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--conditions=@dstream/source', '--import', 'tsx', job, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\w+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code, signal) =>
      reject(new Error(`job exited (${code ?? signal}) before ready: ${err.slice(-2000)}`)),
    );
  });
  ready.catch(() => undefined);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, ready, exited };
}

/** The running totals of the newest complete batch output (directories with _SUCCESS). */
async function finalTotals(outDir: string): Promise<Map<string, number>> {
  const batches = (await readdir(outDir))
    .filter((n) => n.startsWith('totals-'))
    .sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)));
  for (const name of batches.reverse()) {
    const files = await readdir(join(outDir, name));
    if (!files.includes('_SUCCESS')) continue;
    const totals = new Map<string, number>();
    for (const f of files.filter((n) => n.startsWith('part-'))) {
      for (const line of (await readFile(join(outDir, name, f), 'utf8')).split('\n')) {
        if (line === '') continue;
        const [w, n] = line.split('\t');
        totals.set(w!, Number(n));
      }
    }
    return totals;
  }
  throw new Error(`no complete batch output in ${outDir}`);
}

describe('crash loop: files → updateStateByKey → file sink, SIGKILLed and restarted with getOrCreate', () => {
  const root = mkdtemp(join(tmpdir(), 'dstream-crash-'));
  afterAll(async () => rm(await root, { recursive: true, force: true }));

  it('20 SIGKILLs at random moments: the final totals equal an uninterrupted run and the true counts', async () => {
    const base = await root;
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const input = join(base, 'input');
    await mkdir(input);
    const expected = new Map<string, number>();
    for (let f = 0; f < 60; f++) {
      const lines: string[] = [];
      for (let l = 0; l < 20; l++) {
        const words = Array.from(
          { length: 1 + Math.floor(random() * 6) },
          () => WORDS[Math.floor(random() * WORDS.length)]!,
        );
        for (const w of words) expected.set(w, (expected.get(w) ?? 0) + 1);
        lines.push(words.join(' '));
      }
      // Written under a temporary name and renamed in, as writers of a watched directory do.
      await writeFile(join(input, `.f${f}.tmp`), `${lines.join('\n')}\n`);
      await rename(join(input, `.f${f}.tmp`), join(input, `f${String(f).padStart(3, '0')}.txt`));
    }

    // The reference: one uninterrupted run.
    const calm = startJob([input, join(base, 'calm', 'totals'), join(base, 'calm-checkpoint'), '8']);
    expect(await calm.ready).toBe('fresh');
    expect(await calm.exited).toBe(0);
    const reference = await finalTotals(join(base, 'calm'));

    // The same job killed 20 times.
    const out = join(base, 'crashy', 'totals');
    const checkpoint = join(base, 'crashy-checkpoint');
    let restored = 0;
    for (let kill = 0; kill < 20; kill++) {
      const run = startJob([input, out, checkpoint, '1000']);
      if ((await run.ready) === 'restored') restored++;
      await new Promise((r) => setTimeout(r, Math.floor(random() * 400)));
      run.child.kill('SIGKILL');
      await run.exited;
    }
    const last = startJob([input, out, checkpoint, '8']);
    await last.ready;
    expect(await last.exited).toBe(0);
    const crashed = await finalTotals(join(base, 'crashy'));

    // A kill before the first checkpoint was written leaves nothing to restore; most runs restore.
    expect(restored, `seed ${seed}`).toBeGreaterThanOrEqual(10);
    expect(reference, `seed ${seed}`).toEqual(expected);
    expect(crashed, `seed ${seed}`).toEqual(reference);
  }, 240_000);
});
