import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describeFailure, exec } from './exec.js';

/** True while process `pid` exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Holds `<root>/node_modules/.cache/dstream-release-build.lock` while `fn` runs: the release check
 * and the HBase README test may build at the same time in one `npm test`, and one must not pack a
 * dist/ file the other is rewriting. A lock whose owner died is taken over; the wait is bounded.
 */
async function withBuildLock<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(root, 'node_modules', '.cache', 'dstream-release-build.lock');
  mkdirSync(join(lock, '..'), { recursive: true });
  const deadline = Date.now() + 900_000;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(lock, 'utf8').trim() || 'NaN');
      if (Number.isInteger(owner) && !alive(owner)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${lock} still held by process ${owner} after 15 min`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/**
 * `turbo run build` of the named packages (and what they depend on), then `fn` (the packing) with
 * the build lock still held; cached outputs are reused.
 */
export async function build<T = void>(
  root: string,
  names: readonly string[],
  fn: () => Promise<T> = async () => undefined as T,
): Promise<T> {
  return withBuildLock(root, async () => {
    const filters = names.map((name) => `--filter=${name}`);
    const result = await exec(join(root, 'node_modules', '.bin', 'turbo'), ['run', 'build', ...filters], {
      cwd: root,
      timeoutMs: 600_000,
    });
    if (result.code !== 0) throw new Error(describeFailure('turbo run build', result));
    return fn();
  });
}
