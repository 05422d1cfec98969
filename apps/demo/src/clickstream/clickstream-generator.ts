import { type KafkaClient, type KafkaProducerClient, kafkajsClient } from '@dstream/connector-kafka';
import { rawEventAt } from './events.js';

export interface GeneratorOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly partitions: number;
  readonly seed: number;
  /** Events per second over all partitions. */
  readonly rate: number;
  /** Stop after the topic holds this many events in total (bounded runs, tests). */
  readonly maxEvents?: number;
}

export interface ClickstreamGenerator {
  /** Events in the topic now (what was there at start plus what this process wrote). */
  readonly total: number;
  /** True once `maxEvents` are in the topic. */
  readonly done: boolean;
  stop(): Promise<void>;
}

const tickMs = 100;

/**
 * Writes page-view events to Kafka. The event at each (partition, offset) is `rawEventAt(seed, …)`,
 * so a restarted generator continues where the topic ends and the verifier can recompute them.
 * One request per partition, idempotent producer: an acknowledged write is in the log once.
 */
export async function startClickstreamGenerator(options: GeneratorOptions): Promise<ClickstreamGenerator> {
  const client: KafkaClient = kafkajsClient({
    brokers: [...options.brokers],
    clientId: 'dstream-demo-generator',
  });
  const next = new Map<number, number>();
  const resync = async (): Promise<void> => {
    for (const o of await client.topicOffsets(options.topic)) next.set(o.partition, o.latest);
  };
  await resync();
  const producer: KafkaProducerClient = await client.producer();
  const total = (): number => [...next.values()].reduce((a, b) => a + b, 0);
  let stopped = false;
  let carry = 0;
  let partition = 0;
  let running: Promise<void> | undefined;
  let last = Date.now();

  const tick = async (): Promise<void> => {
    const now = Date.now();
    carry += (options.rate * (now - last)) / 1000;
    last = now;
    let n = Math.floor(carry);
    carry -= n;
    if (options.maxEvents !== undefined) n = Math.min(n, options.maxEvents - total());
    // Spread over the partitions round-robin, one request per partition.
    const perPartition = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      perPartition.set(partition, (perPartition.get(partition) ?? 0) + 1);
      partition = (partition + 1) % options.partitions;
    }
    for (const [p, count] of perPartition) {
      const from = next.get(p) ?? 0;
      const records = Array.from({ length: count }, (_, i) => ({
        key: null,
        value: rawEventAt(options.seed, p, from + i),
      }));
      try {
        await producer.sendPartition(options.topic, p, records, 'none');
        next.set(p, from + count);
      } catch {
        // Unknown whether it landed: read where the partition ends before writing on.
        await resync().catch(() => undefined);
      }
    }
  };
  const timer = setInterval(() => {
    // One tick at a time: a slow broker makes the next tick write more, never pile up ticks.
    if (stopped || running !== undefined) return;
    running = tick()
      .catch(() => undefined)
      .finally(() => {
        running = undefined;
      });
  }, tickMs);

  return {
    get total() {
      return total();
    },
    get done() {
      return options.maxEvents !== undefined && total() >= options.maxEvents;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await producer.close().catch(() => undefined);
      await client.close().catch(() => undefined);
    },
  };
}
