import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface SuperviseOptions {
  /** The job module (.js/.mjs, or .ts/.mts with tsx installed next to it). */
  job: string;
  args?: string[];
  /** Restart the job after it crashes (spark-submit --supervise). */
  supervise?: boolean;
  /** Most restarts before giving up. Default 10. */
  maxRestarts?: number;
  /** First wait before a restart (ms); doubles each time up to 30 s. Default 1000. */
  backoffMs?: number;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

/** Node's arguments for running `job`: TypeScript through tsx, resolved from the job's folder. */
export function nodeArgumentsFor(job: string): string[] {
  const path = resolve(job);
  if (!/\.[cm]?ts$/.test(path)) return [path];
  try {
    const tsx = createRequire(path).resolve('tsx');
    return ['--import', pathToFileURL(tsx).href, path];
  } catch {
    throw new Error(
      `cannot run ${job}: a TypeScript job needs tsx installed in its project (npm install -D tsx), or compile it to .js`,
    );
  }
}

/**
 * Runs a job module in a child process and, with `supervise`, starts it again after a crash, with
 * exponential backoff and a restart limit; the job recovers itself through getOrCreate.
 * SIGTERM/SIGINT are passed on so the job can stop gracefully. Resolves with the exit code.
 */
export async function runJobProcess(options: SuperviseOptions): Promise<number> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const maxRestarts = options.maxRestarts ?? 10;
  let backoff = options.backoffMs ?? 1000;
  const nodeArgs = nodeArgumentsFor(options.job);
  let child: ChildProcess | undefined;
  let stopping = false;
  const forward = (signal: NodeJS.Signals) => () => {
    stopping = true;
    child?.kill(signal);
  };
  const onTerm = forward('SIGTERM');
  const onInt = forward('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  try {
    for (let restarts = 0; ; restarts++) {
      child = spawn(
        process.execPath,
        [...process.execArgv.filter((a) => !a.startsWith('--import')), ...nodeArgs, ...(options.args ?? [])],
        {
          stdio: 'inherit',
        },
      );
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) =>
        child!.on('exit', (c, s) => done([c, s])),
      );
      if (code === 0 || stopping) return code ?? 0;
      const how = signal !== null ? `killed by ${signal}` : `exited with code ${code}`;
      if (!options.supervise) return code ?? 1;
      if (restarts >= maxRestarts) {
        log(`dstream: ${options.job} ${how}; giving up after ${maxRestarts} restarts`);
        return code ?? 1;
      }
      log(
        `dstream: ${options.job} ${how}; restarting in ${backoff} ms (restart ${restarts + 1} of ${maxRestarts})`,
      );
      await new Promise((r) => setTimeout(r, backoff));
      if (stopping) return code ?? 1;
      backoff = Math.min(backoff * 2, 30_000);
    }
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
  }
}
