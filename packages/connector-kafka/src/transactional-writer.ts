import type { OffsetRange, SinkContext } from '@dstream/core';
import { SinkWriteError } from '@dstream/core';
import type { KafkaClient, KafkaCompression, KafkaProducerClient } from './kafka-client.js';
import { sinkWriteError } from './kafka-errors.js';
import { type PartitionedRecords, chunkRecords } from './record-router.js';

export interface TransactionalWriterOptions<T> {
  groupId: string;
  transactionalIdPrefix?: string;
  transactionTimeout?: number;
  compression: KafkaCompression;
  maxRecords: number;
  maxBytes: number;
  route: (client: KafkaClient, records: readonly T[]) => Promise<PartitionedRecords>;
}

interface ProducerEntry {
  readonly client: KafkaClient;
  readonly producer: Promise<KafkaProducerClient>;
  /** Whether the group's committed offset was checked since this producer fenced its predecessors. */
  checked: boolean;
}

/**
 * Part of this range is already committed (another instance owned the partition while this one
 * planned the range, with a different range size): writing it would duplicate records.
 */
function overlapping(groupId: string, range: OffsetRange, committed: number): Error {
  return new SinkWriteError(
    `group '${groupId}' has ${range.topic}/${range.partition} committed up to ${committed}, inside ` +
      `this batch's range [${range.fromOffset}, ${range.untilOffset}): another instance wrote part of it`,
    { retryable: false },
  );
}

/**
 * Exactly-once Kafka → Kafka: each batch partition is one Kafka transaction holding its records and
 * the source range's next offset (`sendOffsets`). The transactional id is stable per output and
 * source partition, so a restarted job's producer fences the old one (its open transaction is
 * aborted by the coordinator), and a range already committed is not written again.
 */
export function createTransactionalWriter<T>(options: TransactionalWriterOptions<T>) {
  const prefix = options.transactionalIdPrefix ?? options.groupId;
  const producers = new Map<string, ProducerEntry>();
  const committedUntil = new Map<string, number>();
  // Without a source range (a shuffled batch) a replay can only be recognized within this process.
  const committedBatches = new Set<string>();

  const transactionalId = (context: SinkContext): string => {
    const range = context.partitionOffsetRange;
    const part = range === undefined ? `p${context.partition}` : `${range.topic}-${range.partition}`;
    return `${prefix}-${context.outputId}-${part}`;
  };

  const producerFor = (client: KafkaClient, id: string): ProducerEntry => {
    let entry = producers.get(id);
    if (entry === undefined || entry.client !== client) {
      const producer = client.producer({
        transactionalId: id,
        transactionTimeout: options.transactionTimeout ?? 60_000,
      });
      entry = { client, producer, checked: false };
      producers.set(id, entry);
    }
    return entry;
  };

  const drop = async (id: string, entry: ProducerEntry): Promise<void> => {
    if (producers.get(id) === entry) producers.delete(id);
    await entry.producer.then((p) => p.close()).catch(() => undefined);
  };

  return {
    transactionalId,
    async write(client: KafkaClient, records: readonly T[], context: SinkContext): Promise<void> {
      const range = context.partitionOffsetRange;
      const id = transactionalId(context);
      const done = committedUntil.get(id) ?? -1;
      if (range !== undefined && done >= range.untilOffset) return;
      if (range !== undefined && done > range.fromOffset) throw overlapping(options.groupId, range, done);
      const batchKey = `${context.outputId}\u0000${context.batchTime}\u0000${context.partition}`;
      if (range === undefined && committedBatches.has(batchKey)) return;
      const entry = producerFor(client, id);
      let producer: KafkaProducerClient;
      try {
        producer = await entry.producer;
      } catch (error) {
        await drop(id, entry);
        throw sinkWriteError(range?.topic ?? '?', range?.partition ?? context.partition, error);
      }
      let step = 'begin';
      try {
        // The first transaction() of a producer initializes it: this fences older producers with
        // the same id and completes (or aborts) their transaction before we read the group offsets.
        const tx = await producer.transaction();
        try {
          if (range !== undefined && !entry.checked) {
            step = 'check committed offsets';
            const committed = (await client.groupOffsets(options.groupId, [range.topic])).find(
              (o) => o.partition === range.partition,
            );
            entry.checked = true;
            if (committed !== undefined && committed.offset >= range.untilOffset) {
              committedUntil.set(id, committed.offset);
              await tx.abort();
              return;
            }
            if (committed !== undefined && committed.offset > range.fromOffset) {
              throw overlapping(options.groupId, range, committed.offset);
            }
          }
          const groups = await options.route(client, records);
          for (const g of groups) {
            step = `send ${g.topic}/${g.partition}`;
            for (const chunk of chunkRecords(g.records, options.maxRecords, options.maxBytes)) {
              await tx.sendPartition(g.topic, g.partition, chunk, options.compression);
            }
          }
          if (range !== undefined) {
            step = 'sendOffsets';
            await tx.sendOffsets(options.groupId, [
              { topic: range.topic, partition: range.partition, offset: range.untilOffset },
            ]);
          }
          step = 'commit';
          await tx.commit();
          if (range !== undefined) committedUntil.set(id, range.untilOffset);
          else committedBatches.add(batchKey);
        } catch (error) {
          await tx.abort().catch(() => undefined);
          throw error;
        }
      } catch (error) {
        await drop(id, entry);
        const wrapped = sinkWriteError(range?.topic ?? '?', range?.partition ?? context.partition, error);
        wrapped.message = `transaction '${id}' failed at ${step}: ${wrapped.message}`;
        throw wrapped;
      }
    },
    async close(): Promise<void> {
      const entries = [...producers];
      producers.clear();
      await Promise.allSettled(entries.map(([, e]) => e.producer.then((p) => p.close())));
    },
  };
}
