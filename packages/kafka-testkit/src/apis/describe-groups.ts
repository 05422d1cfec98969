import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

const EMPTY = Buffer.alloc(0);

/** DescribeGroups v0-v4; an unknown group is described as Dead, as Kafka does. */
export const describeGroups: ApiHandler = {
  key: ApiKey.DescribeGroups,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 4,
  handle({ cluster, nodeId, version, reader, forcedError }) {
    const groupIds = reader.array((r) => r.string());
    if (version >= 3) reader.bool();
    const w = new Writer();
    if (version >= 1) w.int32(0);
    w.array(groupIds, (x, groupId) => {
      const errorCode =
        forcedError || (cluster.isCoordinator(nodeId, groupId) ? 0 : ErrorCode.NOT_COORDINATOR);
      const group = errorCode ? undefined : cluster.groups.groups.get(groupId);
      const stable = group?.state === 'Stable';
      x.int16(errorCode)
        .string(groupId)
        .string(group?.state ?? 'Dead');
      x.string(group?.protocolType ?? '').string(stable ? (group?.protocolName ?? '') : '');
      x.array(group ? [...group.members.values()] : [], (y, member) => {
        y.string(member.memberId);
        if (version >= 4) y.string(member.groupInstanceId);
        y.string(member.clientId).string(member.clientHost);
        const metadata = member.protocols.find((p) => p.name === group?.protocolName)?.metadata ?? EMPTY;
        y.bytes(stable ? metadata : EMPTY).bytes(stable ? member.assignment : EMPTY);
      });
      if (version >= 3) x.int32(-2147483648);
    });
    return w.toBuffer();
  },
};
