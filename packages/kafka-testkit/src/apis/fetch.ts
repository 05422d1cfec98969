import type { ClusterState } from '../broker/cluster-state.js';
import type { AbortedTransaction, StoredBatch } from '../broker/partition-log.js';
import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler, RequestContext } from './api-handler.js';

interface FetchPartition {
  partition: number;
  fetchOffset: number;
  maxBytes: number;
}

interface PartitionData {
  partition: number;
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  aborted: AbortedTransaction[] | null;
  batches: StoredBatch[];
}

const READ_COMMITTED = 1;

/**
 * Fetch v4-v11. Long-polls until min_bytes are available or max_wait_ms passes; produce, transaction
 * markers and topic deletion wake it. Fetch sessions are not kept: the response's session id is 0,
 * which tells clients to keep sending full fetch requests.
 */
export const fetch: ApiHandler = {
  key: ApiKey.Fetch,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 11,
  async handle(context) {
    const { cluster, version, reader } = context;
    reader.int32();
    const maxWaitMs = reader.int32();
    const minBytes = reader.int32();
    const maxBytes = reader.int32();
    const isolationLevel = reader.int8();
    let sessionId = 0;
    let sessionEpoch = -1;
    if (version >= 7) {
      sessionId = reader.int32();
      sessionEpoch = reader.int32();
    }
    const topics = reader.array((r) => ({
      name: r.string(),
      partitions: r.array((p): FetchPartition => {
        const partition = p.int32();
        if (version >= 9) p.int32();
        const fetchOffset = p.int64();
        if (version >= 5) p.int64();
        return { partition, fetchOffset, maxBytes: p.int32() };
      }),
    }));
    const w = new Writer().int32(0);
    if (sessionId !== 0 || sessionEpoch > 0) {
      if (version >= 7) w.int16(ErrorCode.FETCH_SESSION_ID_NOT_FOUND).int32(0);
      return w.array([], () => {}).toBuffer();
    }
    const collect = () => collectData(context, topics, maxBytes, isolationLevel === READ_COMMITTED);
    let result = collect();
    if (
      context.forcedError === ErrorCode.NONE &&
      result.bytes < minBytes &&
      maxWaitMs > 0 &&
      !result.failed
    ) {
      result = await new Promise((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          unwatch();
          resolve(collect());
        };
        const timer = setTimeout(finish, maxWaitMs);
        // Like Kafka's delayed fetch: complete on enough data, or as soon as a partition turns into an
        // error (topic deleted, leadership moved away).
        const unwatch = cluster.watch(() => {
          const next = collect();
          if (next.bytes >= minBytes || next.failed) finish();
        });
      });
    }
    if (version >= 7) w.int16(ErrorCode.NONE).int32(0);
    w.array(result.topics, (x, topic) => {
      x.string(topic.name);
      x.array(topic.partitions, (y, p) => {
        y.int32(p.partition).int16(p.errorCode).int64(p.highWatermark).int64(p.lastStableOffset);
        if (version >= 5) y.int64(p.logStartOffset);
        y.array(p.aborted, (z, a) => z.int64(a.producerId).int64(a.firstOffset));
        if (version >= 11) y.int32(-1);
        const size = p.batches.reduce((sum, batch) => sum + batch.bytes.length, 0);
        y.int32(size);
        for (const batch of p.batches) y.raw(batch.bytes);
      });
    });
    return w.toBuffer();
  },
};

function collectData(
  { cluster, nodeId, forcedError }: RequestContext,
  topics: Array<{ name: string; partitions: FetchPartition[] }>,
  maxBytes: number,
  readCommitted: boolean,
) {
  let bytes = 0;
  let failed = false;
  const out = topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map((request): PartitionData => {
      const log = cluster.partition(topic.name, request.partition);
      const errorCode = errorFor(cluster, nodeId, forcedError, topic.name, request);
      const data: PartitionData = {
        partition: request.partition,
        errorCode,
        highWatermark: log?.highWatermark ?? -1,
        lastStableOffset: log?.lastStableOffset ?? -1,
        logStartOffset: log?.logStartOffset ?? -1,
        aborted: null,
        batches: [],
      };
      if (errorCode !== ErrorCode.NONE || !log) {
        failed = true;
        return data;
      }
      const until = readCommitted ? log.lastStableOffset : log.highWatermark;
      const budget = Math.max(Math.min(request.maxBytes, maxBytes - bytes), 0);
      if (request.fetchOffset < until && (budget > 0 || bytes === 0)) {
        data.batches = log.read(request.fetchOffset, until, budget);
        bytes += data.batches.reduce((sum, batch) => sum + batch.bytes.length, 0);
      }
      if (readCommitted) {
        const last = data.batches[data.batches.length - 1];
        const upper = last ? last.lastOffset : request.fetchOffset;
        data.aborted = log.abortedTransactions.filter(
          (a) => a.lastOffset >= request.fetchOffset && a.firstOffset <= upper,
        );
      }
      return data;
    }),
  }));
  return { topics: out, bytes, failed };
}

/** OFFSET_OUT_OF_RANGE only below the log start or above the high watermark, as in Kafka. */
function errorFor(
  cluster: ClusterState,
  nodeId: number,
  forcedError: number,
  topic: string,
  request: FetchPartition,
): number {
  if (forcedError) return forcedError;
  const log = cluster.partition(topic, request.partition);
  if (!log) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  if (log.leader !== nodeId) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  if (request.fetchOffset < log.logStartOffset || request.fetchOffset > log.highWatermark) {
    return ErrorCode.OFFSET_OUT_OF_RANGE;
  }
  return ErrorCode.NONE;
}
