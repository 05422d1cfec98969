import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

/** Heartbeat v0-v3: keeps the session alive and tells members of a rebalance (REBALANCE_IN_PROGRESS). */
export const heartbeat: ApiHandler = {
  key: ApiKey.Heartbeat,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 3,
  handle({ cluster, nodeId, version, reader, forcedError }) {
    const groupId = reader.string();
    const generationId = reader.int32();
    const memberId = reader.string();
    if (version >= 3) reader.nullableString();
    const errorCode =
      forcedError ||
      (cluster.isCoordinator(nodeId, groupId)
        ? cluster.groups.heartbeat(groupId, generationId, memberId)
        : ErrorCode.NOT_COORDINATOR);
    const w = new Writer();
    if (version >= 1) w.int32(0);
    return w.int16(errorCode).toBuffer();
  },
};
