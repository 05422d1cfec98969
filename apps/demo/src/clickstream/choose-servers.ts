import { connect } from 'node:net';
import { join } from 'node:path';
import type { OutputChoice } from './run-config.js';

/** True when something accepts TCP connections at host:port within `timeoutMs`. */
export function reachable(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface ServerWishes {
  /** --real: Redis and MySQL must be there (no stand-in). */
  readonly real: boolean;
  readonly zookeeper: string | undefined;
  readonly noRedis: boolean;
  readonly noMysql: boolean;
  readonly redis: { readonly host: string; readonly port: number };
  readonly mysql: { readonly host: string; readonly port: number };
}

/** Picks each output's target: the server when reachable (or required), else the file stand-in. */
export async function chooseOutputs(wishes: ServerWishes, runDir: string): Promise<OutputChoice> {
  const standIns = join(runDir, 'stand-ins');
  const { redis, mysql } = wishes;
  const redisUp = !wishes.noRedis && (await reachable(redis.host, redis.port));
  const mysqlUp = !wishes.noMysql && (await reachable(mysql.host, mysql.port));
  if (wishes.real && (!redisUp || !mysqlUp)) {
    const missing = [
      !redisUp && `Redis on ${redis.host}:${redis.port}`,
      !mysqlUp && `MySQL on ${mysql.host}:${mysql.port}`,
    ];
    throw new Error(
      `--real needs ${missing.filter(Boolean).join(' and ')} (start them, or run without --real)`,
    );
  }
  return {
    redis: redisUp ? { url: `redis://${redis.host}:${redis.port}` } : { standIn: standIns },
    mysql: mysqlUp ? { host: mysql.host, port: mysql.port, database: 'test' } : { standIn: standIns },
    hbase: wishes.zookeeper !== undefined ? { zookeeper: wishes.zookeeper } : { standIn: standIns },
  };
}

/** One line per output saying where it goes and why. */
export function describeOutputs(outputs: OutputChoice): string[] {
  const where = (name: string, choice: object, real: string, standIn: string): string =>
    `  ${name.padEnd(9)} → ${'standIn' in choice ? standIn : real}`;
  return [
    where(
      'redis',
      outputs.redis,
      `Redis ${'url' in outputs.redis ? outputs.redis.url : ''}`,
      'embedded stand-in: files via connector-file (no Redis reachable)',
    ),
    where(
      'mysql',
      outputs.mysql,
      `MySQL ${'host' in outputs.mysql ? `${outputs.mysql.host}:${outputs.mysql.port}/${outputs.mysql.database}` : ''}`,
      'embedded stand-in: files via connector-file (no MySQL reachable)',
    ),
    where(
      'hbase',
      outputs.hbase,
      `HBase (ZooKeeper ${'zookeeper' in outputs.hbase ? outputs.hbase.zookeeper : ''})`,
      'embedded stand-in: files via connector-file (HBase only with --real or --zookeeper)',
    ),
  ];
}
