import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

/** Metadata v0-v8 (v9+ is flexible). Unknown topics are created when the request allows it (v4+). */
export const metadata: ApiHandler = {
  key: ApiKey.Metadata,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 8,
  handle({ cluster, version, reader, forcedError }) {
    const requested = reader.nullableArray((r) => r.string());
    const allowAutoCreate = version >= 4 ? reader.bool() : true;
    if (version >= 8) {
      reader.bool();
      reader.bool();
    }
    const all = requested === null || (version === 0 && requested.length === 0);
    const names = all ? [...cluster.topics.keys()] : requested;
    if (!all && allowAutoCreate && cluster.options.autoCreateTopics && forcedError === ErrorCode.NONE) {
      for (const name of names) {
        if (!cluster.topics.has(name) && cluster.validateTopicName(name)) {
          cluster.createTopic(name, cluster.options.defaultPartitions, 1);
        }
      }
    }
    const w = new Writer();
    if (version >= 3) w.int32(0);
    w.array(cluster.liveBrokers(), (x, broker) => {
      x.int32(broker.nodeId).string(broker.host).int32(broker.port);
      if (version >= 1) x.string(null);
    });
    if (version >= 2) w.string(cluster.clusterId);
    if (version >= 1) w.int32(cluster.controllerId);
    w.array(names, (x, name) => {
      const topic = cluster.topics.get(name);
      const invalid = !cluster.validateTopicName(name);
      const topicError =
        forcedError ||
        (topic
          ? ErrorCode.NONE
          : invalid
            ? ErrorCode.INVALID_TOPIC_EXCEPTION
            : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      x.int16(topicError).string(name);
      if (version >= 1) x.bool(false);
      x.array(topic && !forcedError ? topic.partitions : [], (y, log) => {
        const replicas = cluster.replicas(topic!, log);
        y.int16(ErrorCode.NONE).int32(log.partition).int32(log.leader);
        if (version >= 7) y.int32(log.leaderEpoch);
        y.array(replicas, (z, id) => z.int32(id));
        y.array(replicas, (z, id) => z.int32(id));
        if (version >= 5) y.array([], (z, id: number) => z.int32(id));
      });
      if (version >= 8) x.int32(-2147483648);
    });
    if (version >= 8) w.int32(-2147483648);
    return w.toBuffer();
  },
};
