import {
  ConnectionError,
  DStreamError,
  OffsetOutOfRangeError,
  SerializationError,
  SinkWriteError,
  SourceReadError,
} from '@dstream/core';
import { codecOfError, codecPackages } from './codecs.js';
import type { KafkaPartitionOffsets } from './kafka-client.js';

/**
 * Maps the clients' native errors into core's taxonomy; every message names the topic/partition
 * involved. kafkajs names a Kafka error `type` and marks it `retriable`; @platformatic/kafka names it
 * `apiId`, marks it `canRetry`, and nests the errors of one response in `errors`.
 */

interface KafkaErrorShape {
  name?: string;
  type?: string;
  retriable?: boolean;
  message?: string;
  /** @platformatic/kafka: the Kafka error name, its retry flag and its error class code. */
  apiId?: string;
  canRetry?: boolean;
  code?: unknown;
  errors?: unknown[];
}

const shape = (error: unknown): KafkaErrorShape =>
  typeof error === 'object' && error !== null ? (error as KafkaErrorShape) : {};

/** The error and what it wraps (`cause`, kafkajs' `originalError`, platformatic's `errors`), depth-first. */
function* chain(error: unknown, depth = 0): Generator<KafkaErrorShape> {
  if (typeof error !== 'object' || error === null || depth > 8) return;
  const s = shape(error);
  yield s;
  const nested = error as { cause?: unknown; originalError?: unknown };
  if (nested.originalError !== undefined) yield* chain(nested.originalError, depth + 1);
  for (const inner of Array.isArray(s.errors) ? s.errors : []) yield* chain(inner, depth + 1);
  if (nested.cause !== undefined) yield* chain(nested.cause, depth + 1);
}

/** The Kafka error name (e.g. 'OFFSET_OUT_OF_RANGE', 'NOT_LEADER_FOR_PARTITION'), also when wrapped. */
export function kafkaErrorType(error: unknown): string | undefined {
  for (const s of chain(error)) {
    const type = s.type ?? s.apiId;
    if (type !== undefined) return type;
  }
  return undefined;
}

/** platformatic's retryable classes: the network, a timeout. */
const PLATFORMATIC_RETRIABLE = new Set(['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT']);

/** True for errors that a metadata refresh and another try can fix (leader moved, broker down). */
export function isRetriableKafkaError(error: unknown): boolean {
  const s = shape(error);
  if (s.name === 'KafkaJSConnectionError' || s.name === 'KafkaJSRequestTimeoutError') return true;
  if (s.name === 'KafkaJSNumberOfRetriesExceeded' || s.name === 'KafkaJSBrokerNotFound') return true;
  if (s.name === 'KafkaJSLockTimeout' || s.name === 'KafkaJSMetadataNotLoaded') return true;
  if (s.retriable === true) return true;
  if (typeof s.code !== 'string' || !s.code.startsWith('PLT_KFK_')) return false;
  // A platformatic error (or the errors of one response, or its retries' errors): retriable when
  // every Kafka error in it is, or it failed on the network.
  let kafkaErrors = 0;
  for (const inner of chain(error)) {
    if (typeof inner.code === 'string' && PLATFORMATIC_RETRIABLE.has(inner.code)) return true;
    if (inner.apiId !== undefined) {
      kafkaErrors++;
      if (inner.canRetry !== true && !STALE_METADATA.has(inner.apiId)) return false;
    }
  }
  return kafkaErrors > 0;
}

/** Errors that mean "ask the cluster again": a refresh of metadata or the coordinator fixes them. */
const STALE_METADATA = new Set([
  'BROKER_NOT_AVAILABLE',
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'FENCED_LEADER_EPOCH',
  'NOT_COORDINATOR',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'REQUEST_TIMED_OUT',
  'CONCURRENT_TRANSACTIONS',
]);

/** The error a direct stream raises when the offsets it wants are gone (retention) or not there yet. */
export function offsetOutOfRange(
  topic: string,
  partition: number,
  wanted: number,
  available: KafkaPartitionOffsets | undefined,
  cause?: unknown,
): OffsetOutOfRangeError {
  const range = available === undefined ? 'unknown' : `[${available.earliest}, ${available.latest})`;
  return new OffsetOutOfRangeError(
    `Kafka topic '${topic}' partition ${partition}: wanted offset ${wanted}, available range ${range}. ` +
      `The records were deleted (retention) while the job was down, or the topic was recreated. ` +
      `Set onOffsetOutOfRange: 'earliest' or 'latest' to continue from there, losing or skipping records.`,
    { cause },
  );
}

/** Wraps a read failure; a missing codec becomes an error that names the topic, codec and package. */
export function sourceReadError(topic: string, partition: number, error: unknown): DStreamError {
  if (DStreamError.isInstance(error)) return error;
  const codec = codecOfError(error);
  if (codec !== undefined) {
    return new SourceReadError(
      `Kafka topic '${topic}' partition ${partition} holds ${codec}-compressed records, but the ${codec} ` +
        `codec is not installed: npm install ${codecPackages[codec]}`,
      { cause: error },
    );
  }
  const message = shape(error).message ?? String(error);
  if (isRetriableKafkaError(error)) {
    return new ConnectionError(`Kafka read of topic '${topic}' partition ${partition} failed: ${message}`, {
      cause: error,
    });
  }
  return new SourceReadError(`Kafka read of topic '${topic}' partition ${partition} failed: ${message}`, {
    cause: error,
    retryable: false,
  });
}

/** Wraps a write failure of one partition. */
export function sinkWriteError(topic: string, partition: number, error: unknown): SinkWriteError {
  const message = shape(error).message ?? String(error);
  const codec = codecOfError(error);
  const hint = codec === undefined ? '' : ` (npm install ${codecPackages[codec]})`;
  return new SinkWriteError(
    `Kafka write to topic '${topic}' partition ${partition} failed: ${message}${hint}`,
    {
      cause: error,
      retryable: isRetriableKafkaError(error),
    },
  );
}

/** A record that could not be deserialized. */
export function deserializationError(
  topic: string,
  partition: number,
  offset: number,
  part: 'key' | 'value',
  cause: unknown,
): SerializationError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new SerializationError(
    `Kafka record ${topic}/${partition}@${offset}: the ${part} could not be deserialized: ${message}. ` +
      `Set onDeserializationError: 'skip' or { deadLetterTopic } to keep going.`,
    { cause },
  );
}
