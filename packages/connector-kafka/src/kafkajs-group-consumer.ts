import type { Consumer, Kafka } from 'kafkajs';
import type {
  KafkaConsumedBatch,
  KafkaConsumerSettings,
  KafkaGroupConsumerClient,
  KafkaGroupOffset,
} from './kafka-client.js';
import { isRetriableKafkaError } from './kafka-errors.js';

const COMMIT_ATTEMPTS = 5;

/** A consumer-group member over kafkajs' consumer, with offsets committed only when we say so. */
export function kafkajsGroupConsumer(
  kafka: Kafka,
  groupId: string,
  settings: KafkaConsumerSettings = {},
): KafkaGroupConsumerClient {
  const consumer: Consumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: settings.maxWaitTimeInMs ?? 500,
    ...(settings.sessionTimeout === undefined ? {} : { sessionTimeout: settings.sessionTimeout }),
    ...(settings.rebalanceTimeout === undefined ? {} : { rebalanceTimeout: settings.rebalanceTimeout }),
    ...(settings.heartbeatInterval === undefined ? {} : { heartbeatInterval: settings.heartbeatInterval }),
    ...(settings.maxBytesPerPartition === undefined
      ? {}
      : { maxBytesPerPartition: settings.maxBytesPerPartition }),
    ...(settings.minBytes === undefined ? {} : { minBytes: settings.minBytes }),
    ...(settings.maxBytes === undefined ? {} : { maxBytes: settings.maxBytes }),
    ...(settings.readUncommitted === undefined ? {} : { readUncommitted: settings.readUncommitted }),
  });
  return {
    async run(topics, fromBeginning, handle: (batch: KafkaConsumedBatch) => Promise<void>) {
      await consumer.connect();
      await consumer.subscribe({ topics: [...topics], fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (batch.messages.length === 0) return;
          await handle({
            topic: batch.topic,
            partition: batch.partition,
            records: batch.messages.map((m) => ({
              topic: batch.topic,
              partition: batch.partition,
              offset: Number(m.offset),
              timestamp: Number(m.timestamp),
              key: m.key ?? null,
              value: m.value,
              headers: (m.headers ?? {}) as Record<string, Buffer | Buffer[] | undefined>,
            })),
          });
        },
      });
    },
    async commit(offsets: readonly KafkaGroupOffset[]) {
      if (offsets.length === 0) return;
      const wanted = offsets.map((o) => ({
        topic: o.topic,
        partition: o.partition,
        offset: String(o.offset),
      }));
      // A new group's coordinator may still be loading or moving: try again, a few times.
      for (let attempt = 1; ; attempt++) {
        try {
          await consumer.commitOffsets(wanted);
          return;
        } catch (error) {
          if (attempt >= COMMIT_ATTEMPTS || !isRetriableKafkaError(error)) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        }
      }
    },
    async close() {
      await consumer.disconnect();
    },
  };
}
