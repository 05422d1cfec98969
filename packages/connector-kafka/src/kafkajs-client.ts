import kafkajs from 'kafkajs';
import type { Admin, Kafka, KafkaConfig, RetryOptions } from 'kafkajs';
import { ConnectionError } from '@dstream/core';
import { registerCodecs } from './codecs.js';
import { patchKafkajsReadCommitted } from './kafkajs-read-committed.js';
import { type RangeFetchSettings, fetchRanges } from './kafkajs-range-fetch.js';
import type {
  KafkaClient,
  KafkaConsumerSettings,
  KafkaGroupOffset,
  KafkaProducerClient,
  KafkaProducerOptions,
} from './kafka-client.js';
import { byTopic, kafkajsProducer } from './kafkajs-producer.js';
import { kafkajsGroupConsumer } from './kafkajs-group-consumer.js';
import { kafkajsGroupMember } from './kafkajs-group-member.js';
import { isRetriableKafkaError, kafkaErrorType } from './kafka-errors.js';
import {
  type InternalCluster,
  READ_COMMITTED,
  createInternalCluster,
  patchKafkajsRequestQueue,
} from './kafkajs-internals.js';

const { Kafka: KafkaClass, logLevel } = kafkajs;

export interface KafkajsClientOptions {
  /** kafkajs retry settings for producers. Default: 8 retries, 100 ms → 1 s backoff. */
  producerRetry?: RetryOptions;
  /** Attempts of one range read across leader changes and broker restarts. Default 20. */
  fetchAttempts?: number;
  /** Largest response per partition of a fetch (`max.partition.fetch.bytes`). Default 4 MiB. */
  maxBytesPerPartition?: number;
  /** Longest wait of one fetch (`fetch.max.wait.ms`). Default 500. */
  maxWaitTimeInMs?: number;
  /** Consumer settings used by `groupConsumer` unless given there. */
  consumer?: KafkaConsumerSettings;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The connector's client over kafkajs 2.2.4. Pass a `Kafka` instance (your SSL/SASL settings are kept)
 * or its config. Registers the snappy/lz4/zstd codecs that are installed.
 *
 * ```ts
 * const client = kafkajsClient({ brokers: ['127.0.0.1:9092'], clientId: 'clicks-job' });
 * ```
 */
export function kafkajsClient(
  kafkaOrConfig: Kafka | KafkaConfig,
  options: KafkajsClientOptions = {},
): KafkaClient {
  registerCodecs();
  patchKafkajsRequestQueue();
  patchKafkajsReadCommitted();
  const kafka =
    kafkaOrConfig instanceof KafkaClass
      ? kafkaOrConfig
      : new KafkaClass({ logLevel: logLevel.NOTHING, ...(kafkaOrConfig as KafkaConfig) });
  const producerRetry = options.producerRetry ?? { retries: 8, initialRetryTime: 100, maxRetryTime: 1000 };
  const fetchAttempts = options.fetchAttempts ?? 20;
  const maxBytesPerPartition = options.maxBytesPerPartition ?? 4 * 1024 * 1024;
  const maxWaitTime = options.maxWaitTimeInMs ?? 500;
  const producers = new Set<KafkaProducerClient>();
  let admin: Promise<Admin> | undefined;
  let cluster: Promise<InternalCluster> | undefined;
  const knownTopics = new Set<string>();
  let closed = false;
  const open = (): void => {
    // A late call (e.g. a commit finishing after stop) must not reconnect a closed client.
    if (closed) throw new ConnectionError('the kafkajs client was closed');
  };

  const getAdmin = (): Promise<Admin> => {
    open();
    admin ??= (async () => {
      const a = kafka.admin({ retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 } });
      await a.connect();
      return a;
    })().catch((error: unknown) => {
      admin = undefined;
      throw new ConnectionError(`kafkajs admin could not connect: ${String(error)}`, { cause: error });
    });
    return admin;
  };

  const getCluster = async (topic?: string): Promise<InternalCluster> => {
    open();
    cluster ??= (async () => {
      const c = createInternalCluster(kafka, READ_COMMITTED);
      await c.connect();
      return c;
    })().catch((error: unknown) => {
      cluster = undefined;
      throw error;
    });
    const c = await cluster;
    if (topic !== undefined && !knownTopics.has(topic)) {
      await c.addTargetTopic(topic);
      knownTopics.add(topic);
    }
    return c;
  };

