import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

/** CreateTopics v0-v4. Any broker accepts it (Kafka forwards to the controller). */
export const createTopics: ApiHandler = {
  key: ApiKey.CreateTopics,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 4,
  handle({ cluster, version, reader, forcedError }) {
    const topics = reader.array((r) => ({
      name: r.string(),
      partitions: r.int32(),
      replicationFactor: r.int16(),
      assignments: r.array((a) => ({ partition: a.int32(), brokers: a.array((b) => b.int32()) })),
      configs: r.array((c) => [c.string(), c.nullableString() ?? ''] as [string, string]),
    }));
    reader.int32();
    const validateOnly = version >= 1 ? reader.bool() : false;
    const w = new Writer();
    if (version >= 2) w.int32(0);
    w.array(topics, (x, topic) => {
      let result: { errorCode: number; message: string | null };
      if (forcedError) result = { errorCode: forcedError, message: null };
      else if (validateOnly) {
        result = cluster.topics.has(topic.name)
          ? { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, message: `Topic '${topic.name}' already exists.` }
          : { errorCode: ErrorCode.NONE, message: null };
      } else {
        const explicit = topic.assignments.length > 0;
        result = cluster.createTopic(
          topic.name,
          explicit ? topic.assignments.length : topic.partitions,
          explicit ? (topic.assignments[0]?.brokers.length ?? 1) : topic.replicationFactor,
          new Map(topic.configs),
        );
      }
      x.string(topic.name).int16(result.errorCode);
      if (version >= 1) x.string(result.message);
    });
    return w.toBuffer();
  },
};
