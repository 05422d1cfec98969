import { createHBaseClient } from '@dstream/connector-hbase';
import kafkajs from 'kafkajs';
import { createConnection } from 'mysql2/promise';
import { HISTORY_FAMILY } from './outputs.js';
import type { RunConfig } from './run-config.js';

/**
 * Creates what the job writes into, before it starts (idempotent: a restart finds them there):
 * the three topics, the MySQL table, the HBase table. Stand-ins need nothing.
 */
export async function prepareOutputs(config: RunConfig): Promise<void> {
  const kafka = new kafkajs.Kafka({ brokers: [...config.brokers], logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const topics = Object.values(config.topics).filter((t) => !existing.has(t));
    if (topics.length > 0)
      await admin.createTopics({
        topics: topics.map((topic) => ({ topic, numPartitions: config.partitions })),
        waitForLeaders: true,
      });
  } finally {
    await admin.disconnect();
  }
  const mysql = config.outputs.mysql;
  if (!('standIn' in mysql)) {
    const c = await createConnection({
      host: mysql.host,
      port: mysql.port,
      user: 'root',
      database: mysql.database,
    });
    try {
      await c.query(
        `CREATE TABLE IF NOT EXISTS \`${config.names.totalsTable}\` (user VARCHAR(64) PRIMARY KEY, views BIGINT NOT NULL, last_page VARCHAR(128) NOT NULL, last_seen BIGINT NOT NULL) ENGINE=InnoDB`,
      );
    } finally {
      await c.end();
    }
  }
  const hbase = config.outputs.hbase;
  if (!('standIn' in hbase)) {
    const client = createHBaseClient({ zookeeper: hbase.zookeeper });
    try {
      await client.admin.createTable(config.names.historyTable, { families: [HISTORY_FAMILY] });
    } catch (error) {
      if (!/TableExists/i.test(String(error))) throw error;
    } finally {
      await client.close();
    }
  }
}
