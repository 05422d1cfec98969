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
export { DStream } from './dstream/dstream.js';
export type { PartitionScan } from './dstream/dstream.js';
export type { ForeachPartitionContext } from './dstream/output-operations.js';
export { formatRecord } from './dstream/output-operations.js';
export type { QueueStreamOptions } from './dstream/input-streams.js';
export type { MapWithStateDStream, State, StateSpec } from './dstream/state-operations.js';
export type { Pair } from './dstream/types.js';
export { StreamingContext } from './streaming-context.js';
export type {
  CheckpointOptions,
  ContextState,
  GetOrCreateOptions,
  Job,
  StreamingContextOptions,
} from './streaming-context.js';
export { localCheckpointStore } from './checkpoint/local-checkpoint-store.js';
export { Accumulator } from './accumulators.js';
export type { Broadcast } from './accumulators.js';
export type { CheckpointData } from './checkpoint/checkpoint-data.js';
export { ManualClock, SystemClock } from './scheduler/clock.js';
export type { Clock, ClockTimer } from './scheduler/clock.js';
export { consoleLogger } from './listener.js';
export type { BatchInfo, Logger, OutputOperationInfo, ReceiverInfo, StreamingListener } from './listener.js';
export type { DeliveryGuarantee, OutputGuarantee } from './guarantees.js';
export { partitionOf, stableHash } from './stable-hash.js';
export type { Key } from './stable-hash.js';
export { socketReceiver } from './receiver/socket-receiver.js';
