import { randomUUID } from 'node:crypto';
import type { Reader } from '../../src/protocol/reader.js';
import { encodeBatch } from '../../src/protocol/record-batch.js';
import type { Writer } from '../../src/protocol/writer.js';
import { findCoordinator, partitionLeaders, RawClient } from './raw-client.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const none = () => {};

/** Reads `[topic, [partition, error, ...rest]]` answers and returns the first partition's error code. */
function partitionError(r: Reader, rest: (p: Reader) => void = none): number {
  let error = -1;
  r.array((t) => {
    t.string();
    t.array((p) => {
      p.int32();
      error = p.int16();
      rest(p);
    });
  });
  return error;
}

function topicErrors(r: Reader, withMessage: boolean): number[] {
  return r.array((t) => {
    t.string();
    const error = t.int16();
    if (withMessage) t.nullableString();
    return error;
  });
}

const topicArray = (topic: string, partition: (w: Writer) => void) => (w: Writer) =>
  w.array([topic], (x, t) => x.string(t).array([0], (y) => partition(y.int32(0))));

/**
 * The error codes of requests that go wrong in ways clients meet: unknown topics, partitions and
 * groups, invalid arguments, and group or transaction calls out of order. Raw requests, so nothing
 * is retried or hidden.
 */
export async function errorCodesScenario(bootstrap: string[]) {
  const topic = `errors-${randomUUID()}`;
  const missing = `missing-${randomUUID()}`;
  const groupId = `errors-group-${randomUUID()}`;
  const boot = await RawClient.connect(bootstrap[0]!);
  const clients = [boot];
  const connect = async (address: string) => {
    const client = await RawClient.connect(address);
    clients.push(client);
    return client;
  };
  try {
    const codes: Record<string, unknown> = {};
    const create = async (name: string, partitions: number, replicationFactor: number) => {
      const r = await boot.request(19, 2, (w) => {
        w.array([name], (x, t) =>
          x.string(t).int32(partitions).int16(replicationFactor).array([], none).array([], none),
        );
        w.int32(5000).bool(false);
      });
      r.int32();
      return topicErrors(r, true)[0];
    };
    codes.createTopics = {
      ok: await create(topic, 1, 1),
      exists: await create(topic, 1, 1),
      zeroPartitions: await create(`${topic}-zero`, 0, 1),
      replicationAboveBrokers: await create(`${topic}-rf`, 1, 5),
      illegalName: await create('bad/name', 1, 1),
    };
    const del = await boot.request(20, 1, (w) => w.array([missing], (x, t) => x.string(t)).int32(5000));
    del.int32();
    codes.deleteUnknownTopic = del.array((t) => [t.string(), t.int16()] as const)[0]?.[1];

    const metadata = await boot.request(3, 4, (w) => w.array(['bad/name'], (x, t) => x.string(t)).bool(true));
    metadata.int32();
    metadata.array((b) => [b.int32(), b.string(), b.int32(), b.nullableString()]);
    metadata.nullableString();
    metadata.int32();
    codes.metadataIllegalName = metadata.array((t) => {
      const error = t.int16();
      t.string();
      t.bool();
      t.array((p) => [
        p.int16(),
        p.int32(),
        p.int32(),
        p.array((x) => x.int32()),
        p.array((x) => x.int32()),
        p.array((x) => x.int32()),
      ]);
      return error;
    })[0];

    const leader = await connect((await partitionLeaders(boot, topic)).get(0)!);
    const batch = encodeBatch([{ value: 'x' }]);
    const produce = async (name: string) =>
      partitionError(
        await leader.request(0, 7, (w) =>
          w
            .string(null)
            .int16(-1)
            .int32(5000)
            .array([name], (x, t) => x.string(t).array([batch], (y, b) => y.int32(0).bytes(b))),
        ),
        (p) => [p.int64(), p.int64(), p.int64()],
      );
    codes.produceUnknownTopic = await produce(missing);
    const listOffsets = await leader.request(2, 2, (w) =>
      w
        .int32(-1)
        .int8(0)
        .array([missing], (x, t) => x.string(t).array([0], (y) => y.int32(0).int64(-1))),
    );
    listOffsets.int32();
    codes.listOffsetsUnknownTopic = partitionError(listOffsets, (p) => [p.int64(), p.int64()]);
    const fetch = await leader.request(1, 4, (w) => {
      w.int32(-1)
        .int32(0)
        .int32(1)
        .int32(1 << 20)
        .int8(0);
      topicArray(missing, (y) => y.int64(0).int32(1 << 20))(w);
    });
    fetch.int32();
    codes.fetchUnknownTopic = partitionError(fetch, (p) => [
      p.int64(),
      p.int64(),
      p.nullableArray((a) => [a.int64(), a.int64()]),
      p.bytes(),
    ]);
    const deleteRecords = async (offset: number) => {
      const r = await leader.request(21, 0, (w) => topicArray(topic, (y) => y.int64(offset))(w).int32(5000));
      r.int32();
      let error = -1;
      r.array((t) => [t.string(), t.array((p) => [p.int32(), p.int64(), (error = p.int16())])]);
      return error;
    };
    codes.deleteRecordsAboveHighWatermark = await deleteRecords(5);

    const coordinator = await connect(await findCoordinator(boot, groupId, 0));
    // A freshly started real broker answers group calls with coordinator errors (or worse) while it
    // creates and loads __consumer_offsets: wait until OffsetFetch answers cleanly.
    for (let attempt = 0; attempt < 150; attempt++) {
      const r = await coordinator.request(9, 2, (w) => w.string(groupId).array([], none));
      r.array(none);
      if (![14, 15, 16].includes(r.int16())) break;
      await sleep(100);
    }
    const heartbeat = await coordinator.request(12, 1, (w) => w.string(groupId).int32(1).string('nobody'));
    heartbeat.int32();
    codes.heartbeatUnknownGroup = heartbeat.int16();
    const sync = await coordinator.request(14, 1, (w) =>
      w.string(groupId).int32(1).string('nobody').array([], none),
    );
    sync.int32();
    codes.syncUnknownGroup = sync.int16();
    const join = async (sessionTimeoutMs: number, memberId: string) => {
      const r = await coordinator.request(11, 4, (w) => {
        w.string(groupId).int32(sessionTimeoutMs).int32(3000).string(memberId).string('consumer');
        w.array(['range'], (x, name) => x.string(name).bytes(Buffer.from('m')));
      });
      r.int32();
      return {
        error: r.int16(),
        generation: r.int32(),
        protocol: r.string(),
        leader: r.string(),
        memberId: r.string(),
      };
    };
    codes.joinSessionTooShort = (await join(10, '')).error;
    codes.joinUnknownMemberId = (await join(6000, 'made-up-member')).error;
    const commit = async (generation: number, memberId: string, name: string) =>
      partitionError(
        await coordinator.request(8, 2, (w) => {
          w.string(groupId).int32(generation).string(memberId).int64(-1);
          topicArray(name, (y) => y.int64(1).string(null))(w);
        }),
      );
    codes.simpleCommitUnknownTopic = await commit(-1, '', missing);
    codes.simpleCommit = await commit(-1, '', topic);
    const first = await join(6000, '');
    const joined = await join(6000, first.memberId);
    codes.simpleCommitToActiveGroup = await commit(-1, '', topic);
    codes.commitDuringCompletingRebalance = await commit(joined.generation, joined.memberId, topic);
    const deleteGroup = async (id: string) => {
      const groupCoordinator =
        id === groupId ? coordinator : await connect(await findCoordinator(boot, id, 0));
      const r = await groupCoordinator.request(42, 0, (w) => w.array([id], (x, g) => x.string(g)));
      r.int32();
      return r.array((g) => [g.string(), g.int16()] as const)[0]?.[1];
    };
    codes.deleteActiveGroup = await deleteGroup(groupId);
    codes.deleteUnknownGroup = await deleteGroup(`${groupId}-never`);

    const transactionalId = `errors-txn-${randomUUID()}`;
    const txnCoordinator = await connect(await findCoordinator(boot, transactionalId, 1));
    // Same for __transaction_state: wait until InitProducerId of another id succeeds.
    for (let attempt = 0; attempt < 150; attempt++) {
      const warmupId = `${transactionalId}-warmup`;
      const warmup = await connect(await findCoordinator(boot, warmupId, 1));
      const r = await warmup.request(22, 0, (w) => w.string(warmupId).int32(60_000));
      r.int32();
      if (![14, 15, 16, 51].includes(r.int16())) break;
      await sleep(100);
    }
    const endTxn = await txnCoordinator.request(26, 0, (w) =>
      w.string(transactionalId).int64(12345).int16(0).bool(true),
    );
    endTxn.int32();
    codes.endTxnUnknownTransactionalId = endTxn.int16();
    let init = { error: -1, producerId: -1, epoch: -1 };
    for (let attempt = 0; attempt < 100; attempt++) {
      const r = await txnCoordinator.request(22, 0, (w) => w.string(transactionalId).int32(60_000));
      r.int32();
      init = { error: r.int16(), producerId: r.int64(), epoch: r.int16() };
      if (![14, 15, 16, 51].includes(init.error)) break;
      await sleep(100);
    }
    const endEmpty = await txnCoordinator.request(26, 0, (w) =>
      w.string(transactionalId).int64(init.producerId).int16(init.epoch).bool(true),
    );
    endEmpty.int32();
    codes.endTxnWithoutTransaction = endEmpty.int16();
    const wrongProducer = await txnCoordinator.request(25, 0, (w) =>
      w
        .string(transactionalId)
        .int64(init.producerId + 1)
        .int16(init.epoch)
        .string(groupId),
    );
    wrongProducer.int32();
    codes.addOffsetsWrongProducerId = wrongProducer.int16();
    return codes;
  } finally {
    for (const client of clients) client.close();
  }
}
