import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

const LATEST = -1;
const EARLIEST = -2;

/** ListOffsets v1-v5: latest (the last stable offset for read_committed), earliest, or by timestamp. */
export const listOffsets: ApiHandler = {
  key: ApiKey.ListOffsets,
  name: 'ListOffsets',
  minVersion: 1,
  maxVersion: 5,
  handle({ cluster, nodeId, version, reader, forcedError }) {
    reader.int32();
    const isolationLevel = version >= 2 ? reader.int8() : 0;
    const topics = reader.array((r) => ({
      name: r.string(),
      partitions: r.array((p) => {
        const partition = p.int32();
        if (version >= 4) p.int32();
        return { partition, timestamp: p.int64() };
      }),
    }));
    const w = new Writer();
    if (version >= 2) w.int32(0);
    w.array(topics, (x, topic) => {
      x.string(topic.name);
      x.array(topic.partitions, (y, { partition, timestamp }) => {
        const log = cluster.partition(topic.name, partition);
        let errorCode: number = forcedError;
        if (!errorCode && !log) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (!errorCode && log!.leader !== nodeId) errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
        let found = { offset: -1, timestamp: -1 };
        if (!errorCode && log) {
          if (timestamp === LATEST) {
            found = {
              offset: isolationLevel === 1 ? log.lastStableOffset : log.highWatermark,
              timestamp: -1,
            };
          } else if (timestamp === EARLIEST) {
            found = { offset: log.logStartOffset, timestamp: -1 };
          } else {
            found = log.offsetForTimestamp(timestamp) ?? found;
            if (isolationLevel === 1 && found.offset >= log.lastStableOffset)
              found = { offset: -1, timestamp: -1 };
          }
        }
        y.int32(partition).int16(errorCode).int64(found.timestamp).int64(found.offset);
        if (version >= 4) y.int32(log?.leaderEpoch ?? -1);
      });
    });
    return w.toBuffer();
  },
};
