import { type ChildProcess, spawn } from 'node:child_process';

// A tiny detached Node process that holds the pids of every JVM this process started and SIGKILLs them
// when our end of its stdin pipe closes - which the kernel does whenever this process dies, even by
// SIGKILL or a crash that skips 'exit' handlers. Test runners that kill their workers therefore never
// leave brokers behind.
const REAPER_SOURCE = `
const pids = new Set();
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
    const pid = Number(line.slice(1));
    if (line[0] === '+') pids.add(pid); else pids.delete(pid);
  }
});
const reap = () => {
  for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  process.exit(0);
};
process.stdin.on('end', reap);
process.stdin.on('error', reap);
`;

const tracked = new Set<number>();
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
    for (const pid of tracked) reaper.stdin?.write(`+${pid}\n`);
  }
  reaper.stdin?.write(`${line}\n`);
}

/** Registers a child pid to be killed if this process exits without stopping it. */
export function trackChild(pid: number): void {
  tracked.add(pid);
  send(`+${pid}`);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const child of tracked) {
        try {
          process.kill(child, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }
}

/** Forgets a child that has exited (so a recycled pid is never killed). */
export function untrackChild(pid: number): void {
  if (!tracked.delete(pid)) return;
  send(`-${pid}`);
}
