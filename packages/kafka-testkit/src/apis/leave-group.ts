import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

/** LeaveGroup v0-v3 (v3 leaves a batch of members); the group rebalances without them. */
export const leaveGroup: ApiHandler = {
  key: ApiKey.LeaveGroup,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 3,
  handle({ cluster, nodeId, version, reader, forcedError }) {
    const groupId = reader.string();
    const members =
      version >= 3
        ? reader.array((r) => ({ memberId: r.string(), groupInstanceId: r.nullableString() }))
        : [{ memberId: reader.string(), groupInstanceId: null }];
    const topError = forcedError || (cluster.isCoordinator(nodeId, groupId) ? 0 : ErrorCode.NOT_COORDINATOR);
    const results = members.map((member) => ({
      ...member,
      errorCode: topError ? topError : cluster.groups.leave(groupId, member.memberId),
    }));
    const w = new Writer();
    if (version >= 1) w.int32(0);
    if (version < 3) return w.int16(results[0]!.errorCode).toBuffer();
    w.int16(topError);
    w.array(topError ? [] : results, (x, r) =>
      x.string(r.memberId).string(r.groupInstanceId).int16(r.errorCode),
    );
    return w.toBuffer();
  },
};
