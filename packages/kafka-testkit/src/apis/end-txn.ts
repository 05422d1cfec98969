import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

/** EndTxn v0-v2: writes commit or abort markers (each takes an offset) and applies transactional offsets. */
export const endTxn: ApiHandler = {
  key: ApiKey.EndTxn,
  name: 'EndTxn',
  minVersion: 0,
  maxVersion: 2,
  handle({ cluster, nodeId, reader, forcedError }) {
    const transactionalId = reader.string();
    const producerId = reader.int64();
    const producerEpoch = reader.int16();
    const commit = reader.bool();
    let errorCode: number = forcedError;
    if (!errorCode && !cluster.isCoordinator(nodeId, transactionalId)) errorCode = ErrorCode.NOT_COORDINATOR;
    const checked = cluster.transactions.validate(transactionalId, producerId, producerEpoch);
    if (!errorCode) errorCode = checked.errorCode;
    if (!errorCode && checked.txn) errorCode = cluster.transactions.endTxn(checked.txn, commit);
    return new Writer().int32(0).int16(errorCode).toBuffer();
  },
};
