import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { assertNoLiveOwner } from './pid-file.js';
import { trackChild, untrackChild } from './process-reaper.js';

export interface JvmSpec {
  /** Shown in errors, e.g. `kafka broker 2`. */
  label: string;
  /** Everything after `java`. */
  args: string[];
  /** stdout and stderr are appended here. */
  logFile: string;
  /** Records the pid; a start is refused while the pid recorded here still runs a JVM with `owns`. */
  pidFile: string;
  /** Strings on this JVM's command line that identify what it owns (its config file, its port). */
  owns: string[];
}

export interface JvmExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Last `lines` lines of a log file ('' if it does not exist yet). */
export function logTail(logFile: string, lines = 40): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** One JVM started by the harness: spawned without a shell, so the pid is the JVM's own. */
export class JvmProcess {
  readonly exited: Promise<JvmExit>;
  private readonly child: ChildProcess;
  private exit: JvmExit | undefined;

  constructor(readonly spec: JvmSpec) {
    assertNoLiveOwner(spec.pidFile, spec.owns);
    const fd = openSync(spec.logFile, 'a');
    try {
      this.child = spawn('java', spec.args, { stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    const pid = this.child.pid;
    if (pid !== undefined) {
      trackChild(pid);
      writeFileSync(spec.pidFile, `${pid}\n`);
    }
    this.exited = new Promise((resolve) => {
      const done = (exit: JvmExit) => {
        if (this.exit) return;
        this.exit = exit;
        if (pid !== undefined) {
          untrackChild(pid);
          rmSync(spec.pidFile, { force: true });
        }
        resolve(exit);
      };
      this.child.once('exit', (code, signal) => done({ code, signal }));
      this.child.once('error', () => done({ code: null, signal: null }));
    });
  }

  get pid(): number | undefined {
    return this.exit ? undefined : this.child.pid;
  }

  get alive(): boolean {
    return this.exit === undefined && this.child.pid !== undefined;
  }

  get exitInfo(): JvmExit | undefined {
    return this.exit;
  }

  /** A message for a JVM that died while we waited for it, with the last lines of its log. */
  crashMessage(): string {
    const exit = this.exit;
    const how = exit?.signal ? `signal ${exit.signal}` : `exit code ${exit?.code}`;
    return `${this.spec.label} exited during start (${how}); last lines of ${this.spec.logFile}:\n${logTail(this.spec.logFile)}`;
  }

  /** Sends `signal` and waits for the exit; escalates to SIGKILL after `graceMs`. */
  async kill(signal: NodeJS.Signals = 'SIGKILL', graceMs = 15_000): Promise<JvmExit> {
    if (this.exit) return this.exit;
    this.child.kill(signal);
    if (signal === 'SIGKILL') return this.exited;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const first = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (first !== 'timeout') return first;
    this.child.kill('SIGKILL');
    return this.exited;
  }
}
