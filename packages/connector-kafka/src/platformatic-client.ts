import { ConfigError, ConnectionError } from '@dstream/core';
import type {
  KafkaClient,
  KafkaConsumerSettings,
  KafkaGroupOffset,
  KafkaProducerClient,
  KafkaProducerOptions,
} from './kafka-client.js';
import { isRetriableKafkaError, kafkaErrorType } from './kafka-errors.js';
import {
  type PlatformaticAdmin,
  type PlatformaticBaseOptions,
  type PlatformaticBroker,
  type PlatformaticClusterMetadata,
  type PlatformaticConnection,
  type PlatformaticConnectionPool,
  type PlatformaticConsumer,
  type PlatformaticModule,
  loadPlatformatic,
} from './platformatic-api.js';
import { platformaticGroupConsumer } from './platformatic-group-consumer.js';
import { platformaticGroupMember } from './platformatic-group-member.js';
import { platformaticProducer } from './platformatic-producer.js';
import { type PoolLender, platformaticFetchRanges } from './platformatic-range-fetch.js';

export interface PlatformaticClientOptions {
  /** Bootstrap brokers, e.g. ['127.0.0.1:9092']. */
  brokers: readonly string[];
  /** Default 'dstream'. */
  clientId?: string;
  /** Connection timeout (ms). Library default 5000. */
  connectTimeout?: number;
  /** Request timeout (ms). Default 30 000 (a JoinGroup waits up to the rebalance timeout). */
  requestTimeout?: number;
  /** Attempts of one range read or admin call across leader changes and broker restarts. Default 20. */
  fetchAttempts?: number;
  /** Largest response per partition of a fetch (`max.partition.fetch.bytes`). Default 4 MiB. */
  maxBytesPerPartition?: number;
  /** Longest wait of one fetch (`fetch.max.wait.ms`). Default 500. */
  maxWaitTimeInMs?: number;
  /** Consumer settings used by `groupConsumer` unless given there. */
  consumer?: KafkaConsumerSettings;
}

const EARLIEST = -2n;
const LATEST = -1n;
const READ_COMMITTED = 1;
const GROUP_KEY = 0;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The connector's client over `@platformatic/kafka` 2.x (pure JavaScript; needs Node ≥ 22.22, an
 * optional dependency). Reads use its plain Fetch with our read_committed filter, writes its
 * idempotent producer with acks=-1 one partition per request, and the direct stream's group
 * membership its raw JoinGroup/SyncGroup/Heartbeat APIs.
 *
 * ```ts
 * const client = platformaticClient({ brokers: ['127.0.0.1:9092'], clientId: 'clicks-job' });
 * ```
 */
