import { SerializationError } from '@dstream/core';
import type { ConsumerRecord, Deserializer } from './deserializers.js';
import type {
  KafkaClient,
  KafkaOutgoingRecord,
  KafkaProducerClient,
  KafkaRawRecord,
} from './kafka-client.js';
import { deserializationError } from './kafka-errors.js';

/** What to do with a record whose key or value does not deserialize. */
export type BadRecordPolicy = 'fail' | 'skip' | { deadLetterTopic: string };

interface DecoderOptions<K, V> {
  key: Deserializer<K>;
  value: Deserializer<V>;
  policy: BadRecordPolicy;
}

/**
 * Deserializes raw records by the stream's policy. Dead letters keep their original bytes and get
 * headers saying where they came from and why; they are written (durably) before the batch is handed
 * on, so a record is never both dropped from the batch and missing from the dead-letter topic.
 */
export class RecordDecoder<K, V> {
  skipped = 0;
  deadLettered = 0;
  private readonly deadLetters: Array<{ partition: number; record: KafkaOutgoingRecord }> = [];
  private producer: Promise<KafkaProducerClient> | undefined;
  private producerClient: KafkaClient | undefined;

  constructor(private readonly options: DecoderOptions<K, V>) {}

  decode(raw: readonly KafkaRawRecord[]): ConsumerRecord<K, V>[] {
    const out: ConsumerRecord<K, V>[] = [];
    for (const r of raw) {
      let part: 'key' | 'value' = 'key';
      try {
        const key = this.options.key(r.key, r);
        part = 'value';
        const value = this.options.value(r.value, r);
        out.push({
          topic: r.topic,
          partition: r.partition,
          offset: r.offset,
          timestamp: r.timestamp,
          key,
          value,
          headers: r.headers,
        });
      } catch (error) {
        const wrapped = deserializationError(r.topic, r.partition, r.offset, part, error);
        const policy = this.options.policy;
        if (policy === 'fail') throw wrapped;
        if (policy === 'skip') {
          this.skipped++;
          continue;
        }
        this.deadLetters.push({ partition: r.partition, record: deadLetter(r, wrapped) });
      }
    }
    return out;
  }

  /** Writes the collected dead letters (one request per partition) and resolves when they are durable. */
  async flushDeadLetters(client: KafkaClient): Promise<void> {
    const policy = this.options.policy;
    if (this.deadLetters.length === 0 || typeof policy !== 'object') return;
    const letters = this.deadLetters.splice(0);
    const partitions = await client.partitions(policy.deadLetterTopic);
    if (partitions.length === 0) {
      throw new SerializationError(
        `directStream: dead-letter topic '${policy.deadLetterTopic}' does not exist`,
      );
    }
    if (this.producer === undefined || this.producerClient !== client) {
      this.producer = client.producer();
      this.producerClient = client;
    }
    const producer = await this.producer;
    const byPartition = new Map<number, KafkaOutgoingRecord[]>();
    for (const l of letters) {
      const p = l.partition % partitions.length;
      byPartition.set(p, [...(byPartition.get(p) ?? []), l.record]);
    }
    await Promise.all(
      [...byPartition].map(([p, records]) =>
        producer.sendPartition(policy.deadLetterTopic, p, records, 'none'),
      ),
    );
    this.deadLettered += letters.length;
  }

  async close(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    await p?.then((x) => x.close()).catch(() => undefined);
  }
}

function deadLetter(r: KafkaRawRecord, error: SerializationError): KafkaOutgoingRecord {
  const headers: Record<string, Buffer | string> = {};
  for (const [name, value] of Object.entries(r.headers)) {
    if (Buffer.isBuffer(value)) headers[name] = value;
  }
  headers['dstream.error'] = error.message;
  headers['dstream.source.topic'] = r.topic;
  headers['dstream.source.partition'] = String(r.partition);
  headers['dstream.source.offset'] = String(r.offset);
  return { key: r.key, value: r.value, headers, timestamp: r.timestamp };
}
