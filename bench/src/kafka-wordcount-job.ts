// The Kafka word count of the benchmark, as a job module so that executors can rebuild it.
import {
  type KafkaFetchRange,
  bufferDeserializer,
  directStream,
  kafkajsClient,
} from '@dstream/connector-kafka';
import { type DStream, type Source, type StreamingContext, perExecutor } from '@dstream/core';

export const totals = { words: 0 };

const brokers = () => (process.env.BENCH_KAFKA_BOOTSTRAP ?? '').split(',');
const topicName = () => process.env.BENCH_KAFKA_TOPIC ?? '';

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
      topics: [topic],
      groupId: `wordcount-${topic}`,
      startingOffsets: 'earliest',
      commitToGroup: false,
      // Values stay bytes on the driver and are decoded where the words are counted (on the
      // executors when there are any): the driver only moves bytes.
      deserializer: { value: bufferDeserializer },
    }).flatMap((r) => (r.value?.toString('utf8') ?? '').split(' ')),
  );
}

// One Kafka client per executor (and one on the driver), closed when the context stops.
const kafka = perExecutor(() => kafkajsClient({ brokers: brokers() }), { close: (c) => c.close() });

/**
 * The same word count through a source that only plans offset ranges on the driver and reads them
 * where they are processed (Source.readPartition, as Spark's KafkaRDD): what directStream could
 * do. It plans the whole topic in its first batch; the benchmark runs one batch.
 */
export function kafkaWordCountReadOnExecutors(ctx: StreamingContext): void {
  const topic = topicName();
  let planned = false;
  const ranges: Source<string, KafkaFetchRange> = {
    name: `ranges(${topic})`,
    replayable: false,
    replayReason: 'the benchmark plans its topic once, in memory',
    async compute() {
      if (planned) return { partitions: [] };
      planned = true;
      const offsets = await kafka.use((c) => c.topicOffsets(topic));
      return {
        partitions: offsets.map((o) => [
          { topic, partition: o.partition, fromOffset: o.earliest, untilOffset: o.latest },
        ]),
        recordCount: offsets.reduce((n, o) => n + o.latest - o.earliest, 0),
      };
    },
    async readPartition([range]) {
      const records = await kafka.use((c) => c.fetchRange(range!));
      return records.map((r) => r.value?.toString('utf8') ?? '');
    },
  };
  countWords(ctx.source(ranges).flatMap((line) => line.split(' ')));
}
