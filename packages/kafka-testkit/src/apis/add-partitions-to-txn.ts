import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

/** AddPartitionsToTxn v0-v2: all partitions are added, or none (OPERATION_NOT_ATTEMPTED for the rest). */
export const addPartitionsToTxn: ApiHandler = {
  key: ApiKey.AddPartitionsToTxn,
  name: 'AddPartitionsToTxn',
  minVersion: 0,
  maxVersion: 2,
  handle({ cluster, nodeId, reader, forcedError }) {
    const transactionalId = reader.string();
    const producerId = reader.int64();
    const producerEpoch = reader.int16();
    const topics = reader.array((r) => ({ name: r.string(), partitions: r.array((p) => p.int32()) }));
    let topError: number = forcedError;
    if (!topError && !cluster.isCoordinator(nodeId, transactionalId)) topError = ErrorCode.NOT_COORDINATOR;
    const checked = cluster.transactions.validate(transactionalId, producerId, producerEpoch);
    if (!topError) topError = checked.errorCode;
    const unknown = (topic: string, partition: number) => !cluster.partition(topic, partition);
    const anyUnknown = topics.some((t) => t.partitions.some((p) => unknown(t.name, p)));
    if (!topError && !anyUnknown && checked.txn) {
      for (const topic of topics) {
        for (const partition of topic.partitions)
          cluster.transactions.addPartitions(checked.txn, topic.name, partition);
      }
    }
    const w = new Writer().int32(0);
    w.array(topics, (x, topic) => {
      x.string(topic.name);
      x.array(topic.partitions, (y, partition) => {
        let errorCode = topError;
        if (!errorCode && anyUnknown) {
          errorCode = unknown(topic.name, partition)
            ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            : ErrorCode.OPERATION_NOT_ATTEMPTED;
        }
        y.int32(partition).int16(errorCode);
      });
    });
    return w.toBuffer();
  },
};
