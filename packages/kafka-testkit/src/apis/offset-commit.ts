import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

/** OffsetCommit v0-v7: offsets and metadata are stored verbatim, checked against the group generation. */
export const offsetCommit: ApiHandler = {
  key: ApiKey.OffsetCommit,
  name: 'OffsetCommit',
  minVersion: 0,
  maxVersion: 7,
  handle({ cluster, nodeId, version, reader, forcedError }) {
    const groupId = reader.string();
    const generationId = version >= 1 ? reader.int32() : -1;
    const memberId = version >= 1 ? reader.string() : '';
    if (version >= 7) reader.nullableString();
    if (version >= 2 && version <= 4) reader.int64();
    const topics = reader.array((r) => ({
      name: r.string(),
      partitions: r.array((p) => {
        const partition = p.int32();
        const offset = p.int64();
        const leaderEpoch = version >= 6 ? p.int32() : -1;
        if (version === 1) p.int64();
        return { partition, offset, leaderEpoch, metadata: p.nullableString() };
      }),
    }));
    let groupError: number = forcedError;
    if (!groupError && !cluster.isCoordinator(nodeId, groupId)) groupError = ErrorCode.NOT_COORDINATOR;
    if (!groupError) groupError = cluster.groups.validateCommit(groupId, generationId, memberId);
    const now = Date.now();
    const w = new Writer();
    if (version >= 3) w.int32(0);
    w.array(topics, (x, topic) => {
      x.string(topic.name);
      x.array(topic.partitions, (y, p) => {
        let errorCode = groupError;
        if (!errorCode && !cluster.partition(topic.name, p.partition))
          errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        if (!errorCode) {
          cluster.groups.commit(groupId, topic.name, p.partition, {
            offset: p.offset,
            leaderEpoch: p.leaderEpoch,
            metadata: p.metadata,
            commitTimestamp: now,
          });
        }
        y.int32(p.partition).int16(errorCode);
      });
    });
    return w.toBuffer();
  },
};
