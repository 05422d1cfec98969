import type {
  KafkaConsumedBatch,
  KafkaConsumerSettings,
  KafkaGroupConsumerClient,
  KafkaGroupOffset,
  KafkaHeaders,
  KafkaRawRecord,
} from './kafka-client.js';
import { isRetriableKafkaError } from './kafka-errors.js';
import type {
  PlatformaticBaseOptions,
  PlatformaticConsumer,
  PlatformaticMessage,
  PlatformaticMessagesStream,
  PlatformaticModule,
} from './platformatic-api.js';

const COMMIT_ATTEMPTS = 5;
/** Most records handed over in one turn (what the stream has buffered, up to this). */
const MAX_TURN = 10_000;
/** Restarts of the reading loop in a row (each after a longer pause) before it gives up. */
const MAX_RESTARTS = 20;

function record(m: PlatformaticMessage): KafkaRawRecord {
  let headers: KafkaHeaders = {};
  if (m.headers.size > 0) {
    const out: Record<string, Buffer> = {};
    for (const [k, v] of m.headers) out[k.toString()] = v;
    headers = out;
  }
  return {
    topic: m.topic,
    partition: m.partition,
    offset: Number(m.offset),
    timestamp: Number(m.timestamp),
    key: m.key ?? null,
    value: m.value ?? null,
    headers,
  };
}

/**
 * A consumer-group member over @platformatic/kafka's group consumer (its MessagesStream), offsets
 * committed only when we say so. The stream yields one message at a time; each turn takes what it
 * has buffered and hands it over one partition at a time, in offset order.
 */
export function platformaticGroupConsumer(
  lib: PlatformaticModule,
  base: PlatformaticBaseOptions,
  groupId: string,
  settings: KafkaConsumerSettings = {},
): KafkaGroupConsumerClient {
  const consumer: PlatformaticConsumer = new lib.Consumer({
    ...base,
    groupId,
    autocommit: false,
    maxWaitTime: settings.maxWaitTimeInMs ?? 500,
    isolationLevel: settings.readUncommitted === true ? 0 : 1,
    ...(settings.sessionTimeout === undefined ? {} : { sessionTimeout: settings.sessionTimeout }),
    ...(settings.rebalanceTimeout === undefined ? {} : { rebalanceTimeout: settings.rebalanceTimeout }),
    ...(settings.heartbeatInterval === undefined ? {} : { heartbeatInterval: settings.heartbeatInterval }),
    ...(settings.maxBytesPerPartition === undefined
      ? {}
      : { maxBytesPerPartition: settings.maxBytesPerPartition }),
    ...(settings.minBytes === undefined ? {} : { minBytes: settings.minBytes }),
    ...(settings.maxBytes === undefined ? {} : { maxBytes: settings.maxBytes }),
  });
  let stream: PlatformaticMessagesStream | undefined;
  let closed = false;
  // The last failure of the reading loop; after MAX_RESTARTS in a row it stops and commit() throws it.
  let failure: unknown;
  let gaveUp = false;

  const deliver = async (
    s: PlatformaticMessagesStream,
    handle: (batch: KafkaConsumedBatch) => Promise<void>,
  ): Promise<void> => {
    const messages = s[Symbol.asyncIterator]();
    const buffered = (): number => (s as unknown as { readableLength: number }).readableLength;
    while (!closed) {
      const first = await messages.next();
      if (first.done === true) return;
      const turn: PlatformaticMessage[] = [first.value];
      while (buffered() > 0 && turn.length < MAX_TURN) {
        const more = await messages.next();
        if (more.done === true) break;
        turn.push(more.value);
      }
      const byPartition = new Map<string, KafkaRawRecord[]>();
      for (const m of turn) {
        const key = `${m.topic}\u0000${m.partition}`;
        const list = byPartition.get(key);
        if (list === undefined) byPartition.set(key, [record(m)]);
        else list.push(record(m));
      }
      for (const records of byPartition.values()) {
        const { topic, partition } = records[0]!;
        await handle({ topic, partition, records });
      }
      failure = undefined;
    }
  };

  return {
    async run(topics, fromBeginning, handle: (batch: KafkaConsumedBatch) => Promise<void>) {
      const consume = () =>
        consumer.consume({
          topics: [...topics],
          mode: 'committed',
          fallbackMode: fromBeginning ? 'earliest' : 'latest',
        });
      // As kafkajs' run(): resolves once the member has joined and reading started.
      stream = await consume();
      void (async () => {
        for (let failures = 0; !closed; ) {
          try {
            await deliver(stream!, handle);
            return;
          } catch (error) {
            if (closed) return;
            // A failed handler or fetch: start over from the committed offsets (records handed
            // over but not committed come again, as kafkajs redelivers them), with a growing pause.
            failure = error;
            if (++failures > MAX_RESTARTS) {
              gaveUp = true;
              return;
            }
            await stream?.close().catch(() => undefined);
            await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** failures)));
            if (closed) return;
            stream = await consume().catch((e: unknown) => {
              failure = e;
              return stream;
            });
          }
        }
      })();
    },
    async commit(offsets: readonly KafkaGroupOffset[]) {
      if (gaveUp) throw failure;
      if (offsets.length === 0) return;
      const wanted = offsets.map((o) => ({
        topic: o.topic,
        partition: o.partition,
        offset: BigInt(o.offset),
        leaderEpoch: -1,
      }));
      // A new group's coordinator may still be loading or moving: try again, a few times.
      for (let attempt = 1; ; attempt++) {
        try {
          await consumer.commit({ offsets: wanted });
          return;
        } catch (error) {
          if (attempt >= COMMIT_ATTEMPTS || !isRetriableKafkaError(error)) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        }
      }
    },
    async close() {
      closed = true;
      await stream?.close().catch(() => undefined);
      await consumer.close(true).catch(() => undefined);
    },
  };
}
