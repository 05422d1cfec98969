import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const names =
  process.argv.slice(2).length > 0
    ? process.argv.slice(2)
    : [
        'wordcount',
        'reduce-1k',
        'reduce-100k',
        'empty-batch',
        'checkpoint',
        'executors',
        'transfer',
        'overload',
        'kafka-wordcount',
        'mysql',
        'redis',
        'kafka',
        'kafka-testkit',
        'hbase',
      ];
const rounds = process.env.BENCH_ROUNDS ?? '5';
console.log(
  `dstream benchmarks — Node ${process.version}, ${rounds} interleaved rounds each (best round reported)`,
);
const script = fileURLToPath(new URL('./run-one.ts', import.meta.url));
let failed = false;
for (const name of names) {
  const child = spawnSync(process.execPath, [...process.execArgv, script, name], {
    stdio: 'inherit',
    env: process.env,
  });
  if (child.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
