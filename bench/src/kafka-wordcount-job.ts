// The Kafka word count of the benchmark, as a job module so that executors can rebuild it.
import { type KafkaClientName, bufferDeserializer, directStream } from '@dstream/connector-kafka';
import type { DStream, StreamingContext } from '@dstream/core';

export const totals = { words: 0 };

const brokers = () => (process.env.BENCH_KAFKA_BOOTSTRAP ?? '').split(',');
const topicName = () => process.env.BENCH_KAFKA_TOPIC ?? '';
const client = () => (process.env.BENCH_KAFKA_CLIENT ?? 'kafkajs') as KafkaClientName;

function countWords(words: DStream<string>): void {
  words.countByValue().foreachBatch((b) => {
    for (const p of b.partitions) for (const [, n] of p) totals.words += n;
  });
}

export function kafkaWordCount(ctx: StreamingContext): void {
  const topic = topicName();
  countWords(
    directStream(ctx, {
      brokers: brokers(),
      client: client(),
      topics: [topic],
      groupId: `wordcount-${topic}`,
      startingOffsets: 'earliest',
      commitToGroup: false,
      // The driver plans the offset ranges; the executors (when there are any) read and count them.
      deserializer: { value: bufferDeserializer },
    }).flatMap((r) => (r.value?.toString('utf8') ?? '').split(' ')),
  );
}
