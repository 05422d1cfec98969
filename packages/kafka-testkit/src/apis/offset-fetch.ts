import { offsetKey } from '../broker/group.js';
import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

/** OffsetFetch v1-v5; a null topic list (v2+) returns every committed offset of the group. */
export const offsetFetch: ApiHandler = {
  key: ApiKey.OffsetFetch,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 5,
  handle({ cluster, nodeId, version, reader, forcedError }) {
    const groupId = reader.string();
    const requested = reader.nullableArray((r) => ({
      name: r.string(),
      partitions: r.array((p) => p.int32()),
    }));
    const errorCode = forcedError || (cluster.isCoordinator(nodeId, groupId) ? 0 : ErrorCode.NOT_COORDINATOR);
    const group = cluster.groups.groups.get(groupId);
    let topics = requested;
    if (topics === null) {
      const byTopic = new Map<string, number[]>();
      for (const key of group?.offsets.keys() ?? []) {
        const [name, partition] = key.split('\u0000') as [string, string];
        byTopic.set(name, [...(byTopic.get(name) ?? []), Number(partition)]);
      }
      topics = errorCode ? [] : [...byTopic].map(([name, partitions]) => ({ name, partitions }));
    }
    const w = new Writer();
    if (version >= 3) w.int32(0);
    w.array(topics, (x, topic) => {
      x.string(topic.name);
      x.array(topic.partitions, (y, partition) => {
        const committed = errorCode ? undefined : group?.offsets.get(offsetKey(topic.name, partition));
        y.int32(partition).int64(committed?.offset ?? -1);
        if (version >= 5) y.int32(committed?.leaderEpoch ?? -1);
        y.string(committed ? committed.metadata : '').int16(version >= 2 ? 0 : errorCode);
      });
    });
    if (version >= 2) w.int16(errorCode);
    return w.toBuffer();
  },
};
