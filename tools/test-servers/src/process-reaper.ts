import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

// A tiny detached Node process that holds the pids of every JVM this process started and their temp
// dirs, and SIGKILLs the JVMs and removes the dirs when our end of its stdin pipe closes - which the
// kernel does whenever this process dies, even by SIGKILL or a crash that skips 'exit' handlers. Test
// runners that kill their workers therefore never leave brokers behind.
const REAPER_SOURCE = `
const { rmSync } = require('node:fs');
const pids = new Set();
const dirs = new Set();
let buffer = '';
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let newline;
  while ((newline = buffer.indexOf('\\n')) >= 0) {
    const line = buffer.slice(0, newline);
    buffer = buffer.slice(newline + 1);
    const [op, value] = [line.slice(0, 2), line.slice(2)];
    if (op === '+p') pids.add(Number(value));
    else if (op === '-p') pids.delete(Number(value));
    else if (op === '+d') dirs.add(value);
    else if (op === '-d') dirs.delete(value);
  }
});
const reap = () => {
  for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  setTimeout(() => {
    for (const dir of dirs) { try { rmSync(dir, { recursive: true, force: true }); } catch {} }
    process.exit(0);
  }, pids.size > 0 ? 500 : 0);
};
process.stdin.on('end', reap);
process.stdin.on('error', reap);
`;

const tracked = new Set<number>();
const trackedDirs = new Set<string>();
let reaper: ChildProcess | undefined;
let exitHookInstalled = false;

function send(line: string): void {
  if (!reaper || reaper.exitCode !== null || !reaper.stdin?.writable) {
    reaper = spawn(process.execPath, ['-e', REAPER_SOURCE], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    reaper.on('error', () => {});
    reaper.stdin?.on('error', () => {});
    reaper.unref();
    (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    for (const pid of tracked) reaper.stdin?.write(`+p${pid}\n`);
    for (const dir of trackedDirs) reaper.stdin?.write(`+d${dir}\n`);
  }
  reaper.stdin?.write(`${line}\n`);
}

/** Registers a child pid to be killed if this process exits without stopping it. */
export function trackChild(pid: number): void {
  tracked.add(pid);
  send(`+p${pid}`);
  installExitHook();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of tracked) {
      try {
        process.kill(child, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const dir of trackedDirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** Registers a temp dir to be removed if this process exits without removing it. */
export function trackDir(dir: string): void {
  trackedDirs.add(dir);
  send(`+d${dir}`);
  installExitHook();
}

/** Forgets a temp dir that was removed. */
export function untrackDir(dir: string): void {
  if (!trackedDirs.delete(dir)) return;
  send(`-d${dir}`);
}

/** Forgets a child that has exited (so a recycled pid is never killed). */
export function untrackChild(pid: number): void {
  if (!tracked.delete(pid)) return;
  send(`-p${pid}`);
}
