export { availableCodecs, codecPackages, registerCodecs } from './codecs.js';
export type { OptionalCodec } from './codecs.js';
export { defaultKafkaClient } from './client-options.js';
export type { KafkaClientName, KafkaConnectionOptions } from './client-options.js';
export type {
  KafkaClient,
  KafkaCompression,
  KafkaConsumedBatch,
  KafkaConsumerSettings,
  KafkaFetchRange,
  KafkaGroupAssignor,
  KafkaGroupConsumerClient,
  KafkaGroupMemberClient,
  KafkaGroupMemberInfo,
  KafkaGroupMemberSettings,
  KafkaGroupOffset,
  KafkaHeaders,
  KafkaOutgoingRecord,
  KafkaPartitionInfo,
  KafkaPartitionOffsets,
  KafkaProducerClient,
  KafkaProducerOptions,
  KafkaRawRecord,
  KafkaTopicPartition,
  KafkaTransactionClient,
} from './kafka-client.js';
export { kafkajsClient } from './kafkajs-client.js';
export type { KafkajsClientOptions } from './kafkajs-client.js';
export { platformaticClient } from './platformatic-client.js';
export type { PlatformaticClientOptions } from './platformatic-client.js';
export { platformaticAvailable, platformaticSupported } from './platformatic-api.js';
export { kafkaGroupOffsetStore } from './kafka-group-offset-store.js';
export type { KafkaGroupOffsetStoreOptions } from './kafka-group-offset-store.js';
export { kafkaSink } from './kafka-sink.js';
export type { KafkaBytes, KafkaSinkOptions, KafkaSinkTransactionalOptions } from './kafka-sink.js';
export { roundRobinAssignment } from './group-assignor.js';
export { murmur2, partitionForKey } from './partitioner.js';
export { bufferDeserializer, jsonDeserializer, stringDeserializer } from './deserializers.js';
export type { ConsumerRecord, Deserializer, RecordOrigin } from './deserializers.js';
export { kafkaDirectSource } from './direct-source.js';
export type {
  DirectSourceStats,
  DirectStreamOptions,
  KafkaDirectSource,
  KafkaPlanned,
  SkippedCounter,
  OffsetOutOfRangePolicy,
} from './direct-source.js';
export { directStream } from './direct-stream.js';
export type { SourceRegistry } from './direct-stream.js';
export type { BadRecordPolicy } from './record-decoder.js';
export { kafkaReceiver, receiverStream } from './receiver-stream.js';
export type { ReceiverRegistry, ReceiverStreamOptions } from './receiver-stream.js';
