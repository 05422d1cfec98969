/**
 * A job module for executors.test.ts: the driver and each worker-thread executor import it and
 * build the same graph, so each executor makes its own sink and its own small pool. The tables come
 * from DSTREAM_MYSQL_EXECUTOR_TABLES (set by the test before the executors start).
 */
import type { StreamingContext } from '@dstream/core';
import { type MysqlSink, mysqlSink } from '../../src/index.js';
import { connection } from './mariadb.js';

/** The driver pushes batches here; executors have their own (unused) copy. */
export const queue: string[][] = [];
/** The sinks this module instance made (on the driver: the one whose writes should all run elsewhere). */
export const sinks: Array<MysqlSink<[string, number]>> = [];

export function pageViews(ctx: StreamingContext): void {
  const tables = JSON.parse(process.env.DSTREAM_MYSQL_EXECUTOR_TABLES ?? '{}') as {
    table: string;
    markerTable: string;
    offsetTable: string;
  };
  const sink = mysqlSink<[string, number]>({
    connection,
    maxConnections: 2,
    ...tables,
    columns: ['page', 'views'],
    key: 'page',
    mode: 'transactional',
    update: { views: 'increment' },
    maxRowsPerStatement: 1,
  });
  sinks.push(sink);
  ctx
    .queueStream(queue, { partitionSize: 5 })
    .map((page): [string, number] => [page, 1])
    .reduceByKey((a, b) => a + b, 6)
    .to(sink);
}
