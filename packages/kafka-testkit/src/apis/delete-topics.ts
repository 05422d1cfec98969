import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

/** DeleteTopics v0-v3: the topic and its log are gone at once (no asynchronous deletion). */
export const deleteTopics: ApiHandler = {
  key: ApiKey.DeleteTopics,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 3,
  handle({ cluster, version, reader, forcedError }) {
    const names = reader.array((r) => r.string());
    reader.int32();
    const w = new Writer();
    if (version >= 1) w.int32(0);
    w.array(names, (x, name) => {
      const errorCode =
        forcedError || (cluster.deleteTopic(name) ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      x.string(name).int16(errorCode);
    });
    return w.toBuffer();
  },
};
