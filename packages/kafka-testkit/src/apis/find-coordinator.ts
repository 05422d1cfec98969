import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

/** FindCoordinator v0-v2 for groups (key type 0) and transactional ids (key type 1). */
export const findCoordinator: ApiHandler = {
  key: ApiKey.FindCoordinator,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 2,
  handle({ cluster, version, reader, forcedError }) {
    const key = reader.string();
    const keyType = version >= 1 ? reader.int8() : 0;
    const node = cluster.coordinatorFor(key);
    let errorCode: number = forcedError;
    if (!errorCode && keyType !== 0 && keyType !== 1) errorCode = ErrorCode.INVALID_REQUEST;
    if (!errorCode && !node) errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const w = new Writer();
    if (version >= 1) w.int32(0);
    w.int16(errorCode);
    if (version >= 1) w.string(errorCode ? 'The coordinator is not available.' : null);
    if (errorCode || !node) w.int32(-1).string('').int32(-1);
    else w.int32(node.nodeId).string(node.host).int32(node.port);
    return w.toBuffer();
  },
};
