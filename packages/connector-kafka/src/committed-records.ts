import type { FetchedMessage } from './kafkajs-internals.js';

/** A control record's key: version 0, type 0 (ABORT); type 1 is COMMIT. */
const ABORT_MARKER_KEY = Buffer.from([0, 0, 0, 0]);

export interface AbortedTransaction {
  producerId: string;
  firstOffset: string;
}

/**
 * The read_committed view of one fetched partition, as Kafka's Java consumer computes it: every
 * aborted transaction whose first offset has been reached is active (not just one per record), and
 * the broker's list is taken in first-offset order (it lists them in the order they were aborted).
 * kafkajs 2.2.4's filter does neither, so with several transactional producers on a partition it
 * passed records of aborted transactions on as committed. Control records are dropped.
 */
export function committedMessages(
  messages: readonly FetchedMessage[],
  abortedTransactions: readonly AbortedTransaction[] | undefined,
): FetchedMessage[] {
  const pending = [...(abortedTransactions ?? [])].sort((a, b) =>
    compareOffsets(a.firstOffset, b.firstOffset),
  );
  const aborting = new Set<string>();
  const out: FetchedMessage[] = [];
  let next = 0;
  for (const message of messages) {
    while (next < pending.length && compareOffsets(pending[next]!.firstOffset, message.offset) <= 0) {
      aborting.add(pending[next]!.producerId);
      next++;
    }
    const batch = message.batchContext;
    if (message.isControlRecord) {
      if (batch !== undefined && message.key !== null && ABORT_MARKER_KEY.equals(message.key)) {
        aborting.delete(batch.producerId);
      }
      continue;
    }
    if (batch?.inTransaction === true && aborting.has(batch.producerId)) continue;
    out.push(message);
  }
  return out;
}

/** Offsets arrive as decimal strings of int64; compare them without losing precision. */
function compareOffsets(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A record batch as @platformatic/kafka decodes it: the fields read_committed needs. */
export interface TransactionalBatch {
  readonly firstOffset: bigint;
  readonly lastOffsetDelta: number;
  readonly attributes: number;
  readonly producerId: bigint;
  readonly records: ReadonlyArray<{ readonly key: Buffer | null }>;
}

const IS_TRANSACTIONAL = 0x10;
const IS_CONTROL = 0x20;

/**
 * `committedMessages` for whole record batches (every record of a batch shares its producer and
 * transaction): the same Java-consumer semantics — each aborted transaction is active once its first
 * offset is reached, until that producer's ABORT marker — and control batches dropped.
 */
export function committedBatches<B extends TransactionalBatch>(
  batches: readonly B[],
  abortedTransactions: ReadonlyArray<{ producerId: bigint; firstOffset: bigint }> | null | undefined,
): B[] {
  const pending = [...(abortedTransactions ?? [])].sort((a, b) =>
    a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0,
  );
  if (pending.length === 0 && !batches.some((b) => (b.attributes & IS_CONTROL) !== 0)) {
    return batches as B[];
  }
  const aborting = new Set<bigint>();
  const out: B[] = [];
  let next = 0;
  for (const batch of batches) {
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    while (next < pending.length && pending[next]!.firstOffset <= last) {
      aborting.add(pending[next]!.producerId);
      next++;
    }
    if ((batch.attributes & IS_CONTROL) !== 0) {
      const key = batch.records[0]?.key;
      if (key !== null && key !== undefined && ABORT_MARKER_KEY.equals(key))
        aborting.delete(batch.producerId);
      continue;
    }
    if ((batch.attributes & IS_TRANSACTIONAL) !== 0 && aborting.has(batch.producerId)) continue;
    out.push(batch);
  }
  return out;
}
