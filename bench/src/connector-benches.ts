import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Result } from './measure.js';

/** What each connector's bench file exports (packages/<connector>/bench/*.bench.ts). */
interface ConnectorBench {
  run(...args: unknown[]): Promise<{ name: string; results: Result[] }>;
}

async function load(path: string): Promise<ConnectorBench> {
  const module = (await import(
    new URL(`../../packages/${path}`, import.meta.url).href
  )) as Partial<ConnectorBench>;
  if (typeof module.run !== 'function') throw new Error(`packages/${path} exports no run()`);
  return module as ConnectorBench;
}

/** MySQL sink vs a hand-written mysql2 multi-row insert (MariaDB on 127.0.0.1:3306). */
export async function mysql(): Promise<{ name: string; results: Result[] }> {
  return (await load('connector-mysql/bench/mysql-sink.bench.ts')).run();
}

/** Redis sink vs a hand-written ioredis pipeline (Redis on 127.0.0.1:6379). */
export async function redis(): Promise<{ name: string; results: Result[] }> {
  return (await load('connector-redis/bench/redis-sink.bench.ts')).run();
}

/** Kafka → map → Kafka through dstream vs a kafkajs loop, on a real broker started here. */
export async function kafka(): Promise<{ name: string; results: Result[] }> {
  const { startKafka } = (await import('@dstream/test-servers')) as typeof import('@dstream/test-servers');
  const cluster = await startKafka({ brokers: 1 });
  try {
    return await (await load('connector-kafka/bench/kafka.bench.ts')).run(cluster.bootstrap);
  } finally {
    await cluster.stop();
  }
}

/** The same Kafka → map → Kafka comparison on @dstream/kafka-testkit (in this process). */
export async function kafkaTestkit(): Promise<{ name: string; results: Result[] }> {
  const { KafkaTestCluster } = (await import(
    '@dstream/kafka-testkit'
  )) as typeof import('@dstream/kafka-testkit');
  const cluster = await KafkaTestCluster.start({ brokers: 1 });
  try {
    const { name, results } = await (await load('connector-kafka/bench/kafka.bench.ts')).run(
      cluster.bootstrap,
    );
    return { name: `${name} — on @dstream/kafka-testkit`, results };
  } finally {
    await cluster.stop();
  }
}

/**
 * HBase sink vs the native client's multi-put, on a real HBase started here. The HBase bench is a
 * script that prints its own table; it runs as a child process against this HBase.
 */
export async function hbase(): Promise<void> {
  const { startHBase } = (await import('@dstream/test-servers')) as typeof import('@dstream/test-servers');
  const cluster = await startHBase({ fastStart: false });
  try {
    const script = fileURLToPath(
      new URL('../../packages/connector-hbase/bench/hbase.bench.ts', import.meta.url),
    );
    const child = spawnSync(process.execPath, [...process.execArgv, script, cluster.zookeeper], {
      stdio: 'inherit',
    });
    if (child.status !== 0) throw new Error(`the HBase bench exited with ${child.status}`);
  } finally {
    await cluster.stop();
  }
}
