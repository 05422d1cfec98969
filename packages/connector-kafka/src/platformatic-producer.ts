import { StateError } from '@dstream/core';
import type {
  KafkaCompression,
  KafkaOutgoingRecord,
  KafkaProducerClient,
  KafkaProducerOptions,
  KafkaTransactionClient,
} from './kafka-client.js';
import type {
  PlatformaticBaseOptions,
  PlatformaticModule,
  PlatformaticOutgoing,
  PlatformaticProducer,
  PlatformaticTransaction,
} from './platformatic-api.js';
import { isRetriableKafkaError } from './kafka-errors.js';
import { perKeyQueue } from './per-key-queue.js';

/** acks=-1: every in-sync replica has the records before the write is acknowledged. */
const ALL_REPLICAS = -1;

export interface PlatformaticProducerSettings {
  readonly lib: PlatformaticModule;
  readonly base: PlatformaticBaseOptions;
  /** The node id of a consumer group's coordinator (TxnOffsetCommit goes there); `fresh` asks again. */
  readonly groupCoordinator: (groupId: string, fresh: boolean) => Promise<number>;
  /** Drops the remembered coordinator, so that the next transaction looks it up. */
  readonly forgetGroupCoordinator: (groupId: string) => void;
}

const FRESH = { producerId: -1n, producerEpoch: -1 };
/** TxnOffsetCommit tries (each after a fresh coordinator lookup) before the transaction fails. */
const OFFSET_COMMIT_ATTEMPTS = 5;

const toBuffer = (v: Buffer | string): Buffer => (typeof v === 'string' ? Buffer.from(v) : v);

function outgoing(
  topic: string,
  partition: number,
  records: readonly KafkaOutgoingRecord[],
): PlatformaticOutgoing[] {
  return records.map((r) => {
    const m: PlatformaticOutgoing = { topic, partition };
    if (r.key !== null) m.key = toBuffer(r.key);
    if (r.value !== null) m.value = toBuffer(r.value);
    if (r.headers !== undefined) {
      // Header names go on the wire as given: they must be bytes too.
      const headers = new Map<Buffer, Buffer>();
      for (const [name, value] of Object.entries(r.headers)) headers.set(Buffer.from(name), toBuffer(value));
      m.headers = headers;
    }
    if (r.timestamp !== undefined) m.timestamp = BigInt(r.timestamp);
    return m;
  });
}

/**
 * An idempotent (or transactional) @platformatic/kafka producer with acks=-1. The connector still
 * sends one partition per request, as with kafkajs: the same contract whatever the client, and a
 * request goes to exactly one leader.
 */
export async function platformaticProducer(
  settings: PlatformaticProducerSettings,
  options: KafkaProducerOptions,
  onClose: () => void,
): Promise<KafkaProducerClient> {
  const { lib, base } = settings;
  const producer: PlatformaticProducer = new lib.Producer({
    ...base,
    idempotent: true,
    acks: ALL_REPLICAS,
    ...(options.transactionalId === undefined ? {} : { transactionalId: options.transactionalId }),
    // The library sends its `timeout` as InitProducerId's transaction timeout.
    ...(options.transactionTimeout === undefined ? {} : { timeout: options.transactionTimeout }),
  });
  try {
    // A transactional producer gets its id at its first beginTransaction (InitProducerId with the
    // transactional id); -1/-1 says "a new producer": the library's default 0/0 would ask the
    // coordinator to resume producer 0 and be refused as fenced once the id was used before.
    if (options.transactionalId === undefined) await producer.initIdempotentProducer(FRESH);
  } catch (error) {
    await producer.close(true).catch(() => undefined);
    throw error;
  }
  let open: PlatformaticTransaction | undefined;

  const send = async (
    target: PlatformaticProducer | PlatformaticTransaction,
    topic: string,
    partition: number,
    records: readonly KafkaOutgoingRecord[],
    compression: KafkaCompression,
  ): Promise<void> => {
    if (records.length === 0) return;
    await target.send({
      messages: outgoing(topic, partition, records),
      acks: ALL_REPLICAS,
      compression,
    });
  };

  const serialized = perKeyQueue();
  return {
    sendPartition: (topic, partition, records, compression) =>
      serialized(`${topic}\u0000${partition}`, () => send(producer, topic, partition, records, compression)),
    async transaction(): Promise<KafkaTransactionClient> {
      if (options.transactionalId === undefined) {
        throw new StateError('transaction() needs a producer created with a transactionalId');
      }
      const tx = await producer.beginTransaction(FRESH);
      open = tx;
      // Kafka refuses EndTxn for a transaction that added nothing (INVALID_TXN_STATE): such a
      // transaction is only dropped here, as kafkajs does.
      let added = false;
      const finish = async (how: 'commit' | 'abort'): Promise<void> => {
        try {
          if (!added) await tx.cancel();
          else await (how === 'commit' ? tx.commit() : tx.abort());
        } finally {
          if (open === tx) open = undefined;
        }
      };
      return {
        sendPartition: async (topic, partition, records, compression) => {
          if (records.length > 0) added = true;
          await send(tx, topic, partition, records, compression);
        },
        async sendOffsets(groupId, offsets) {
          if (offsets.length === 0) return;
          added = true;
          // AddOffsetsToTxn (only the group id is read), then one TxnOffsetCommit per partition to
          // the group's coordinator. The library sends it to the coordinator it is handed, so after
          // a NOT_COORDINATOR or a dead coordinator it is looked up again (a moved group).
          await tx.addConsumer({ groupId });
          for (let attempt = 1; ; attempt++) {
            try {
              const coordinatorId = await settings.groupCoordinator(groupId, attempt > 1);
              for (const o of offsets) {
                // The library commits `offset + 1`: hand it the last offset read.
                await tx.addOffset({
                  topic: o.topic,
                  partition: o.partition,
                  offset: BigInt(o.offset - 1),
                  metadata: { consumer: { groupId, generationId: -1, memberId: '', coordinatorId } },
                });
              }
              return;
            } catch (error) {
              if (attempt >= OFFSET_COMMIT_ATTEMPTS || !isRetriableKafkaError(error)) {
                settings.forgetGroupCoordinator(groupId);
                throw error;
              }
              await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
            }
          }
        },
        commit: () => finish('commit'),
        abort: () => finish('abort'),
      };
    },
    async close() {
      onClose();
      // A transaction left open (a failed batch) is aborted by the coordinator after its timeout,
      // or fenced by the next producer with the same transactional id.
      await producer.close(true).catch(() => undefined);
    },
  };
}