export function platformaticClient(options: PlatformaticClientOptions): KafkaClient {
  if (options.brokers.length === 0) throw new ConfigError('platformaticClient: brokers is empty');
  const clientId = options.clientId ?? 'dstream';
  const requestTimeout = options.requestTimeout ?? 30_000;
  const base: PlatformaticBaseOptions = {
    clientId,
    bootstrapBrokers: [...options.brokers],
    retries: 3,
    retryDelay: 250,
    requestTimeout,
    ...(options.connectTimeout === undefined ? {} : { connectTimeout: options.connectTimeout }),
  };
  const attempts = options.fetchAttempts ?? 20;
  const maxBytesPerPartition = options.maxBytesPerPartition ?? 4 * 1024 * 1024;
  const maxWaitTime = options.maxWaitTimeInMs ?? 500;
  const producers = new Set<KafkaProducerClient>();
  const closers = new Set<() => Promise<void>>();
  const coordinators = new Map<string, PlatformaticBroker & { nodeId: number }>();
  let state:
    | Promise<{ lib: PlatformaticModule; admin: PlatformaticAdmin; reader: PlatformaticConsumer }>
    | undefined;
  let pool: PlatformaticConnectionPool | undefined;
  const idlePools: PlatformaticConnectionPool[] = [];
  let closed = false;

  const open = (): void => {
    if (closed) throw new ConnectionError('the @platformatic/kafka client was closed');
  };
  const started = () => {
    open();
    state ??= loadPlatformatic().then((lib) => ({
      lib,
      admin: new lib.Admin(base),
      // Never joins its group: it only sends Fetch requests and reads metadata.
      reader: new lib.Consumer({ ...base, groupId: `${clientId}-reader`, autocommit: false }),
    }));
    return state;
  };

  // Admin calls that meet a moving leader or coordinator; the library retries a few times itself.
  const retried = async <R>(fn: () => Promise<R>): Promise<R> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (attempt >= attempts || !isRetriableKafkaError(error)) throw error;
        await sleep(Math.min(1000, 50 * 2 ** attempt));
      }
    }
  };

  const metadata = async (
    topics: readonly string[],
    refresh: boolean,
  ): Promise<PlatformaticClusterMetadata> => {
    const { reader } = await started();
    return reader.metadata({ topics: [...topics], forceUpdate: refresh });
  };

  const partitionIndexes = async (topic: string): Promise<number[]> => {
    const meta = (await metadata([topic], false)).topics.get(topic);
    return (meta?.partitions ?? []).map((_, i) => i);
  };

  const connections = async (): Promise<PlatformaticConnectionPool> => {
    const { lib } = await started();
    pool ??= new lib.ConnectionPool(clientId, {
      requestTimeout,
      ...(options.connectTimeout === undefined ? {} : { connectTimeout: options.connectTimeout }),
    });
    return pool;
  };

  // The coordinator of a consumer group, from FindCoordinator on any broker.
  const findCoordinator = async (
    groupId: string,
    fresh: boolean,
  ): Promise<PlatformaticBroker & { nodeId: number }> => {
    const known = coordinators.get(groupId);
    if (known !== undefined && !fresh) return known;
    const { lib } = await started();
    const brokers = [...(await metadata([], fresh)).brokers.values()];
    const p = await connections();
    let lastError: unknown;
    for (const broker of brokers) {
      try {
        const response = await lib.findCoordinatorV2.api.async(await p.get(broker), GROUP_KEY, [groupId]);
        // FindCoordinator v2 asks for one key and answers without it.
        const c = response.coordinators[0];
        if (c !== undefined && c.errorCode === 0) {
          const found = { host: c.host, port: c.port, nodeId: c.nodeId };
          coordinators.set(groupId, found);
          return found;
        }
      } catch (error) {
        lastError = error;
      }
    }
    throw Object.assign(new Error(`no coordinator found for group '${groupId}'`, { cause: lastError }), {
      retriable: true,
    });
  };

  const coordinatorConnection = async (groupId: string, fresh: boolean): Promise<PlatformaticConnection> =>
    (await connections()).get(await findCoordinator(groupId, fresh));

  const fetchRanges: KafkaClient['fetchRanges'] = async (ranges) => {
    const s = await started();
    const pools: PoolLender = {
      acquire: () => idlePools.pop() ?? new s.lib.ConnectionPool(clientId, { requestTimeout }),
      release: (p) => {
        if (closed) void p.close().catch(() => undefined);
        else idlePools.push(p);
      },
    };
    return platformaticFetchRanges(
      { consumer: async () => s.reader, metadata, attempts, maxBytesPerPartition, maxWaitTime, pools },
      ranges,
    );
  };

  return {
    name: 'platformatic/kafka 2.12.1',
    async partitions(topic, refresh = false) {
      let meta: PlatformaticClusterMetadata;
      try {
        meta = await metadata([topic], refresh);
      } catch (error) {
        if (kafkaErrorType(error) === 'UNKNOWN_TOPIC_OR_PARTITION') return [];
        throw error;
      }
      return (meta.topics.get(topic)?.partitions ?? []).map((p, partition) => ({
        partition,
        leader: p.leader,
        replicas: p.replicas,
        isr: p.isr,
      }));
    },
    async topicOffsets(topic) {
      const { admin } = await started();
      const indexes = await partitionIndexes(topic);
      const list = (timestamp: bigint) =>
        retried(() =>
          admin.listOffsets({
            isolationLevel: READ_COMMITTED,
            topics: [
              { name: topic, partitions: indexes.map((partitionIndex) => ({ partitionIndex, timestamp })) },
            ],
          }),
        );
      const [earliest, latest] = await Promise.all([list(EARLIEST), list(LATEST)]);
      const at = (result: Awaited<ReturnType<typeof list>>, partition: number): number =>
        Number(
          result.find((t) => t.name === topic)?.partitions.find((p) => p.partitionIndex === partition)
            ?.offset ?? 0n,
        );
      return indexes.map((partition) => ({
        partition,
        earliest: at(earliest, partition),
        latest: at(latest, partition),
      }));
    },
    async groupOffsets(groupId, topics) {
      const { admin } = await started();
      const wanted = await Promise.all(
        topics.map(async (name) => ({ name, partitionIndexes: await partitionIndexes(name) })),
      );
      const result = await retried(() =>
        admin.listConsumerGroupOffsets({ groups: [{ groupId, topics: wanted }] }),
      );
      const out: KafkaGroupOffset[] = [];
      for (const group of result) {
        for (const t of group.topics) {
          for (const p of t.partitions) {
            const offset = Number(p.committedOffset);
            if (offset >= 0) out.push({ topic: t.name, partition: p.partitionIndex, offset });
          }
        }
      }
      return out;
    },
    async commitGroupOffsets(groupId, offsets) {
      if (offsets.length === 0) return;
      const { admin } = await started();
      const byTopic = new Map<string, Array<{ partition: number; offset: bigint }>>();
      for (const o of offsets) {
        byTopic.set(o.topic, [
          ...(byTopic.get(o.topic) ?? []),
          { partition: o.partition, offset: BigInt(o.offset) },
        ]);
      }
      await retried(() =>
        admin.alterConsumerGroupOffsets({
          groupId,
          topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
        }),
      );
    },
    fetchRange: async (range) => (await fetchRanges([range]))[0] ?? [],
    fetchRanges,
    async producer(producerOptions: KafkaProducerOptions = {}) {
      const { lib } = await started();
      const client = await platformaticProducer(
        {
          lib,
          base,
          groupCoordinator: async (groupId, fresh) => (await findCoordinator(groupId, fresh)).nodeId,
          forgetGroupCoordinator: (groupId) => coordinators.delete(groupId),
        },
        producerOptions,
        () => producers.delete(client),
      );
      producers.add(client);
      return client;
    },
    groupMember(groupId, topics, settings) {
      open();
      let member: ReturnType<typeof platformaticGroupMember> | undefined;
      const get = async () => {
        const { lib } = await started();
        member ??= platformaticGroupMember(
          { lib, coordinator: coordinatorConnection },
          groupId,
          topics,
          settings,
        );
        return member;
      };
      return {
        join: async (assign) => (await get()).join(assign),
        heartbeat: async () => (await get()).heartbeat(),
        commit: async (offsets) => (await get()).commit(offsets),
        leave: async () => (member === undefined ? undefined : member.leave()),
      };
    },
    groupConsumer(groupId, settings) {
      open();
      let consumer: ReturnType<typeof platformaticGroupConsumer> | undefined;
      const get = async () => {
        const { lib } = await started();
        consumer ??= platformaticGroupConsumer(lib, base, groupId, { ...options.consumer, ...settings });
        return consumer;
      };
      const close = async () => {
        closers.delete(close);
        await consumer?.close();
      };
      closers.add(close);
      return {
        run: async (topics, fromBeginning, handle) => (await get()).run(topics, fromBeginning, handle),
        commit: async (offsets) => (await get()).commit(offsets),
        close,
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...producers].map((p) => p.close()));
      await Promise.allSettled([...closers].map((c) => c()));
      const s = state;
      state = undefined;
      const all = [pool, ...idlePools.splice(0)];
      pool = undefined;
      await Promise.allSettled([
        s?.then((x) => Promise.allSettled([x.admin.close(), x.reader.close(true)])),
        ...all.map((p) => p?.close()),
      ]);
    },
  };
}
