import type { OffsetStore, Sink, SinkContext } from '@dstream/core';
import { ConfigError } from '@dstream/core';
import { type KafkaConnectionOptions, clientProvider } from './client-options.js';
import type { KafkaClient, KafkaCompression, KafkaOutgoingRecord } from './kafka-client.js';
import { sinkWriteError } from './kafka-errors.js';
import { kafkaGroupOffsetStore } from './kafka-group-offset-store.js';
import { type PartitionedRecords, chunkRecords, partitionRecords } from './record-router.js';
import { createTransactionalWriter } from './transactional-writer.js';

export type KafkaBytes = Buffer | string | null;

export interface KafkaSinkTransactionalOptions {
  /** The consumer group the source offsets are committed to, in the same transaction. */
  groupId: string;
  /** Prefix of the transactional ids (one per output and source partition). Default: groupId. */
  transactionalIdPrefix?: string;
  /** Kafka's `transaction.timeout.ms`. Default 60 000. */
  transactionTimeout?: number;
}

export interface KafkaSinkOptions<T> extends KafkaConnectionOptions {
  /** The output topic, or `topicOf` to choose one per record. */
  topic?: string;
  topicOf?: (record: T) => string;
  /** The record's key (keyed records go where Kafka's default partitioner puts them). Default: none. */
  key?: (record: T) => KafkaBytes;
  /** The record's value. Default: strings as they are, Buffers as they are, anything else as JSON. */
  value?: (record: T) => KafkaBytes;
  headers?: (record: T) => Record<string, Buffer | string> | undefined;
  /** Chooses the partition yourself (0 ≤ result < numPartitions). */
  partitionOf?: (record: T, numPartitions: number) => number;
  /** Default 'none'. snappy/lz4/zstd need their codec package (see README). */
  compression?: KafkaCompression;
  /** Exactly-once Kafka → Kafka: records and source offsets in one transaction per batch partition. */
  transactional?: KafkaSinkTransactionalOptions;
  /** Tries of one partition's request (each try has kafkajs' own retries inside). Default 3. */
  sendAttempts?: number;
  /** Most records per produce request. Default 2000. */
  maxRecordsPerRequest?: number;
  /** About the most bytes (uncompressed) per produce request. Default 512 KiB (brokers accept 1 MiB). */
  maxBytesPerRequest?: number;
  /** Shown in logs. Default "kafka:<topic>". */
  name?: string;
}

const defaultValue = (record: unknown): KafkaBytes => {
  if (record === null || record === undefined) return null;
  if (typeof record === 'string' || Buffer.isBuffer(record)) return record;
  return JSON.stringify(record);
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A Kafka sink (`stream.to(kafkaSink({...}))`). Records are partitioned here, with Kafka's default
 * partitioner for keyed records, and each partition is sent in its own request: kafkajs 2.2.4 can
 * report a multi-partition request as written while the share of a partition whose leader died was
 * never re-sent (kafkajs #1303). With one leader per request, "acknowledged" means durable.
 *
 * ```ts
 * cleaned.to(kafkaSink({ brokers: ['127.0.0.1:9092'], topic: 'clean', key: (r) => r.user }));
 * ```
 */
export function kafkaSink<T>(options: KafkaSinkOptions<T>): Sink<T> {
  if ((options.topic === undefined) === (options.topicOf === undefined)) {
    throw new ConfigError('kafkaSink: give exactly one of topic or topicOf');
  }
  if (options.topic !== undefined && options.topic.length === 0)
    throw new ConfigError('kafkaSink: topic is empty');
  const provider = clientProvider(options, 'kafkaSink');
  const compression = options.compression ?? 'none';
  const sendAttempts = options.sendAttempts ?? 3;
  const maxRecords = options.maxRecordsPerRequest ?? 2000;
  const maxBytes = options.maxBytesPerRequest ?? 512 * 1024;
  const topicOf = options.topicOf ?? (() => options.topic!);
  const keyOf = options.key ?? (() => null);
  const valueFor = options.value ?? defaultValue;
  const headersOf = options.headers;
  const partitionCounts = new Map<string, number>();
  const producers = new WeakMap<KafkaClient, ReturnType<KafkaClient['producer']>>();

  const numPartitions = async (client: KafkaClient, topic: string, refresh = false): Promise<number> => {
    const known = partitionCounts.get(topic);
    if (known !== undefined && !refresh) return known;
    const partitions = await client.partitions(topic, refresh);
    if (partitions.length === 0) {
      throw new ConfigError(`kafkaSink: topic '${topic}' does not exist (create it before the job starts)`);
    }
    partitionCounts.set(topic, partitions.length);
    return partitions.length;
  };

  const route = async (client: KafkaClient, records: readonly T[]): Promise<PartitionedRecords> =>
    partitionRecords(records, {
      topicOf,
      numPartitions: (topic) => numPartitions(client, topic),
      toRecord: (record): KafkaOutgoingRecord => {
        const headers = headersOf?.(record);
        return { key: keyOf(record), value: valueFor(record), ...(headers === undefined ? {} : { headers }) };
      },
      ...(options.partitionOf === undefined ? {} : { partitionOf: options.partitionOf }),
    });

  const sendGroup = async (
    client: KafkaClient,
    topic: string,
    partition: number,
    records: readonly KafkaOutgoingRecord[],
  ): Promise<void> => {
    for (const chunk of chunkRecords(records, maxRecords, maxBytes)) {
      for (let attempt = 1; ; attempt++) {
        try {
          let producer = producers.get(client);
          if (producer === undefined) {
            producer = client.producer();
            producers.set(client, producer);
            producer.catch(() => producers.delete(client));
          }
          await (await producer).sendPartition(topic, partition, chunk, compression);
          break;
        } catch (error) {
          const wrapped = sinkWriteError(topic, partition, error);
          if (attempt >= sendAttempts || !wrapped.retryable) throw wrapped;
          await sleep(200 * attempt);
          await numPartitions(client, topic, true).catch(() => undefined);
        }
      }
    }
  };

  const transactional =
    options.transactional === undefined
      ? undefined
      : createTransactionalWriter({ ...options.transactional, compression, route, maxRecords, maxBytes });

  const offsetStore: OffsetStore | undefined =
    options.transactional === undefined
      ? undefined
      : kafkaGroupOffsetStore({ provider, groupId: options.transactional.groupId });

  return {
    name: options.name ?? `kafka:${options.topic ?? 'topicOf'}`,
    guarantee: transactional === undefined ? 'at-least-once' : 'transactional',
    mechanism:
      transactional === undefined
        ? 'idempotent producer, acks=-1, one request per partition; a replayed batch is written again'
        : `Kafka transaction per batch partition with sendOffsets to group '${options.transactional!.groupId}'`,
    ...(offsetStore === undefined ? {} : { offsetStore }),
    async writePartition(records: readonly T[], context: SinkContext) {
      const client = await provider.acquire();
      try {
        if (transactional !== undefined) {
          await transactional.write(client, records, context);
        } else if (records.length > 0) {
          const groups = await route(client, records);
          await Promise.all(groups.map((g) => sendGroup(client, g.topic, g.partition, g.records)));
        }
        provider.release(client);
      } catch (error) {
        // kafkajs reconnects by itself; closing the shared client here would fail the other
        // partitions writing through it in this executor.
        provider.release(client);
        throw error;
      }
    },
    async close() {
      await transactional?.close();
      await provider.close();
    },
  };
}
