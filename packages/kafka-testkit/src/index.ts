export { ApiKey, type ApiKeyValue } from './protocol/api-keys.js';
export { ErrorCode, type ErrorCodeValue } from './protocol/error-codes.js';
export type { RecordData, RecordInput } from './protocol/record-batch.js';
export {
  type CommittedGroupOffset,
  KafkaTestCluster,
  type KafkaTestClusterOptions,
} from './kafka-test-cluster.js';
