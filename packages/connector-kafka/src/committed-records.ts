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
