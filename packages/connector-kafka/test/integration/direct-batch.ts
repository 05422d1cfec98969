import type { Time } from '@dstream/core';
import type { ConsumerRecord, KafkaDirectSource } from '../../src/index.js';

/**
 * A direct source's batch at `time` with its records, as the engine gets them: `compute` plans the
 * ranges and `readPartition` reads each (here on the driver's started source), or, with a dead-letter
 * topic, `compute` has read them already.
 */
export async function computeBatch<K, V>(source: KafkaDirectSource<K, V>, time: Time) {
  const batch = await source.compute(time);
  const read = source.readPartition?.bind(source);
  const partitions: ConsumerRecord<K, V>[][] =
    read === undefined
      ? (batch.partitions as ConsumerRecord<K, V>[][])
      : await Promise.all(
          batch.partitions.map(async (p, partition) => [...(await read(p, { executorId: 0, partition }))]),
        );
  return { ...batch, partitions };
}

/**
 * Reads the batch at `time` and completes it (commits its ranges), retrying while brokers are down
 * (up to 100 attempts, 300 ms apart): the driver's side of a batch during a failover. Returns the
 * records' values as numbers.
 */
export async function readAndCompleteRetrying<K, V>(
  source: KafkaDirectSource<K, V>,
  time: Time,
): Promise<number[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      const batch = await computeBatch(source, time);
      const values = batch.partitions.flatMap((p) => p.map((r) => Number(r.value)));
      await source.onBatchCompleted?.(time, batch.offsetRanges ?? []);
      return values;
    } catch (error) {
      if (attempt >= 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}
