import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

/** TxnOffsetCommit v0-v2: offsets wait in the transaction and become visible only when it commits. */
export const txnOffsetCommit: ApiHandler = {
  key: ApiKey.TxnOffsetCommit,
  name: 'TxnOffsetCommit',
  minVersion: 0,
  maxVersion: 2,
  handle({ cluster, nodeId, version, reader, forcedError }) {
    const transactionalId = reader.string();
    const groupId = reader.string();
    const producerId = reader.int64();
    const producerEpoch = reader.int16();
    const topics = reader.array((r) => ({
      name: r.string(),
      partitions: r.array((p) => ({
        partition: p.int32(),
        offset: p.int64(),
        leaderEpoch: version >= 2 ? p.int32() : -1,
        metadata: p.nullableString(),
      })),
    }));
    let groupError: number = forcedError;
    if (!groupError && !cluster.isCoordinator(nodeId, groupId)) groupError = ErrorCode.NOT_COORDINATOR;
    const checked = cluster.transactions.validate(transactionalId, producerId, producerEpoch);
    if (!groupError) groupError = checked.errorCode;
    if (!groupError && checked.txn?.state !== 'Ongoing') groupError = ErrorCode.INVALID_TXN_STATE;
    const now = Date.now();
    const w = new Writer().int32(0);
    w.array(topics, (x, topic) => {
      x.string(topic.name);
      x.array(topic.partitions, (y, p) => {
        let errorCode = groupError;
        if (!errorCode && !cluster.partition(topic.name, p.partition))
          errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        if (!errorCode && checked.txn) {
          cluster.transactions.addPendingOffset(checked.txn, groupId, topic.name, p.partition, {
            offset: p.offset,
            leaderEpoch: p.leaderEpoch,
            metadata: p.metadata,
            commitTimestamp: now,
          });
        }
        y.int32(p.partition).int16(errorCode);
      });
    });
    return w.toBuffer();
  },
};
