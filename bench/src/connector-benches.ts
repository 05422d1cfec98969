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

/** HBase sink vs the native client's multi-put, on a real HBase started here. */
export async function hbase(): Promise<{ name: string; results: Result[] }> {
  const { startHBase } = (await import('@dstream/test-servers')) as typeof import('@dstream/test-servers');
  const cluster = await startHBase();
  try {
    return await (await load('connector-hbase/bench/hbase.bench.ts')).run(cluster);
  } finally {
    await cluster.stop();
  }
}
