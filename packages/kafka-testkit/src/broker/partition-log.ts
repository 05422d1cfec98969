import {
  assignBaseOffset,
  type BatchHeader,
  decodeBatch,
  type RecordData,
} from '../protocol/record-batch.js';

/** A batch as stored: the producer's bytes with the broker's base offset written in. */
export interface StoredBatch {
  baseOffset: number;
  lastOffset: number;
  bytes: Buffer;
  header: BatchHeader;
}

/** An aborted transaction's span, as Fetch v4+ reports it to read_committed consumers. */
export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
  /** Offset of the abort marker. */
  lastOffset: number;
}

/** Last sequences a producer wrote here, for idempotent dedupe (Kafka keeps the last 5). */
export interface ProducerSequences {
  epoch: number;
  recent: Array<{ firstSequence: number; lastSequence: number; baseOffset: number }>;
}

/**
 * One partition's log. Single copy, in memory: the high watermark is the log end, since there are no
 * followers to wait for.
 */
export class PartitionLog {
  readonly batches: StoredBatch[] = [];
  logStartOffset = 0;
  nextOffset = 0;
  leaderEpoch = 0;
  /** Producer id → first offset of its open transaction in this partition. */
  readonly openTransactions = new Map<number, number>();
  readonly abortedTransactions: AbortedTransaction[] = [];
  readonly producers = new Map<number, ProducerSequences>();

  constructor(
    readonly topic: string,
    readonly partition: number,
    public leader: number,
  ) {}

  get highWatermark(): number {
    return this.nextOffset;
  }

  /** First offset of the oldest open transaction, or the high watermark. */
  get lastStableOffset(): number {
    let stable = this.nextOffset;
    for (const first of this.openTransactions.values()) stable = Math.min(stable, first);
    return stable;
  }

  append(bytes: Buffer, header: BatchHeader): StoredBatch {
    const baseOffset = this.nextOffset;
    assignBaseOffset(bytes, baseOffset, this.leaderEpoch);
    const stored = { baseOffset, lastOffset: baseOffset + header.lastOffsetDelta, bytes, header };
    this.batches.push(stored);
    this.nextOffset = stored.lastOffset + 1;
    if (header.isTransactional && !header.isControl && !this.openTransactions.has(header.producerId)) {
      this.openTransactions.set(header.producerId, baseOffset);
    }
    return stored;
  }

  /** Batches holding offsets >= `from`, at least one, then more while they fit in `maxBytes`. */
  read(from: number, until: number, maxBytes: number): StoredBatch[] {
    const out: StoredBatch[] = [];
    let size = 0;
    let index = this.firstBatchIndexAtOrAfter(from);
    for (; index < this.batches.length; index++) {
      const batch = this.batches[index]!;
      if (batch.baseOffset >= until) break;
      if (out.length > 0 && size + batch.bytes.length > maxBytes) break;
      out.push(batch);
      size += batch.bytes.length;
    }
    return out;
  }

  /** Moves the log start; whole batches below it are dropped (Kafka deletes segments lazily). */
  deleteRecordsBefore(offset: number): void {
    if (offset <= this.logStartOffset) return;
    this.logStartOffset = offset;
    while (this.batches.length > 0 && this.batches[0]!.lastOffset < offset) this.batches.shift();
  }

  /** Offset of the first record whose timestamp is >= `timestamp`, or null. */
  offsetForTimestamp(timestamp: number): { offset: number; timestamp: number } | null {
    for (const batch of this.batches) {
      if (batch.header.isControl || batch.header.maxTimestamp < timestamp) continue;
      try {
        for (const record of decodeBatch(batch.bytes)) {
          if (record.offset >= this.logStartOffset && record.timestamp >= timestamp) {
            return { offset: record.offset, timestamp: record.timestamp };
          }
        }
      } catch {
        return {
          offset: Math.max(batch.baseOffset, this.logStartOffset),
          timestamp: batch.header.maxTimestamp,
        };
      }
    }
    return null;
  }

  records(from: number): RecordData[] {
    const out: RecordData[] = [];
    for (const batch of this.batches) {
      if (batch.lastOffset < from || batch.header.isControl) continue;
      for (const record of decodeBatch(batch.bytes)) {
        if (record.offset >= Math.max(from, this.logStartOffset)) out.push(record);
      }
    }
    return out;
  }

  private firstBatchIndexAtOrAfter(offset: number): number {
    let low = 0;
    let high = this.batches.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.batches[mid]!.lastOffset < offset) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
