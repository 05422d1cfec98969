import type { KafkaFetchRange, KafkaRawRecord } from './kafka-client.js';
import { isRetriableKafkaError } from './kafka-errors.js';

/** One range being read: where it is and what it has gathered. */
export interface RangeState {
  readonly range: KafkaFetchRange;
  readonly out: KafkaRawRecord[];
  next: number;
  /** Fetches in a row that returned nothing for it while its leader had nothing for anyone. */
  empty: number;
  done: boolean;
}

/** Empty fetches (each waiting up to maxWaitTime) before a range is taken as unreadable to its end. */
const MAX_EMPTY_FETCHES = 5;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The range-reading rules every client adapter shares, as Spark's KafkaRDD reads a batch: `round`
 * reads the open ranges (one request per leader, its follow-ups pipelined) until they are complete
 * or it fails. A failed round (leader moved, broker restarted) keeps every range's progress and the
 * next round regroups the rest by the refreshed leaders (`refresh` is true after a failure); it gives
 * up after `attempts` failed rounds in a row without progress, or at once on an error that is not
 * retriable.
 */
export async function readRanges(
  ranges: readonly KafkaFetchRange[],
  attempts: number,
  round: (open: readonly RangeState[], refresh: boolean) => Promise<void>,
): Promise<KafkaRawRecord[][]> {
  const states: RangeState[] = ranges.map((range) => ({
    range,
    out: [],
    next: range.fromOffset,
    empty: 0,
    done: range.untilOffset <= range.fromOffset,
  }));
  let refresh = false;
  for (let failures = 0; ; ) {
    const open = states.filter((s) => !s.done);
    if (open.length === 0) break;
    const progress = open.map((s) => s.next);
    try {
      await round(open, refresh);
      continue;
    } catch (error) {
      if (!isRetriableKafkaError(error)) throw error;
      const progressed = open.some((s, i) => s.done || s.next !== progress[i]);
      failures = progressed ? 1 : failures + 1;
      if (failures >= attempts) throw error;
    }
    refresh = true;
    await sleep(Math.min(1000, 50 * 2 ** failures));
  }
  return states.map((s) => s.out);
}

/** Runs one lane per leader and fails with the first lane's error once all have settled. */
export async function allLanes(lanes: ReadonlyArray<Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(lanes);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

/**
 * Moves a range on after a fetch response: `after` is the offset after the last record it returned
 * at or past `next` (undefined for none). Nothing at or after `next` below the range end means the
 * rest was compacted away or is not readable (yet): stop instead of spinning. An empty partition
 * counts only when the broker had nothing for any partition of the request (`anything` false: it
 * waited maxWaitTime); otherwise the response's size limit may have crowded it out.
 */
export function advance(
  s: RangeState,
  after: number | undefined,
  highWatermark: number | undefined,
  anything: boolean,
): void {
  if (after !== undefined && after > s.next) {
    s.next = after;
    s.empty = 0;
  } else if (
    (highWatermark !== undefined && highWatermark <= s.next) ||
    (!anything && ++s.empty > MAX_EMPTY_FETCHES)
  ) {
    s.done = true;
  }
  if (s.next >= s.range.untilOffset) s.done = true;
}
