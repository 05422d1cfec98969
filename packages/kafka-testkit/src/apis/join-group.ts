import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

/** JoinGroup v0-v5; v4+ clients without a member id get MEMBER_ID_REQUIRED first (KIP-394). */
export const joinGroup: ApiHandler = {
  key: ApiKey.JoinGroup,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 5,
  async handle({ cluster, nodeId, version, reader, forcedError, clientId, clientHost }) {
    const groupId = reader.string();
    const sessionTimeoutMs = reader.int32();
    const rebalanceTimeoutMs = version >= 1 ? reader.int32() : sessionTimeoutMs;
    const memberId = reader.string();
    const groupInstanceId = version >= 5 ? reader.nullableString() : null;
    const protocolType = reader.string();
    const protocols = reader.array((r) => ({ name: r.string(), metadata: Buffer.from(r.bytes()) }));
    const failure = forcedError || (cluster.isCoordinator(nodeId, groupId) ? 0 : ErrorCode.NOT_COORDINATOR);
    const result = failure
      ? { errorCode: failure, generationId: -1, protocolName: '', leader: '', memberId, members: [] }
      : await cluster.groups.join({
          groupId,
          sessionTimeoutMs,
          rebalanceTimeoutMs,
          memberId,
          groupInstanceId,
          protocolType,
          protocols,
          clientId,
          clientHost,
          requireKnownMemberId: version >= 4,
        });
    const w = new Writer();
    if (version >= 2) w.int32(0);
    w.int16(result.errorCode)
      .int32(result.generationId)
      .string(result.protocolName ?? '');
    w.string(result.leader).string(result.memberId);
    w.array(result.members, (x, member) => {
      x.string(member.memberId);
      if (version >= 5) x.string(member.groupInstanceId);
      x.bytes(member.metadata);
    });
    return w.toBuffer();
  },
};
