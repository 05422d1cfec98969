import type { DStream, Source } from '@dstream/core';
import { type DirectStreamOptions, kafkaDirectSource } from './direct-source.js';
import type { ConsumerRecord } from './deserializers.js';

/** The part of StreamingContext a direct stream needs. */
export interface SourceRegistry {
  source<R, T = R>(source: Source<T, R>): DStream<T>;
  /** Core's accumulators: records skipped on executors are counted in the driver's stats. */
  accumulator?(name: string): { add(amount: number): void; readonly value: number };
}

/**
 * Spark's `KafkaUtils.createDirectStream`: one batch partition per Kafka partition, exactly-once
 * offset ranges per batch, resumable from the checkpoint or an offset store.
 *
 * ```ts
 * const clicks = directStream(ctx, {
 *   brokers: ['127.0.0.1:9092'], topics: ['clicks'], groupId: 'clicks-job',
 *   maxRatePerPartition: 1000, deserializer: { value: jsonDeserializer<Click>() },
 * });
 * clicks.map((r) => r.value).to(kafkaSink({ brokers, topic: 'clean' }));
 * ```
 */
export function directStream<K = string | null, V = string | null>(
  ctx: SourceRegistry,
  options: DirectStreamOptions<K, V>,
): DStream<ConsumerRecord<K, V>> {
  const skipped = ctx.accumulator?.(`directStream ${options.name ?? options.topics.join(',')} skipped`);
  return ctx.source(kafkaDirectSource<K, V>(options, skipped));
}
