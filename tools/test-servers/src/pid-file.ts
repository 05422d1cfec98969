import { readFileSync } from 'node:fs';

/** True if a process with this pid exists (and is not a zombie we could still reap). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // "<pid> (<comm>) <state> ..." - a zombie has exited already
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/**
 * Refuses to start a JVM on `dataDir` while the JVM recorded in `pidFile` still runs on it: two Kafka
 * processes on one data dir corrupt `__cluster_metadata` for good (seen in the recipe runs). The command
 * line must contain every marker (e.g. the node's config file), so a recycled pid of an unrelated
 * process does not block a restart.
 */
export function assertNoLiveOwner(pidFile: string, markers: string[]): void {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isPidAlive(pid)) return;
  const cmd = commandLine(pid);
  if (cmd === '' || markers.every((marker) => cmd.includes(marker))) {
    throw new Error(
      `refusing to start a second JVM for ${markers.join(' ')}: pid ${pid} (from ${pidFile}) still runs it`,
    );
  }
}
