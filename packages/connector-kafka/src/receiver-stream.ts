import type { DStream, Receiver, ReceiverContext } from '@dstream/core';
import { ConfigError } from '@dstream/core';
import { type KafkaConnectionOptions, clientProvider } from './client-options.js';
import type { ConsumerRecord, Deserializer } from './deserializers.js';
import { stringDeserializer } from './deserializers.js';
import type { KafkaClient, KafkaGroupConsumerClient } from './kafka-client.js';
import { type BadRecordPolicy, RecordDecoder } from './record-decoder.js';

export interface ReceiverStreamOptions<K, V> extends KafkaConnectionOptions {
  topics: readonly string[];
  /** The consumer group the receiver joins (several receivers in one group split the partitions). */
  groupId: string;
  /** Where a group without committed offsets starts. Default 'latest'. */
  startingOffsets?: 'earliest' | 'latest';
  /**
   * Spark's reliable receiver: each fetched batch is stored as one block with `storeAll`, and its
   * offsets are committed only after that resolves (durable with the WAL on). Default true.
   * false: records are `store()`d one by one and offsets committed at once (may lose records on a crash).
   */
  reliable?: boolean;
  deserializer?: { key?: Deserializer<K>; value?: Deserializer<V> };
  onDeserializationError?: BadRecordPolicy;
  name?: string;
}

/**
 * A consumer-group receiver (Spark's `KafkaUtils.createStream`) as a core Receiver.
 *
 * ```ts
 * const events = ctx.receiverStream(kafkaReceiver({ brokers, topics: ['events'], groupId: 'job' }));
 * ```
 */
export function kafkaReceiver<K = string | null, V = string | null>(
  options: ReceiverStreamOptions<K, V>,
): Receiver<ConsumerRecord<K, V>> {
  if (options.topics.length === 0) throw new ConfigError('receiverStream: topics is empty');
  if (options.groupId.length === 0) throw new ConfigError('receiverStream: groupId is empty');
  const reliable = options.reliable ?? true;
  const provider = clientProvider(options, 'receiverStream');
  let client: KafkaClient | undefined;
  let consumer: KafkaGroupConsumerClient | undefined;
  let decoder: RecordDecoder<K, V> | undefined;
  // The next offset this receiver has stored, per partition. kafkajs hands records over again from
  // the group's committed offset after a rebalance (a heartbeat missed under load, a commit refused
  // mid-rebalance); what this receiver already stored is skipped, not stored twice.
  const storedUntil = new Map<string, number>();

  return {
    name: options.name ?? `kafka receiver ${options.topics.join(',')}`,
    reliable,
    async onStart(context: ReceiverContext<ConsumerRecord<K, V>>) {
      const c = await provider.acquire();
      client = c;
      const d = new RecordDecoder<K, V>({
        key: options.deserializer?.key ?? (stringDeserializer as unknown as Deserializer<K>),
        value: options.deserializer?.value ?? (stringDeserializer as unknown as Deserializer<V>),
        policy: options.onDeserializationError ?? 'fail',
      });
      decoder = d;
      const member = c.groupConsumer(options.groupId, options.consumer);
      consumer = member;
      const run = member.run(options.topics, options.startingOffsets === 'earliest', async (batch) => {
        if (context.isStopped()) throw new Error('receiver stopped');
        const partitionKey = `${batch.topic}\u0000${batch.partition}`;
        const from = storedUntil.get(partitionKey) ?? -1;
        const fresh = batch.records.filter((r) => r.offset >= from);
        const records = d.decode(fresh);
        await d.flushDeadLetters(c);
        if (reliable) {
          await context.storeAll(records);
        } else {
          for (const r of records) context.store(r);
        }
        const last = batch.records.at(-1);
        if (last === undefined) return;
        if (last.offset + 1 > from) storedUntil.set(partitionKey, last.offset + 1);
        // The records are stored: a failed commit (a new group's coordinator still loading, say) must
        // not fail the batch, or kafkajs would hand it over again and it would be stored twice. The
        // next batch's commit covers these offsets; a restart before it re-reads them (at least once).
        await member
          .commit([{ topic: batch.topic, partition: batch.partition, offset: last.offset + 1 }])
          .catch((error: unknown) =>
            context.reportError(
              `receiverStream: committing ${batch.topic}/${batch.partition}@${last.offset + 1} to group '${options.groupId}' failed`,
              error,
            ),
          );
      });
      run.catch((error: unknown) => context.restart('kafka consumer failed to start', error));
    },
    async onStop() {
      const member = consumer;
      consumer = undefined;
      await member?.close().catch(() => undefined);
      await decoder?.close();
      if (client !== undefined) provider.release(client);
      client = undefined;
      await provider.close();
    },
  };
}

/** The part of StreamingContext a receiver stream needs. */
export interface ReceiverRegistry {
  receiverStream<T>(receiver: Receiver<T>): DStream<T>;
}

/** Spark's createStream: `ctx.receiverStream(kafkaReceiver(options))`. */
export function receiverStream<K = string | null, V = string | null>(
  ctx: ReceiverRegistry,
  options: ReceiverStreamOptions<K, V>,
): DStream<ConsumerRecord<K, V>> {
  return ctx.receiverStream(kafkaReceiver<K, V>(options));
}
