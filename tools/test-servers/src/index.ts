export type { KafkaBroker, KafkaCluster, KafkaVersion, StartKafkaOptions } from './start-kafka.js';
export { KAFKA_VERSIONS, startKafka } from './start-kafka.js';
export { cacheRoot } from './jar-cache.js';
export type { HBaseCluster, HBaseRegionServer, StartHBaseOptions } from './start-hbase.js';
export { HBASE_VERSION, startHBase } from './start-hbase.js';
export type { HBaseAdmin, HBaseRegion } from './hbase-admin.js';
export { openHBaseAdmin } from './hbase-admin.js';
