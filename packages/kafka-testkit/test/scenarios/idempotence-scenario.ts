import { randomUUID } from 'node:crypto';
import type { Reader } from '../../src/protocol/reader.js';
import { encodeBatch, readBatchHeader, splitBatches } from '../../src/protocol/record-batch.js';
import { findCoordinator, partitionLeaders, RawClient } from './raw-client.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function batch(
  count: number,
  producerId: number,
  producerEpoch: number,
  baseSequence: number,
  transactional = false,
) {
  const records = Array.from({ length: count }, (_, i) => ({ value: `seq-${baseSequence + i}` }));
  return encodeBatch(records, { producerId, producerEpoch, baseSequence, transactional });
}

async function produce(
  client: RawClient,
  topic: string,
  records: Buffer,
  transactionalId: string | null = null,
) {
  const r = await client.request(0, 7, (w) => {
    w.string(transactionalId).int16(-1).int32(5000);
    w.array([topic], (x, t) => x.string(t).array([records], (y, b) => y.int32(0).bytes(b)));
  });
  let result = { error: -1, baseOffset: -1 };
  r.array((t) => {
    t.string();
    t.array((p) => {
      p.int32();
      const error = p.int16();
      const baseOffset = p.int64();
      p.int64();
      p.int64();
      result = { error, baseOffset };
    });
  });
  return result;
}

async function initProducerId(client: RawClient, transactionalId: string | null) {
  for (let attempt = 0; ; attempt++) {
    const r = await client.request(22, 1, (w) => w.string(transactionalId).int32(60_000));
    r.int32();
    const result = { error: r.int16(), producerId: r.int64(), producerEpoch: r.int16() };
    // Kafka answers CONCURRENT_TRANSACTIONS (or a coordinator error) while it aborts/loads; clients retry.
    if (![14, 15, 16, 51].includes(result.error) || attempt > 100) return result;
    await sleep(50);
  }
}

async function txnRequest(
  client: RawClient,
  apiKey: number,
  body: (w: import('../../src/protocol/writer.js').Writer) => void,
) {
  for (let attempt = 0; ; attempt++) {
    const r = await client.request(apiKey, 1, body);
    r.int32();
    const error = apiKey === 24 ? firstError(r) : r.int16();
    if (error !== 51 || attempt > 100) return error;
    await sleep(50);
  }
}

function firstError(r: Reader): number {
  let error = -1;
  r.array((t) => {
    t.string();
    t.array((p) => {
      p.int32();
      error = p.int16();
    });
  });
  return error;
}

async function listOffset(client: RawClient, topic: string, isolationLevel: number) {
  const r = await client.request(2, 2, (w) => {
    w.int32(-1).int8(isolationLevel);
    w.array([topic], (x, t) => x.string(t).array([0], (y, p) => y.int32(p).int64(-1)));
  });
  r.int32();
  let offset = -1;
  r.array((t) => {
    t.string();
    t.array((p) => {
      p.int32();
      p.int16();
      p.int64();
      offset = p.int64();
    });
  });
  return offset;
}

async function fetchCommitted(client: RawClient, topic: string) {
  const r = await client.request(1, 4, (w) => {
    w.int32(-1)
      .int32(0)
      .int32(1)
      .int32(1 << 20)
      .int8(1);
    w.array([topic], (x, t) =>
      x.string(t).array([0], (y, p) =>
        y
          .int32(p)
          .int64(0)
          .int32(1 << 20),
      ),
    );
  });
  r.int32();
  const out: Record<string, unknown> = {};
  r.array((t) => {
    t.string();
    t.array((p) => {
      p.int32();
      out.error = p.int16();
      out.highWatermark = p.int64();
      out.lastStableOffset = p.int64();
      out.aborted = p.nullableArray((a) => [a.int64() >= 0, a.int64()]);
      const records = p.bytes();
      const headers = records.length ? splitBatches(records).map(readBatchHeader) : [];
      out.dataRecords = headers.filter((h) => !h.isControl).reduce((sum, h) => sum + h.recordCount, 0);
      out.markers = headers.filter((h) => h.isControl).length;
    });
  });
  return out;
}

/**
 * Idempotent and transactional producers at the wire level: sequence numbers, duplicates acknowledged
 * with their original offset, gaps, epochs fenced by a new InitProducerId, last stable offset,
 * aborted-transaction lists in Fetch and read_committed ListOffsets.
 */
