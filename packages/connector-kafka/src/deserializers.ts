import type { KafkaHeaders } from './kafka-client.js';

/** Where a deserialized record came from. */
export interface RecordOrigin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** Turns a key's or value's bytes into a typed value; throw to reject the record. */
export type Deserializer<T> = (bytes: Buffer | null, origin: RecordOrigin) => T;

/** A record of a Kafka stream (Spark's ConsumerRecord), typed by its deserializers. */
export interface ConsumerRecord<K, V> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Milliseconds since the epoch (CreateTime or LogAppendTime, as the topic says). */
  readonly timestamp: number;
  readonly key: K;
  readonly value: V;
  readonly headers: KafkaHeaders;
}

/** UTF-8 text; null stays null. */
export const stringDeserializer: Deserializer<string | null> = (bytes) =>
  bytes === null ? null : bytes.toString('utf8');

/** The bytes as they are. */
export const bufferDeserializer: Deserializer<Buffer | null> = (bytes) => bytes;

/**
 * JSON (UTF-8). An optional check narrows `unknown` to your type; throw from it to reject a record.
 *
 * ```ts
 * value: jsonDeserializer((v) => { if (typeof v !== 'object') throw new Error('not an object'); return v as Click; })
 * ```
 */
export function jsonDeserializer<T = unknown>(check?: (value: unknown) => T): Deserializer<T | null> {
  return (bytes) => {
    if (bytes === null) return null;
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    return check === undefined ? (parsed as T) : check(parsed);
  };
}
