import type { ClusterState } from '../broker/cluster-state.js';
import type { PartitionLog } from '../broker/partition-log.js';
import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import {
  type BatchHeader,
  BatchFormatError,
  batchCrcMatches,
  readBatchHeader,
  splitBatches,
} from '../protocol/record-batch.js';
import { Writer } from '../protocol/writer.js';
import type { ApiHandler } from './api-handler.js';

interface PartitionResult {
  partition: number;
  errorCode: number;
  baseOffset: number;
  logStartOffset: number;
}

/** Produce v3-v8 (record batch v2 only; v9+ is flexible). acks=0 gets no response, like Kafka. */
export const produce: ApiHandler = {
  key: ApiKey.Produce,
  name: 'Produce',
  minVersion: 3,
  maxVersion: 8,
  handle({ cluster, nodeId, version, reader, forcedError }) {
    reader.nullableString();
    const acks = reader.int16();
    reader.int32();
    const topics = reader.array((r) => ({
      name: r.string(),
      partitions: r.array((p) => ({ partition: p.int32(), records: p.nullableBytes() })),
    }));
    const results = topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map(({ partition, records }): PartitionResult => {
        const log = cluster.partition(topic.name, partition);
        const fail = (errorCode: number) => ({ partition, errorCode, baseOffset: -1, logStartOffset: -1 });
        if (forcedError) return fail(forcedError);
        if (acks !== 0 && acks !== 1 && acks !== -1) return fail(ErrorCode.INVALID_REQUIRED_ACKS);
        if (!log) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (log.leader !== nodeId) return fail(ErrorCode.NOT_LEADER_OR_FOLLOWER);
        const appended = appendRecords(cluster, log, records ?? Buffer.alloc(0));
        if (appended.errorCode) return fail(appended.errorCode);
        return {
          partition,
          errorCode: 0,
          baseOffset: appended.baseOffset,
          logStartOffset: log.logStartOffset,
        };
      }),
    }));
    cluster.notify();
    if (acks === 0) return null;
    const w = new Writer();
    w.array(results, (x, topic) => {
      x.string(topic.name);
      x.array(topic.partitions, (y, p) => {
        y.int32(p.partition).int16(p.errorCode).int64(p.baseOffset).int64(-1);
        if (version >= 5) y.int64(p.logStartOffset);
        if (version >= 8) y.array([], () => {}).string(null);
      });
    });
    w.int32(0);
    return w.toBuffer();
  },
};

/** Validates every batch first (CRC, magic, producer state), then appends them all or none. */
export function appendRecords(
  cluster: ClusterState,
  log: PartitionLog,
  records: Buffer,
): { errorCode: number; baseOffset: number } {
  let batches: Buffer[];
  try {
    batches = splitBatches(records);
  } catch (error) {
    if (error instanceof BatchFormatError) return { errorCode: ErrorCode.CORRUPT_MESSAGE, baseOffset: -1 };
    throw error;
  }
  if (batches.length === 0) return { errorCode: ErrorCode.INVALID_RECORD, baseOffset: -1 };
  const headers: BatchHeader[] = [];
  for (const batch of batches) {
    const header = readBatchHeader(batch);
    if (header.magic !== 2) return { errorCode: ErrorCode.INVALID_RECORD, baseOffset: -1 };
    if (!batchCrcMatches(batch)) return { errorCode: ErrorCode.CORRUPT_MESSAGE, baseOffset: -1 };
    if (header.isControl) return { errorCode: ErrorCode.INVALID_RECORD, baseOffset: -1 };
    headers.push(header);
  }
  let firstOffset = -1;
  for (let i = 0; i < batches.length; i++) {
    const header = headers[i]!;
    const check = checkSequence(cluster, log, header);
    if (check.errorCode) return { errorCode: check.errorCode, baseOffset: -1 };
    if (check.duplicateOffset !== undefined) {
      if (firstOffset < 0) firstOffset = check.duplicateOffset;
      continue;
    }
    const stored = log.append(batches[i]!, header);
    if (firstOffset < 0) firstOffset = stored.baseOffset;
    recordSequence(log, header, stored.baseOffset);
  }
  return { errorCode: ErrorCode.NONE, baseOffset: firstOffset };
}

/** Idempotence: epochs fence old producers, sequences must follow on, duplicates of the last 5 are acked. */
function checkSequence(
  cluster: ClusterState,
  log: PartitionLog,
  header: BatchHeader,
): { errorCode: number; duplicateOffset?: number } {
  if (header.producerId < 0) {
    return { errorCode: header.isTransactional ? ErrorCode.INVALID_RECORD : ErrorCode.NONE };
  }
  // Kafka checks the epoch against the partition's producer state; the coordinator's epoch is checked
  // too, which also fences a zombie writing to a partition its successor has not touched yet.
  const current = cluster.transactions.epochs.get(header.producerId) ?? -1;
  const state = log.producers.get(header.producerId);
  if (header.producerEpoch < Math.max(current, state?.epoch ?? -1)) {
    return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH };
  }
  if (
    header.isTransactional &&
    !cluster.transactions.hasPartition(header.producerId, log.topic, log.partition)
  ) {
    return { errorCode: ErrorCode.INVALID_TXN_STATE };
  }
  const lastSequence = header.baseSequence + header.lastOffsetDelta;
  if (!state || header.producerEpoch > state.epoch || state.recent.length === 0) {
    return { errorCode: header.baseSequence === 0 ? ErrorCode.NONE : ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER };
  }
  const duplicate = state.recent.find(
    (b) => b.firstSequence === header.baseSequence && b.lastSequence === lastSequence,
  );
  if (duplicate) return { errorCode: ErrorCode.NONE, duplicateOffset: duplicate.baseOffset };
  const expected = (state.recent[state.recent.length - 1]!.lastSequence + 1) % 2 ** 31;
  if (header.baseSequence !== expected) return { errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER };
  return { errorCode: ErrorCode.NONE };
}

function recordSequence(log: PartitionLog, header: BatchHeader, baseOffset: number): void {
  if (header.producerId < 0) return;
  let state = log.producers.get(header.producerId);
  if (!state || header.producerEpoch > state.epoch) {
    state = { epoch: header.producerEpoch, recent: [] };
    log.producers.set(header.producerId, state);
  }
  state.recent.push({
    firstSequence: header.baseSequence,
    lastSequence: header.baseSequence + header.lastOffsetDelta,
    baseOffset,
  });
  if (state.recent.length > 5) state.recent.shift();
}
