export type { CheckpointStore } from './checkpoint-store.js';
export type { ClientProvider, ClientProviderStats } from './client-provider.js';
export type { OffsetRange, OffsetStore, TopicPartitionOffset } from './offset-store.js';
export type { Receiver, ReceiverContext } from './receiver.js';
export type { Sink, SinkBatchInfo, SinkContext, SinkGuarantee } from './sink.js';
export type { JsonValue, Source, SourceBatch, SourceContext } from './source.js';
