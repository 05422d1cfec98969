export type { Batch, Time } from './batch.js';
export { batchRecords, batchSize } from './batch.js';
export { closeExecutorClients, perExecutor, pooled } from './client-providers.js';
export type { PerExecutorOptions, PooledOptions } from './client-providers.js';
export type {
  CheckpointStore,
  ClientProvider,
  ClientProviderStats,
  JsonValue,
  OffsetRange,
  OffsetStore,
  Receiver,
  ReceiverContext,
  Sink,
  SinkBatchInfo,
  SinkContext,
  SinkGuarantee,
  Source,
  SourceBatch,
  SourceContext,
  TopicPartitionOffset,
} from './contracts/index.js';
export {
  CheckpointError,
  ConfigError,
  ConnectionError,
  DStreamError,
  GuaranteeError,
  OffsetOutOfRangeError,
  SerializationError,
  SinkWriteError,
  SourceReadError,
  StateError,
  TaskFailedError,
  TimeoutError,
  errorCodes,
} from './errors.js';
export type { DStreamErrorOptions, ErrorCode } from './errors.js';
