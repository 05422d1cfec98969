import { ConfigError } from '@dstream/core';
import type { KafkaOutgoingRecord } from './kafka-client.js';
import { partitionForKey } from './partitioner.js';

/** The records of one batch partition bound for one topic-partition, in their original order. */
export interface PartitionGroup {
  readonly topic: string;
  readonly partition: number;
  readonly records: KafkaOutgoingRecord[];
}

export type PartitionedRecords = PartitionGroup[];

export interface RouteOptions<T> {
  topicOf: (record: T) => string;
  numPartitions: (topic: string) => Promise<number>;
  toRecord: (record: T) => KafkaOutgoingRecord;
  partitionOf?: (record: T, numPartitions: number) => number;
}

let roundRobin = Math.floor(Math.random() * 1024);

/**
 * Splits records by topic-partition: `partitionOf` if given, else Kafka's default partitioner for
 * keyed records; records without a key are spread round-robin (one partition per call keeps them
 * in few requests, as Kafka's sticky partitioner does).
 */
export async function partitionRecords<T>(
  records: readonly T[],
  options: RouteOptions<T>,
): Promise<PartitionedRecords> {
  const groups = new Map<string, PartitionGroup>();
  const counts = new Map<string, number>();
  const sticky = new Map<string, number>();
  for (const record of records) {
    const topic = options.topicOf(record);
    let n = counts.get(topic);
    if (n === undefined) {
      n = await options.numPartitions(topic);
      counts.set(topic, n);
    }
    const out = options.toRecord(record);
    let partition: number;
    if (options.partitionOf !== undefined) {
      partition = options.partitionOf(record, n);
      if (!Number.isInteger(partition) || partition < 0 || partition >= n) {
        throw new ConfigError(
          `kafkaSink: partitionOf returned ${partition} for topic '${topic}' with ${n} partitions`,
        );
      }
    } else if (out.key !== null && out.key !== undefined) {
      partition = partitionForKey(out.key, n);
    } else {
      let chosen = sticky.get(topic);
      if (chosen === undefined) {
        chosen = roundRobin++ % n;
        sticky.set(topic, chosen);
      }
      partition = chosen;
    }
    const id = `${topic}\u0000${partition}`;
    let group = groups.get(id);
    if (group === undefined) {
      group = { topic, partition, records: [] };
      groups.set(id, group);
    }
    group.records.push(out);
  }
  return [...groups.values()];
}

const sizeOf = (value: Buffer | string | null | undefined): number =>
  value === null || value === undefined
    ? 0
    : typeof value === 'string'
      ? Buffer.byteLength(value)
      : value.length;

/** Rough uncompressed size of a record in a produce request (key, value, headers, framing). */
export function recordSize(record: KafkaOutgoingRecord): number {
  let size = 24 + sizeOf(record.key) + sizeOf(record.value);
  for (const [name, value] of Object.entries(record.headers ?? {})) size += 8 + name.length + sizeOf(value);
  return size;
}

/**
 * Splits one partition's records into produce requests of at most `maxRecords` records and about
 * `maxBytes` bytes, so that a request never exceeds the broker's `message.max.bytes` (1 MiB by
 * default); a single larger record goes alone (the broker then decides).
 */
export function chunkRecords(
  records: readonly KafkaOutgoingRecord[],
  maxRecords: number,
  maxBytes: number,
): KafkaOutgoingRecord[][] {
  const chunks: KafkaOutgoingRecord[][] = [];
  let current: KafkaOutgoingRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = recordSize(record);
    if (current.length > 0 && (current.length >= maxRecords || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
