import { createRequire } from 'node:module';
import type { Kafka } from 'kafkajs';
import { ConfigError } from '@dstream/core';

/**
 * kafkajs 2.2.4 has no public "read this offset range of this partition" call (its consumer always
 * joins a group and owns the position). A direct stream needs exactly that, as Spark's KafkaRDD does
 * with `assign` + `seek`. We therefore use kafkajs' own cluster and broker objects: the same
 * connection, metadata, SASL/SSL and decoding code its consumer runs, driven by us. kafkajs is
 * pinned to 2.2.4 (no release since 2023), and these shapes are checked when the client starts.
 */

const require = createRequire(import.meta.url);

export interface FetchedMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | Buffer[] | undefined>;
  isControlRecord?: boolean;
  /** The record batch it came in: who wrote it and whether inside a transaction. */
  batchContext?: { producerId: string; inTransaction: boolean };
}

export interface FetchPartitionData {
  partition: number;
  errorCode: number;
  highWatermark: string;
  lastStableOffset?: string;
  abortedTransactions?: Array<{ producerId: string; firstOffset: string }>;
  messages: FetchedMessage[];
}

export interface InternalBroker {
  fetch(request: {
    replicaId: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: Array<{
      topic: string;
      partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }>;
    }>;
  }): Promise<{ responses: Array<{ topicName: string; partitions: FetchPartitionData[] }> }>;
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
  }): Promise<unknown>;
  joinGroup(request: {
    groupId: string;
    sessionTimeout: number;
    rebalanceTimeout: number;
    memberId: string;
    groupProtocols: Array<{ name: string; metadata: Buffer }>;
  }): Promise<{
    generationId: number;
    leaderId: string;
    memberId: string;
    groupProtocol: string;
    members: Array<{ memberId: string; memberMetadata: Buffer }>;
  }>;
  syncGroup(request: {
    groupId: string;
    generationId: number;
    memberId: string;
    groupAssignment: Array<{ memberId: string; memberAssignment: Buffer }>;
  }): Promise<{ memberAssignment: Buffer }>;
  heartbeat(request: { groupId: string; groupGenerationId: number; memberId: string }): Promise<unknown>;
  leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown>;
}

export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(request: { nodeId: string }): Promise<InternalBroker>;
  findGroupCoordinator(request: { groupId: string }): Promise<InternalBroker>;
}

export const READ_COMMITTED = 1;
export const READ_UNCOMMITTED = 0;

/** A kafkajs cluster (connections + metadata) created by a Kafka instance with its own config. */
export function createInternalCluster(kafka: Kafka, isolationLevel: number): InternalCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  const create = symbol === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[symbol];
  if (typeof create !== 'function') {
    throw new ConfigError(
      'kafkajsClient: this kafkajs build does not expose its cluster factory; the connector is tested with ' +
        'kafkajs 2.2.4 (npm install kafkajs@2.2.4)',
    );
  }
  const cluster = create({
    metadataMaxAge: 60_000,
    allowAutoTopicCreation: false,
    maxInFlightRequests: null,
    instrumentationEmitter: null,
    isolationLevel,
  }) as InternalCluster;
  for (const method of [
    'connect',
    'findLeaderForPartitions',
    'findBroker',
    'findGroupCoordinator',
  ] as const) {
    if (typeof cluster[method] !== 'function') {
      throw new ConfigError(`kafkajsClient: kafkajs cluster lacks ${method}(); use kafkajs 2.2.4`);
    }
  }
  return cluster;
}

interface RequestQueuePrototype {
  scheduleCheckPendingRequests?: (this: RequestQueueState) => void;
  checkPendingRequests?: (this: RequestQueueState) => void;
  [patched]?: true;
}
interface RequestQueueState {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  checkPendingRequests(): void;
}
const patched = Symbol.for('dstream.kafkajs.requestQueue.patched');
/** kafkajs' CHECK_PENDING_REQUESTS_INTERVAL. */
const CHECK_PENDING_INTERVAL_MS = 10;

/**
 * kafkajs 2.2.4's RequestQueue re-arms a timer after every response even when nothing is queued, with
 * the delay `throttledUntil - Date.now()` where `throttledUntil` is -1 when unthrottled: a negative
 * delay, which Node clamps to 1 ms (Node 24 warns `TimeoutNegativeWarning`), so every idle broker
 * connection wakes the process about 1000 times a second. This schedules the check only when requests
 * are waiting, after the throttle time if any (else kafkajs' 10 ms), never negative. A request queued
 * later arms it again (kafkajs calls this method on every enqueue), so no request waits longer.
 */
export function patchKafkajsRequestQueue(): void {
  let queueClass: { prototype: RequestQueuePrototype } | undefined;
  try {
    queueClass = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueuePrototype };
  } catch {
    return;
  }
  const proto = queueClass.prototype;
  if (proto[patched] === true || typeof proto.scheduleCheckPendingRequests !== 'function') return;
  proto.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueState) {
    if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
    const throttled = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      throttled > 0 ? throttled : CHECK_PENDING_INTERVAL_MS,
    );
  };
  proto[patched] = true;
}
