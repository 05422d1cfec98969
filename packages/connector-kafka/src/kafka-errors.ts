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

/** Maps kafkajs' native errors into core's taxonomy; every message names the topic/partition involved. */

interface KafkajsErrorShape {
  name?: string;
  type?: string;
  retriable?: boolean;
  message?: string;
}

const shape = (error: unknown): KafkajsErrorShape =>
  typeof error === 'object' && error !== null ? (error as KafkajsErrorShape) : {};

/** kafkajs' error `type` (e.g. 'OFFSET_OUT_OF_RANGE', 'NOT_LEADER_FOR_PARTITION'), also when wrapped. */
export function kafkaErrorType(error: unknown): string | undefined {
  for (let e: unknown = error; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    const type = shape(e).type;
    if (type !== undefined) return type;
    const originalError = (e as { originalError?: unknown }).originalError;
    if (originalError !== undefined) return kafkaErrorType(originalError);
  }
  return undefined;
}

/** True for errors that a metadata refresh and another try can fix (leader moved, broker down). */
export function isRetriableKafkaError(error: unknown): boolean {
  const s = shape(error);
  if (s.name === 'KafkaJSConnectionError' || s.name === 'KafkaJSRequestTimeoutError') return true;
  if (s.name === 'KafkaJSNumberOfRetriesExceeded' || s.name === 'KafkaJSBrokerNotFound') return true;
  if (s.name === 'KafkaJSLockTimeout' || s.name === 'KafkaJSMetadataNotLoaded') return true;
  return s.retriable === true;
}

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
