import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

/**
 * InitProducerId v0-v1. With a transactional id it bumps the epoch, which fences the previous producer
 * and aborts its open transaction (Kafka answers CONCURRENT_TRANSACTIONS until that abort completes; here
 * it completes at once).
 */
export const initProducerId: ApiHandler = {
  key: ApiKey.InitProducerId,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 1,
  handle({ cluster, nodeId, reader, forcedError }) {
    const transactionalId = reader.nullableString();
    const timeoutMs = reader.int32();
    let result = { errorCode: forcedError as number, producerId: -1, producerEpoch: -1 };
    if (!forcedError && transactionalId !== null && !cluster.isCoordinator(nodeId, transactionalId)) {
      result.errorCode = ErrorCode.NOT_COORDINATOR;
    }
    if (!result.errorCode) result = cluster.transactions.initProducerId(transactionalId, timeoutMs);
    return new Writer()
      .int32(0)
      .int16(result.errorCode)
      .int64(result.producerId)
      .int16(result.producerEpoch)
      .toBuffer();
  },
};
