import { randomUUID } from 'node:crypto';
import { useHBase } from '@dstream/test-servers/vitest';
import { type HBaseClientOptions, createHBaseClient, type HBaseClient } from '../../src/index.js';

/**
 * The ZooKeeper quorum of the shared HBase of this test run (tools/test-servers starts HBase 2.6 with
 * two region servers from Maven Central jars). DSTREAM_HBASE_ZOOKEEPER points the tests at a
 * running cluster instead.
 */
export async function hbaseZookeeper(): Promise<string> {
  const override = process.env.DSTREAM_HBASE_ZOOKEEPER;
  if (override) return override;
  try {
    return (await useHBase()).zookeeper;
  } catch (error) {
    throw new Error(
      `no HBase for connector-hbase's integration tests (${(error as Error).message}). Run them from the repo root with ` +
        '`npx vitest run packages/connector-hbase` (tools/test-servers starts HBase; needs Java 17 and Maven), ' +
        'or set DSTREAM_HBASE_ZOOKEEPER=host:port to use a running HBase 2.x.',
    );
  }
}

export async function testClient(options: Partial<HBaseClientOptions> = {}): Promise<HBaseClient> {
  return createHBaseClient({ zookeeper: await hbaseZookeeper(), operationTimeoutMs: 30_000, ...options });
}

/** A fresh table name; `prefix` lets tests create tables whose names share a prefix. */
export function freshTable(prefix = 't'): string {
  return `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

export function rowKey(i: number): string {
  return `row-${String(i).padStart(5, '0')}`;
}
