import type { KafkaTopicPartition } from './kafka-client.js';

/**
 * Kafka's consumer protocol, version 0 (ConsumerProtocolSubscription / ConsumerProtocolAssignment):
 * the bytes a group member sends in JoinGroup and receives in SyncGroup. Written here so that
 * members on different client libraries (kafkajs' AssignerProtocol writes the same bytes) can share
 * a direct stream's group.
 */

/** Subscription v0: int16 version, [string topics], bytes userData. */
export function encodeSubscription(topics: readonly string[]): Buffer {
  const parts = [int16(0), int32(topics.length), ...topics.map(string), int32(0)];
  return Buffer.concat(parts);
}

/** The topics of a subscription (any version: later versions only append fields). */
export function decodeSubscription(bytes: Buffer): string[] {
  if (bytes.length < 6) return [];
  let at = 2;
  const count = bytes.readInt32BE(at);
  at += 4;
  const topics: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = bytes.readInt16BE(at);
    at += 2;
    topics.push(bytes.toString('utf8', at, at + length));
    at += length;
  }
  return topics;
}

/** Assignment v0: int16 version, [string topic, [int32 partition]], bytes userData. */
export function encodeAssignment(partitions: readonly KafkaTopicPartition[]): Buffer {
  const byTopic = new Map<string, number[]>();
  for (const tp of partitions) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
  const parts = [int16(0), int32(byTopic.size)];
  for (const [topic, ps] of byTopic) parts.push(string(topic), int32(ps.length), ...ps.map(int32));
  parts.push(int32(0));
  return Buffer.concat(parts);
}

/** The partitions of an assignment, sorted by topic then partition; empty bytes mean none. */
export function decodeAssignment(bytes: Buffer): KafkaTopicPartition[] {
  const out: KafkaTopicPartition[] = [];
  if (bytes.length < 6) return out;
  let at = 2;
  const topics = bytes.readInt32BE(at);
  at += 4;
  for (let t = 0; t < topics; t++) {
    const length = bytes.readInt16BE(at);
    at += 2;
    const topic = bytes.toString('utf8', at, at + length);
    at += length;
    const count = bytes.readInt32BE(at);
    at += 4;
    for (let i = 0; i < count; i++, at += 4) out.push({ topic, partition: bytes.readInt32BE(at) });
  }
  return out.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

const int16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const string = (s: string): Buffer => {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([int16(bytes.length), bytes]);
};
