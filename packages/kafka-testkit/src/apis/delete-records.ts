import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

/** DeleteRecords v0-v1: moves the log start offset; -1 means the high watermark. */
export const deleteRecords: ApiHandler = {
  key: ApiKey.DeleteRecords,
  name: 'DeleteRecords',
  minVersion: 0,
  maxVersion: 1,
  handle({ cluster, nodeId, reader, forcedError }) {
    const topics = reader.array((r) => ({
      name: r.string(),
      partitions: r.array((p) => ({ partition: p.int32(), offset: p.int64() })),
    }));
    reader.int32();
    const w = new Writer().int32(0);
    w.array(topics, (x, topic) => {
      x.string(topic.name);
      x.array(topic.partitions, (y, { partition, offset }) => {
        const log = cluster.partition(topic.name, partition);
        let errorCode: number = forcedError;
        if (!errorCode && !log) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (!errorCode && log!.leader !== nodeId) errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
        const target = offset === -1 && log ? log.highWatermark : offset;
        if (!errorCode && log && (target < 0 || target > log.highWatermark))
          errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
        if (!errorCode && log) log.deleteRecordsBefore(target);
        y.int32(partition)
          .int64(errorCode || !log ? -1 : log.logStartOffset)
          .int16(errorCode);
      });
    });
    return w.toBuffer();
  },
};
