import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

/** DeleteGroups v0-v1: only empty groups can be deleted (NON_EMPTY_GROUP otherwise). */
export const deleteGroups: ApiHandler = {
  key: ApiKey.DeleteGroups,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 1,
  handle({ cluster, nodeId, reader, forcedError }) {
    const groupIds = reader.array((r) => r.string());
    const w = new Writer().int32(0);
    w.array(groupIds, (x, groupId) => {
      let errorCode: number = forcedError;
      if (!errorCode && !cluster.isCoordinator(nodeId, groupId)) errorCode = ErrorCode.NOT_COORDINATOR;
      if (!errorCode) errorCode = cluster.groups.deleteGroup(groupId);
      x.string(groupId).int16(errorCode);
    });
    return w.toBuffer();
  },
};