export async function idempotenceScenario(bootstrap: string[]) {
  const topic = `idempotence-${randomUUID()}`;
  const transactionalId = `txn-${randomUUID()}`;
  const boot = await RawClient.connect(bootstrap[0]!);
  const clients = [boot];
  try {
    const created = await boot.request(19, 2, (w) => {
      w.array([topic], (x, t) =>
        x
          .string(t)
          .int32(1)
          .int16(1)
          .array([], () => {})
          .array([], () => {}),
      );
      w.int32(5000).bool(false);
    });
    created.int32();
    const steps: Record<string, unknown> = {};
    const leaders = await partitionLeaders(boot, topic);
    const leader = await RawClient.connect(leaders.get(0)!);
    clients.push(leader);

    const idempotent = await initProducerId(leader, null);
    steps.idempotentInit = { error: idempotent.error, epoch: idempotent.producerEpoch };
    const { producerId } = idempotent;
    steps.sequences = [
      await produce(leader, topic, batch(1, producerId, 0, 0)),
      await produce(leader, topic, batch(2, producerId, 0, 1)),
      await produce(leader, topic, batch(1, producerId, 0, 0)),
      await produce(leader, topic, batch(2, producerId, 0, 1)),
      await produce(leader, topic, batch(1, producerId, 0, 10)),
      await produce(leader, topic, batch(1, producerId, 0, 3)),
    ];
    steps.highWatermarkAfterDuplicates = await listOffset(leader, topic, 0);

    const coordinator = await RawClient.connect(await findCoordinator(boot, transactionalId, 1));
    clients.push(coordinator);
    const first = await initProducerId(coordinator, transactionalId);
    const addPartition = (epoch: number) =>
      txnRequest(coordinator, 24, (w) =>
        w
          .string(transactionalId)
          .int64(first.producerId)
          .int16(epoch)
          .array([topic], (x, t) => x.string(t).array([0], (y, p) => y.int32(p))),
      );
    const endTxn = (epoch: number, commit: boolean) =>
      txnRequest(coordinator, 26, (w) =>
        w.string(transactionalId).int64(first.producerId).int16(epoch).bool(commit),
      );
    steps.txnInit = { error: first.error, epoch: first.producerEpoch };
    steps.addPartition = await addPartition(first.producerEpoch);
    steps.txnProduce = await produce(
      leader,
      topic,
      batch(2, first.producerId, first.producerEpoch, 0, true),
      transactionalId,
    );
    steps.openTxnOffsets = {
      committed: await listOffset(leader, topic, 1),
      uncommitted: await listOffset(leader, topic, 0),
    };

    const second = await initProducerId(coordinator, transactionalId);
    steps.reinit = {
      error: second.error,
      sameProducerId: second.producerId === first.producerId,
      epochStep: second.producerEpoch - first.producerEpoch,
    };
    steps.fencedOffsets = {
      committed: await listOffset(leader, topic, 1),
      uncommitted: await listOffset(leader, topic, 0),
    };
    steps.staleEpoch = {
      addPartition: await addPartition(first.producerEpoch),
      endTxn: await endTxn(first.producerEpoch, true),
      produce: (
        await produce(
          leader,
          topic,
          batch(1, first.producerId, first.producerEpoch, 2, true),
          transactionalId,
        )
      ).error,
    };

    steps.addPartitionNewEpoch = await addPartition(second.producerEpoch);
    steps.txnProduce2 = await produce(
      leader,
      topic,
      batch(3, second.producerId, second.producerEpoch, 0, true),
      transactionalId,
    );
    steps.fetchWhileOpen = await fetchCommitted(leader, topic);
    steps.commit = await endTxn(second.producerEpoch, true);
    steps.commitAgain = await endTxn(second.producerEpoch, true);
    steps.abortAfterCommit = await endTxn(second.producerEpoch, false);
    steps.fetchAfterCommit = await fetchCommitted(leader, topic);
    steps.offsetsAfterCommit = {
      committed: await listOffset(leader, topic, 1),
      uncommitted: await listOffset(leader, topic, 0),
    };

    // A transactional batch for a partition never added to the transaction.
    const strayId = `${transactionalId}-stray`;
    const strayCoordinator = await RawClient.connect(await findCoordinator(boot, strayId, 1));
    clients.push(strayCoordinator);
    const stray = await initProducerId(strayCoordinator, strayId);
    steps.produceWithoutAddPartitions = (
      await produce(leader, topic, batch(1, stray.producerId, stray.producerEpoch, 0, true), strayId)
    ).error;
    steps.offsetsAtEnd = {
      committed: await listOffset(leader, topic, 1),
      uncommitted: await listOffset(leader, topic, 0),
    };
    return steps;
  } finally {
    for (const client of clients) client.close();
  }
}
