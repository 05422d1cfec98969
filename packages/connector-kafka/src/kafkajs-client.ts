import kafkajs from 'kafkajs';
import type { Admin, Kafka, KafkaConfig, RetryOptions } from 'kafkajs';
import { ConnectionError } from '@dstream/core';
import { registerCodecs } from './codecs.js';
import { committedMessages } from './committed-records.js';
import { patchKafkajsReadCommitted } from './kafkajs-read-committed.js';
import type {
  KafkaClient,
  KafkaConsumerSettings,
  KafkaGroupOffset,
  KafkaProducerClient,
  KafkaProducerOptions,
  KafkaRawRecord,
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
  /** Largest response per partition fetch (`max.partition.fetch.bytes`). Default 4 MiB. */
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
  // kafkajs opens a broker's fetch connection lazily and, when several fetches start at once, opens
  // one socket per fetch and keeps only the last (the others stay open for good). The first fetch
  // to a broker therefore goes alone; the rest wait for it.
  const fetchConnectionReady = new Map<string, Promise<unknown>>();
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
    async fetchRange({ topic, partition, fromOffset, untilOffset }) {
      const out: KafkaRawRecord[] = [];
      let next = fromOffset;
      let empty = 0;
      while (next < untilOffset) {
        const data = await withRetries(topic, async (c) => {
          const leaders = c.findLeaderForPartitions(topic, [partition]);
          const nodeId = Object.keys(leaders)[0];
          if (nodeId === undefined) {
            await c.refreshMetadata();
            throw Object.assign(new Error(`no leader known for ${topic}/${partition}`), { retriable: true });
          }
          const broker = await c.findBroker({ nodeId });
          const ready = fetchConnectionReady.get(nodeId);
          if (ready !== undefined) await ready;
          const request = broker.fetch({
            replicaId: -1,
            isolationLevel: READ_COMMITTED,
            maxWaitTime,
            minBytes: 1,
            maxBytes: maxBytesPerPartition,
            topics: [
              {
                topic,
                partitions: [{ partition, fetchOffset: String(next), maxBytes: maxBytesPerPartition }],
              },
            ],
          });
          if (ready === undefined)
            fetchConnectionReady.set(
              nodeId,
              request.catch(() => undefined),
            );
          // After a failure (broker restarted, connection dropped) the next fetch reconnects alone again.
          request.catch(() => fetchConnectionReady.delete(nodeId));
          const response = await request;
          const found = response.responses[0]?.partitions[0];
          if (found === undefined) throw new Error(`empty fetch response for ${topic}/${partition}`);
          return found;
        });
        // A fetch may start before `next` (a compressed batch is returned whole).
        const within = data.messages.filter((m) => Number(m.offset) >= next);
        for (const m of committedMessages(within, data.abortedTransactions)) {
          const offset = Number(m.offset);
          if (offset >= untilOffset) break;
          out.push({
            topic,
            partition,
            offset,
            timestamp: Number(m.timestamp),
            key: m.key,
            value: m.value,
            headers: m.headers ?? {},
          });
        }
        const last = within.at(-1);
        if (last !== undefined) {
          next = Number(last.offset) + 1;
          empty = 0;
        } else if (Number(data.highWatermark) <= next || ++empty > 5) {
          // Nothing at or after `next` below the range end: the rest was compacted away or is not
          // readable (yet); stop instead of spinning.
          break;
        }
      }
      return out;
    },
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
