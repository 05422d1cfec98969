import { runJobProcess } from './supervisor.js';

const usage = `usage: dstream run <job module> [--supervise] [--max-restarts N] [--backoff MS] [-- job arguments]

  Runs a job module (a script that builds a StreamingContext, usually with getOrCreate, and starts it).
  --supervise       restart the job after a crash, with exponential backoff (spark-submit --supervise)
  --max-restarts N  give up after N restarts (default 10)
  --backoff MS      first wait before a restart (default 1000, doubling up to 30000)`;

/** The `dstream` command. Returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, job, ...rest] = argv;
  if (command !== 'run' || job === undefined || job.startsWith('-')) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const split = rest.indexOf('--');
  const flags = split >= 0 ? rest.slice(0, split) : rest;
  const args = split >= 0 ? rest.slice(split + 1) : [];
  const number = (name: string, fallback: number): number => {
    const i = flags.indexOf(name);
    if (i < 0) return fallback;
    const value = Number(flags[i + 1]);
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`${name} needs a whole number >= 0, got ${JSON.stringify(flags[i + 1])}`);
    return value;
  };
  try {
    return await runJobProcess({
      job,
      args,
      supervise: flags.includes('--supervise'),
      maxRestarts: number('--max-restarts', 10),
      backoffMs: number('--backoff', 1000),
    });
  } catch (error) {
    process.stderr.write(`dstream: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}
