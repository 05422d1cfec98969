import { spawn } from 'node:child_process';

/** What a finished command printed and how it ended. */
export interface ExecResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

export interface ExecOptions {
  readonly cwd: string;
  /** Killed with SIGKILL after this long: every command of the check is bounded. */
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
}

/** A started command: its output so far, how it ended, and a way to end it. */
export interface RunningProcess {
  output(): string;
  readonly exited: Promise<ExecResult>;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts `command args` without a shell (no quoting issues, nothing interpolated). */
export function startProcess(command: string, args: readonly string[], options: ExecOptions): RunningProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs);
  const exited = new Promise<ExecResult>((resolve, reject) => {
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      });
    });
  });
  return {
    output: () => Buffer.concat(out).toString('utf8'),
    exited,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Runs `command args` to its end (or its timeout). */
export function exec(command: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
  return startProcess(command, args, options).exited;
}

/** A one-line description of a failed command, with the end of its output. */
export function describeFailure(what: string, result: ExecResult): string {
  const how = result.timedOut ? 'timed out' : `exited with ${result.code ?? result.signal}`;
  const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-30).join('\n');
  return `${what} ${how}:\n${tail}`;
}

/**
 * The environment without what `npm run` and test runners inject (`npm_config_*` could point npm
 * at the repository, NODE_OPTIONS at source conditions or loaders), for commands that must behave
 * as in a user's fresh project.
 */
export function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.toLowerCase().startsWith('npm_') || key === 'NODE_OPTIONS' || key.startsWith('VITEST')) continue;
    env[key] = value;
  }
  return env;
}
