export type { KafkaBroker, KafkaCluster, KafkaVersion, StartKafkaOptions } from './start-kafka.js';
export { KAFKA_VERSIONS, startKafka } from './start-kafka.js';
export { cacheRoot } from './jar-cache.js';
