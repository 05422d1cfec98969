// The Kafka word count of the benchmark, as a job module so that executors can rebuild it.
import { bufferDeserializer, directStream } from '@dstream/connector-kafka';
import type { StreamingContext } from '@dstream/core';

export const totals = { words: 0 };

export function kafkaWordCount(ctx: StreamingContext): void {
  const brokers = (process.env.BENCH_KAFKA_BOOTSTRAP ?? '').split(',');
  const topic = process.env.BENCH_KAFKA_TOPIC ?? '';
  directStream(ctx, {
    brokers,
    topics: [topic],
    groupId: `wordcount-${topic}`,
    startingOffsets: 'earliest',
    commitToGroup: false,
    // Values stay bytes on the driver and are decoded where the words are counted (on the
    // executors when there are any): the driver only moves bytes.
    deserializer: { value: bufferDeserializer },
  })
    .flatMap((r) => (r.value?.toString('utf8') ?? '').split(' '))
    .countByValue()
    .foreachBatch((b) => {
      for (const p of b.partitions) for (const [, n] of p) totals.words += n;
    });
}
