import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

/** AddOffsetsToTxn v0-v2: makes the group's offsets part of the transaction. */
export const addOffsetsToTxn: ApiHandler = {
  key: ApiKey.AddOffsetsToTxn,
  name: 'AddOffsetsToTxn',
  minVersion: 0,
  maxVersion: 2,
  handle({ cluster, nodeId, reader, forcedError }) {
    const transactionalId = reader.string();
    const producerId = reader.int64();
    const producerEpoch = reader.int16();
    const groupId = reader.string();
    let errorCode: number = forcedError;
    if (!errorCode && !cluster.isCoordinator(nodeId, transactionalId)) errorCode = ErrorCode.NOT_COORDINATOR;
    const checked = cluster.transactions.validate(transactionalId, producerId, producerEpoch);
    if (!errorCode) errorCode = checked.errorCode;
    if (!errorCode && checked.txn) cluster.transactions.addOffsets(checked.txn, groupId);
    return new Writer().int32(0).int16(errorCode).toBuffer();
  },
};
