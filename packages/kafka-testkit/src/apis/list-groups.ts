import { ApiKey } from '../protocol/api-keys.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

/** ListGroups v0-v2: the groups this broker coordinates. */
export const listGroups: ApiHandler = {
  key: ApiKey.ListGroups,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 2,
  handle({ cluster, nodeId, version, forcedError }) {
    const groups = forcedError
      ? []
      : [...cluster.groups.groups.values()].filter((g) => cluster.isCoordinator(nodeId, g.groupId));
    const w = new Writer();
    if (version >= 1) w.int32(0);
    w.int16(forcedError);
    w.array(groups, (x, group) => x.string(group.groupId).string(group.protocolType ?? ''));
    return w.toBuffer();
  },
};