  // Retries a cluster call over leader moves and dead brokers, refreshing metadata in between.
  const withRetries = async <R>(
    topic: string | undefined,
    fn: (c: InternalCluster) => Promise<R>,
  ): Promise<R> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(await getCluster(topic));
      } catch (error) {
        if (attempt >= fetchAttempts || !isRetriableKafkaError(error)) throw error;
        await sleep(Math.min(1000, 50 * 2 ** attempt));
        await cluster?.then((c) => c.refreshMetadata()).catch(() => undefined);
      }
    }
  };

  // Admin calls that meet a moving or loading group coordinator (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS).
  const adminCall = async <R>(fn: (a: Admin) => Promise<R>): Promise<R> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(await getAdmin());
      } catch (error) {
        if (attempt >= fetchAttempts || !isRetriableKafkaError(error)) throw error;
        await sleep(Math.min(1000, 50 * 2 ** attempt));
      }
    }
  };

  const rangeFetch: RangeFetchSettings = {
    cluster: async (topics) => {
      for (const topic of topics) await getCluster(topic);
      return getCluster();
    },
    attempts: fetchAttempts,
    maxBytesPerPartition,
    maxWaitTime,
    connectionReady: new Map(),
  };

  const makeProducer = async (producerOptions: KafkaProducerOptions = {}): Promise<KafkaProducerClient> => {
    open();
    const client = await kafkajsProducer(kafka, producerOptions, producerRetry, () =>
      producers.delete(client),
    );
    producers.add(client);
    return client;
  };

  return {
    name: 'kafkajs 2.2.4',
    async partitions(topic, refresh = false) {
      const a = await getAdmin();
      if (refresh) knownTopics.delete(topic);
      let topics: Awaited<ReturnType<Admin['fetchTopicMetadata']>>['topics'];
      try {
        ({ topics } = await a.fetchTopicMetadata({ topics: [topic] }));
      } catch (error) {
        if (kafkaErrorType(error) === 'UNKNOWN_TOPIC_OR_PARTITION') return [];
        throw error;
      }
      const meta = topics.find((t) => t.name === topic);
      return (meta?.partitions ?? [])
        .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }))
        .sort((x, y) => x.partition - y.partition);
    },
    async topicOffsets(topic) {
      // kafkajs' admin lists offsets read_committed: `high` is the last stable offset.
      const offsets = await adminCall((a) => a.fetchTopicOffsets(topic));
      return offsets
        .map((o) => ({ partition: o.partition, earliest: Number(o.low), latest: Number(o.high) }))
        .sort((x, y) => x.partition - y.partition);
    },
    async groupOffsets(groupId, topics) {
      const result = await adminCall((a) => a.fetchOffsets({ groupId, topics: [...topics] }));
      const out: KafkaGroupOffset[] = [];
      for (const t of result) {
        for (const p of t.partitions) {
          const offset = Number(p.offset);
          if (offset >= 0) out.push({ topic: t.topic, partition: p.partition, offset });
        }
      }
      return out;
    },
    async commitGroupOffsets(groupId, offsets) {
      if (offsets.length === 0) return;
      await withRetries(undefined, async (c) => {
        const coordinator = await c.findGroupCoordinator({ groupId });
        await coordinator.offsetCommit({
          groupId,
          groupGenerationId: -1,
          memberId: '',
          topics: byTopic(offsets),
        });
      });
    },
    fetchRange: async (range) => (await fetchRanges(rangeFetch, [range]))[0] ?? [],
    fetchRanges: (ranges) => fetchRanges(rangeFetch, ranges),
    producer: makeProducer,
    groupMember: (groupId, topics, settings) =>
      kafkajsGroupMember(() => getCluster(), groupId, topics, settings),
    groupConsumer: (groupId, settings) =>
      kafkajsGroupConsumer(kafka, groupId, { ...options.consumer, ...settings }),
    async close() {
      closed = true;
      await Promise.allSettled([...producers].map((p) => p.close()));
      const a = admin;
      const c = cluster;
      admin = undefined;
      cluster = undefined;
      await Promise.allSettled([a?.then((x) => x.disconnect()), c?.then((x) => x.disconnect())]);
    },
  };
}
