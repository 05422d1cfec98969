import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { nodeArgumentsFor, runJobProcess } from '../src/cli/supervisor.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'dstream-cli-'));
  dirs.push(d);
  return d;
};

describe('dstream run --supervise', () => {
  it('restarts a crashing job with backoff until it succeeds', async () => {
    const counter = join(await tempDir(), 'runs');
    const lines: string[] = [];
    const code = await runJobProcess({
      job: fixture('crashing-job.ts'),
      args: [counter, '3'],
      supervise: true,
      backoffMs: 10,
      log: (l) => lines.push(l),
    });
    expect(code).toBe(0);
    expect(await readFile(counter, 'utf8')).toBe('3');
    expect(lines[0]).toMatch(/exited with code 1; restarting in 10 ms \(restart 1 of 10\)/);
    expect(lines[1]).toMatch(/restarting in 20 ms/);
  }, 30_000);

  it('gives up after maxRestarts, and does not restart without --supervise', async () => {
    const counter = join(await tempDir(), 'runs');
    const lines: string[] = [];
    expect(
      await runJobProcess({
        job: fixture('crashing-job.ts'),
        args: [counter, '99'],
        supervise: true,
        maxRestarts: 2,
        backoffMs: 5,
        log: (l) => lines.push(l),
      }),
    ).toBe(1);
    expect(await readFile(counter, 'utf8')).toBe('3');
    expect(lines.at(-1)).toMatch(/giving up after 2 restarts/);
    const once = join(await tempDir(), 'runs');
    expect(await runJobProcess({ job: fixture('crashing-job.ts'), args: [once, '99'] })).toBe(1);
    expect(await readFile(once, 'utf8')).toBe('1');
  }, 30_000);

  it('prints usage for a bad command line and names a missing tsx', async () => {
    expect(await main(['nope'])).toBe(2);
    expect(await main(['run'])).toBe(2);
    expect(nodeArgumentsFor('/tmp/job.js')).toEqual(['/tmp/job.js']);
    expect(() => nodeArgumentsFor('/nonexistent-root/job.ts')).toThrow(/needs tsx installed in its project/);
  });
});

describe('stopGracefullyOnShutdown', () => {
  it('SIGTERM stops the job gracefully: everything received is processed and checkpointed, exit code 0', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out.txt');
    const child = spawn(
      process.execPath,
      [...nodeArgumentsFor(fixture('graceful-job.ts')), join(dir, 'ckpt'), out],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    for (let i = 0; i < 200 && !stdout.includes('ready'); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 700));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/stopped after stopped/);
    const numbers = (await readFile(out, 'utf8')).trim().split('\n').map(Number);
    // Every record the receiver stored before it stopped was processed, in order, once.
    expect(numbers).toEqual(numbers.map((_, i) => i));
    expect(numbers.length).toBeGreaterThan(20);
    expect((await readdir(join(dir, 'ckpt'))).some((f) => f.startsWith('checkpoint-'))).toBe(true);
  }, 30_000);
});
