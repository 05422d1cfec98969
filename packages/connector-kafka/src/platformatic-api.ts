import { ConfigError } from '@dstream/core';

/**
 * The part of `@platformatic/kafka` 2.x that the adapter uses, typed structurally by us: the package
 * is an optional dependency (it needs Node ≥ 22.22), so nothing here may import its types.
 */

export interface PlatformaticBroker {
  host: string;
  port: number;
}

export interface PlatformaticClusterMetadata {
  brokers: Map<number, PlatformaticBroker>;
  topics: Map<
    string,
    {
      id: string;
      partitions: Array<{ leader: number; leaderEpoch: number; replicas: number[]; isr: number[] }>;
    }
  >;
}

export interface PlatformaticBaseOptions {
  clientId: string;
  bootstrapBrokers: string[];
  retries?: number;
  retryDelay?: number;
  timeout?: number;
  connectTimeout?: number;
  requestTimeout?: number;
  metadataMaxAge?: number;
}

interface PlatformaticBase {
  metadata(options: { topics: string[]; forceUpdate?: boolean }): Promise<PlatformaticClusterMetadata>;
  clearMetadata(): void;
}

/** Admin's close takes no `force` (its first argument is a callback). */
export interface PlatformaticAdmin extends PlatformaticBase {
  close(): Promise<void>;
  listOffsets(options: {
    topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; timestamp: bigint }> }>;
    isolationLevel?: number;
  }): Promise<Array<{ name: string; partitions: Array<{ partitionIndex: number; offset: bigint }> }>>;
  listConsumerGroupOffsets(options: {
    groups: Array<{ groupId: string; topics: Array<{ name: string; partitionIndexes: number[] }> }>;
  }): Promise<
    Array<{
      groupId: string;
      topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; committedOffset: bigint }> }>;
    }>
  >;
  alterConsumerGroupOffsets(options: {
    groupId: string;
    topics: Array<{ name: string; partitionOffsets: Array<{ partition: number; offset: bigint }> }>;
  }): Promise<void>;
}

export interface PlatformaticRecord {
  attributes: number;
  timestampDelta: bigint;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[Buffer | null, Buffer | null]>;
}

export interface PlatformaticRecordsBatch {
  firstOffset: bigint;
  attributes: number;
  lastOffsetDelta: number;
  firstTimestamp: bigint;
  producerId: bigint;
  records: PlatformaticRecord[];
}

export interface PlatformaticFetchPartition {
  partitionIndex: number;
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  abortedTransactions: Array<{ producerId: bigint; firstOffset: bigint }> | null;
  records?: PlatformaticRecordsBatch[] | null;
}

export interface PlatformaticFetchResponse {
  responses: Array<{ topicId: string; partitions: PlatformaticFetchPartition[] }>;
}

export interface PlatformaticMessage {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  key: Buffer | undefined | null;
  value: Buffer | undefined | null;
  headers: Map<Buffer, Buffer>;
}

