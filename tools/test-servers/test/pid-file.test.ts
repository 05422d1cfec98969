import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertNoLiveOwner, isPidAlive } from '../src/pid-file.js';
import { freePorts } from '../src/ports.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-pid-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('assertNoLiveOwner', () => {
  it('refuses while the recorded pid still runs a process whose command line names the owner', async () => {
    const marker = `owner-${randomUUID()}`;
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', marker], { stdio: 'ignore' });
    try {
      const pidFile = join(dir, 'live.pid');
      writeFileSync(pidFile, `${child.pid}\n`);
      expect(isPidAlive(child.pid as number)).toBe(true);
      expect(() => assertNoLiveOwner(pidFile, [marker])).toThrow(/refusing to start a second JVM/);
      // a live pid running something else (a recycled pid) does not block
      expect(() => assertNoLiveOwner(pidFile, [`other-${randomUUID()}`])).not.toThrow();
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    expect(isPidAlive(child.pid as number)).toBe(false);
    const pidFile = join(dir, 'dead.pid');
    writeFileSync(pidFile, `${child.pid}\n`);
    expect(() => assertNoLiveOwner(pidFile, [marker])).not.toThrow();
    expect(() => assertNoLiveOwner(join(dir, 'missing.pid'), [marker])).not.toThrow();
  });
});

describe('freePorts', () => {
  it('hands out distinct loopback ports below the ephemeral range, never twice', async () => {
    const first = await freePorts(4);
    const second = await freePorts(4);
    const all = [...first, ...second];
    expect(new Set(all).size).toBe(8);
    for (const port of all) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(32_000);
    }
  });
});
