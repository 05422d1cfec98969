import type { OffsetRange, OffsetStore, TopicPartitionOffset } from '@dstream/core';
import { type KafkaConnectionOptions, clientProvider } from './client-options.js';

export interface KafkaGroupOffsetStoreOptions extends KafkaConnectionOptions {
  /** The consumer group whose committed offsets are the positions. Default: the job id given to load/save. */
  groupId?: string;
}

/**
 * An OffsetStore kept in a Kafka consumer group's committed offsets: what a transactional Kafka sink
 * commits with `sendOffsets`, and what lag tools (kafka-consumer-groups, Burrow) show.
 *
 * ```ts
 * const store = kafkaGroupOffsetStore({ brokers: ['127.0.0.1:9092'], groupId: 'clicks-job' });
 * directStream(ctx, { brokers, topics: ['clicks'], groupId: 'clicks-job', offsetStore: store });
 * ```
 */
export function kafkaGroupOffsetStore(options: KafkaGroupOffsetStoreOptions): OffsetStore {
  const provider = clientProvider(options, 'kafkaGroupOffsetStore');
  const group = (jobId: string): string => options.groupId ?? jobId;
  return {
    name: `kafka consumer group${options.groupId === undefined ? '' : ` '${options.groupId}'`}`,
    async load(jobId, topics): Promise<TopicPartitionOffset[]> {
      return provider.use((client) => client.groupOffsets(group(jobId), topics));
    },
    async save(jobId, ranges: readonly OffsetRange[]) {
      const offsets = ranges.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.untilOffset }));
      await provider.use((client) => client.commitGroupOffsets(group(jobId), offsets));
    },
    async close() {
      await provider.close();
    },
  };
}
