/** The demo's command line (`npm run demo -- --help`). */
export interface DemoOptions {
  readonly real: boolean;
  readonly kafka: string | undefined;
  readonly zookeeper: string | undefined;
  readonly runDir: string | undefined;
  readonly duration: number | undefined;
  readonly events: number | undefined;
  readonly rate: number;
  readonly batchInterval: number;
  readonly seed: number;
  readonly statusPort: number | undefined;
  readonly exitWhenDrained: boolean;
  readonly verify: boolean;
  readonly noRedis: boolean;
  readonly noMysql: boolean;
  /** host:port of Redis and MySQL (default 127.0.0.1:6379 and 127.0.0.1:3306). */
  readonly redis: { readonly host: string; readonly port: number };
  readonly mysql: { readonly host: string; readonly port: number };
  /** Where the status page listens (127.0.0.1 unless a container publishes it). */
  readonly statusHost: string;
}

export const usage = `dstream demo: the clickstream pipeline (Kafka → clean → Kafka, Redis, MySQL, HBase)

  --real                  real Kafka and HBase (tools/test-servers) and this machine's Redis/MySQL
  --kafka host:port,...   use this Kafka instead of starting one
  --zookeeper host:port   use this HBase (its ZooKeeper) instead of the stand-in / starting one
  --run-dir DIR           run state (run.json, checkpoint, stand-ins); an existing one is resumed
  --duration MS           stop gracefully after MS milliseconds
  --events N              the generator stops once the input topic holds N events
  --exit-when-drained     stop once the generator is done and the job has processed everything
  --verify                check every output against the generator when stopping (exit 1 if wrong)
  --rate N                generated events per second (default 200)
  --batch-interval MS     default 1000 (window 10 s, slide 5 s)
  --seed N                the generator's seed (default 7)
  --status-port N         status page port (default 4040; 0 = any free port; -1 = none)
  --status-host HOST      status page address (default 127.0.0.1)
  --redis host:port       default 127.0.0.1:6379
  --mysql host:port       default 127.0.0.1:3306 (user root, no password, database test)
  --no-redis, --no-mysql  use the stand-in even if the server is reachable`;

export class UsageError extends Error {}

export function parseDemoOptions(argv: readonly string[]): DemoOptions {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const known = new Set([
    'kafka',
    'zookeeper',
    'run-dir',
    'duration',
    'events',
    'rate',
    'batch-interval',
    'seed',
    'status-port',
    'redis-port',
    'mysql-port',
  ]);
  const knownFlags = new Set(['real', 'exit-when-drained', 'verify', 'no-redis', 'no-mysql', 'help']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const name = arg.slice(2);
    if (knownFlags.has(name)) flags.add(name);
    else if (known.has(name)) {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      values.set(name, value);
    } else throw new UsageError(`unknown option ${arg}`);
  }
  if (flags.has('help')) throw new UsageError('');
  const num = (name: string, fallback: number | undefined, min: number): number | undefined => {
    const raw = values.get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min)
      throw new UsageError(`--${name} needs an integer >= ${min}, got ${JSON.stringify(raw)}`);
    return n;
  };
  return {
    real: flags.has('real'),
    kafka: values.get('kafka'),
    zookeeper: values.get('zookeeper'),
    runDir: values.get('run-dir'),
    duration: num('duration', undefined, 1),
    events: num('events', undefined, 1),
    rate: num('rate', 200, 1)!,
    batchInterval: num('batch-interval', 1000, 100)!,
    seed: num('seed', 7, 0)!,
    statusPort: (() => {
      const p = num('status-port', 4040, -1)!;
      return p < 0 ? undefined : p;
    })(),
    exitWhenDrained: flags.has('exit-when-drained'),
    verify: flags.has('verify'),
    noRedis: flags.has('no-redis'),
    noMysql: flags.has('no-mysql'),
    redis: hostPort('redis', values.get('redis') ?? '127.0.0.1:6379'),
    mysql: hostPort('mysql', values.get('mysql') ?? '127.0.0.1:3306'),
    statusHost: values.get('status-host') ?? '127.0.0.1',
  };
}

function hostPort(name: string, value: string): { host: string; port: number } {
  const m = /^([^:\s]+):(\d{1,5})$/.exec(value);
  if (m === null) throw new UsageError(`--${name} needs host:port, got ${JSON.stringify(value)}`);
  return { host: m[1]!, port: Number(m[2]) };
}
