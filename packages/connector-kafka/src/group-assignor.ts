import type { KafkaGroupMemberInfo, KafkaTopicPartition } from './kafka-client.js';

/**
 * Splits the partitions of each topic round-robin among the members subscribed to it (members in
 * member-id order, partitions in topic/partition order), so that every partition has exactly one
 * owner and the counts differ by at most one per topic.
 */
export function roundRobinAssignment(
  members: readonly KafkaGroupMemberInfo[],
  partitionsByTopic: ReadonlyMap<string, readonly number[]>,
): Map<string, KafkaTopicPartition[]> {
  const sorted = [...members].sort((a, b) =>
    a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0,
  );
  const out = new Map<string, KafkaTopicPartition[]>(sorted.map((m) => [m.memberId, []]));
  for (const topic of [...partitionsByTopic.keys()].sort()) {
    const subscribers = sorted.filter((m) => m.topics.includes(topic));
    if (subscribers.length === 0) continue;
    const partitions = [...(partitionsByTopic.get(topic) ?? [])].sort((a, b) => a - b);
    partitions.forEach((partition, i) => {
      out.get(subscribers[i % subscribers.length]!.memberId)!.push({ topic, partition });
    });
  }
  return out;
}