export interface PlatformaticMessagesStream extends AsyncIterable<PlatformaticMessage> {
  close(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface PlatformaticConsumer extends PlatformaticBase {
  readonly groupId: string;
  close(force?: boolean): Promise<void>;
  fetch(options: {
    node: number;
    topics: Array<{
      topicId: string;
      partitions: Array<{
        partition: number;
        fetchOffset: bigint;
        partitionMaxBytes: number;
        currentLeaderEpoch: number;
        lastFetchedEpoch: number;
      }>;
    }>;
    maxWaitTime?: number;
    minBytes?: number;
    maxBytes?: number;
    isolationLevel?: number;
    connectionPool?: PlatformaticConnectionPool;
  }): Promise<PlatformaticFetchResponse>;
  findGroupCoordinator(): Promise<number>;
  consume(options: Record<string, unknown>): Promise<PlatformaticMessagesStream>;
  commit(options: {
    offsets: Array<{ topic: string; partition: number; offset: bigint; leaderEpoch: number }>;
  }): Promise<void>;
}

export interface PlatformaticOutgoing {
  topic: string;
  partition: number;
  key?: Buffer;
  value?: Buffer;
  headers?: Map<Buffer, Buffer>;
  timestamp?: bigint;
}

interface PlatformaticSendOptions {
  messages: PlatformaticOutgoing[];
  acks?: number;
  compression?: string;
  idempotent?: boolean;
}

export interface PlatformaticTransaction {
  send(options: PlatformaticSendOptions): Promise<unknown>;
  addConsumer(consumer: { groupId: string }): Promise<void>;
  addOffset(message: {
    topic: string;
    partition: number;
    offset: bigint;
    metadata: {
      consumer: { groupId: string; generationId: number; memberId: string; coordinatorId: number };
    };
  }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
  /** Drops the transaction locally, sending nothing. */
  cancel(): Promise<void>;
}

export interface PlatformaticProducer extends PlatformaticBase {
  close(force?: boolean): Promise<void>;
  send(options: PlatformaticSendOptions): Promise<unknown>;
  initIdempotentProducer(options: Record<string, unknown>): Promise<unknown>;
  beginTransaction(options?: Record<string, unknown>): Promise<PlatformaticTransaction>;
}

export interface PlatformaticConnection {
  readonly host: string;
  readonly port: number;
}

/** A raw Kafka API of the library: `api.async(connection, ...request)`. */
export interface PlatformaticApi<Args extends unknown[], Response> {
  async(connection: PlatformaticConnection, ...args: Args): Promise<Response>;
}

export interface PlatformaticConnectionPool {
  get(broker: PlatformaticBroker): Promise<PlatformaticConnection>;
  close(): Promise<void>;
}

/**
 * The raw group APIs are taken at versions that Kafka 3.x, 4.x (KIP-896 dropped only older ones) and
 * @dstream/kafka-testkit all serve; the library's own calls negotiate versions with ApiVersions.
 */
export interface PlatformaticModule {
  Admin: new (options: PlatformaticBaseOptions) => PlatformaticAdmin;
  Consumer: new (options: PlatformaticBaseOptions & Record<string, unknown>) => PlatformaticConsumer;
  Producer: new (options: PlatformaticBaseOptions & Record<string, unknown>) => PlatformaticProducer;
  ConnectionPool: new (
    clientId: string,
    options?: { connectTimeout?: number; requestTimeout?: number },
  ) => PlatformaticConnectionPool;
  findCoordinatorV2: {
    api: PlatformaticApi<
      [keyType: number, keys: string[]],
      { coordinators: Array<{ key: string; nodeId: number; host: string; port: number; errorCode: number }> }
    >;
  };
  joinGroupV5: {
    api: PlatformaticApi<
      [
        groupId: string,
        sessionTimeoutMs: number,
        rebalanceTimeoutMs: number,
        memberId: string,
        groupInstanceId: string | null,
        protocolType: string,
        protocols: Array<{ name: string; metadata: Buffer }>,
        reason?: string | null,
      ],
      PlatformaticJoinGroupResponse
    >;
  };
  syncGroupV3: {
    api: PlatformaticApi<
      [
        groupId: string,
        generationId: number,
        memberId: string,
        groupInstanceId: string | null,
        protocolType: string | null,
        protocolName: string | null,
        assignments: Array<{ memberId: string; assignment: Buffer }>,
      ],
      { assignment: Buffer }
    >;
  };
  heartbeatV3: {
    api: PlatformaticApi<
      [groupId: string, generationId: number, memberId: string, groupInstanceId?: string | null],
      unknown
    >;
  };
  leaveGroupV3: {
    api: PlatformaticApi<[groupId: string, members: Array<{ memberId: string }>], unknown>;
  };
  offsetCommitV7: {
    api: PlatformaticApi<
      [
        groupId: string,
        generationId: number,
        memberId: string,
        groupInstanceId: string | null,
        topics: Array<{
          name: string;
          partitions: Array<{
            partitionIndex: number;
            committedOffset: bigint;
            committedLeaderEpoch: number;
            committedMetadata: string | null;
          }>;
        }>,
      ],
      unknown
    >;
  };
}

export interface PlatformaticJoinGroupResponse {
  generationId: number;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: Array<{ memberId: string; metadata: Buffer }>;
}

/** Node versions @platformatic/kafka 2.x runs on (its `engines`: >= 22.22). */
export function platformaticSupported(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 22);
}

let loaded: Promise<PlatformaticModule> | undefined;

/** Loads the optional `@platformatic/kafka` once; a clear error when it cannot run here. */
export function loadPlatformatic(): Promise<PlatformaticModule> {
  if (!platformaticSupported()) {
    return Promise.reject(
      new ConfigError(
        `@platformatic/kafka 2.x needs Node >= 22.22, this is Node ${process.versions.node}: ` +
          `use client: 'kafkajs' (the default on this Node)`,
      ),
    );
  }
  const name = '@platformatic/kafka';
  loaded ??= (import(name) as Promise<PlatformaticModule>).catch((error: unknown) => {
    loaded = undefined;
    throw new ConfigError(
      `client 'platformatic' needs the optional package @platformatic/kafka: npm install @platformatic/kafka@2`,
      { cause: error },
    );
  });
  return loaded;
}

/** Whether the platformatic client can be used in this process (Node version and package present). */
export async function platformaticAvailable(): Promise<boolean> {
  try {
    await loadPlatformatic();
    return true;
  } catch {
    return false;
  }
}
