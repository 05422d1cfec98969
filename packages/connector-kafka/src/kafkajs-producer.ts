import kafkajs from 'kafkajs';
import type { Kafka, Message, Producer, RetryOptions } from 'kafkajs';
import { kafkajsCompression } from './codecs.js';
import { perKeyQueue } from './per-key-queue.js';
import type {
  KafkaCompression,
  KafkaGroupOffset,
  KafkaOutgoingRecord,
  KafkaProducerClient,
  KafkaProducerOptions,
} from './kafka-client.js';

const { Partitioners } = kafkajs;

const toMessages = (partition: number, records: readonly KafkaOutgoingRecord[]): Message[] =>
  records.map((r) => ({
    partition,
    key: r.key,
    value: r.value,
    ...(r.headers === undefined ? {} : { headers: r.headers }),
    ...(r.timestamp === undefined ? {} : { timestamp: String(r.timestamp) }),
  }));

/** Group offsets in kafkajs' `{ topic, partitions: [{ partition, offset }] }` shape. */
export function byTopic(
  offsets: readonly KafkaGroupOffset[],
): Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> {
  const topics = new Map<string, Array<{ partition: number; offset: string }>>();
  for (const o of offsets) {
    const list = topics.get(o.topic) ?? [];
    list.push({ partition: o.partition, offset: String(o.offset) });
    topics.set(o.topic, list);
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}

/**
 * An idempotent (or transactional) kafkajs producer, acks=-1, that is only ever handed the records
 * of ONE partition per request: kafkajs #1303 loses a dead leader's share of a multi-leader request.
 */
export async function kafkajsProducer(
  kafka: Kafka,
  producerOptions: KafkaProducerOptions,
  retry: RetryOptions,
  onClose: () => void,
): Promise<KafkaProducerClient> {
  const transactional = producerOptions.transactionalId !== undefined;
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: transactional ? 1 : 5,
    retry,
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    ...(transactional ? { transactionalId: producerOptions.transactionalId } : {}),
    ...(producerOptions.transactionTimeout === undefined
      ? {}
      : { transactionTimeout: producerOptions.transactionTimeout }),
  });
  await producer.connect();
  // kafkajs' idempotent producer keeps one sequence per partition: one request per partition at a time.
  const serialized = perKeyQueue();
  const client: KafkaProducerClient = {
    sendPartition: (topic, partition, records, compression: KafkaCompression) =>
      serialized(`${topic}\u0000${partition}`, async () => {
        await producer.send({
          topic,
          acks: -1,
          compression: kafkajsCompression(compression),
          messages: toMessages(partition, records),
        });
      }),
    async transaction() {
      const tx = await producer.transaction();
      return {
        sendPartition: async (topic, partition, records, compression) => {
          await tx.send({
            topic,
            acks: -1,
            compression: kafkajsCompression(compression),
            messages: toMessages(partition, records),
          });
        },
        sendOffsets: (groupId, offsets) =>
          tx.sendOffsets({ consumerGroupId: groupId, topics: byTopic(offsets) }),
        commit: () => tx.commit(),
        abort: () => tx.abort(),
      };
    },
    async close() {
      onClose();
      await producer.disconnect();
    },
  };
  return client;
}
