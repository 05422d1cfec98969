/**
 * The clickstream's events: what the generator writes at each (partition, offset), and how the job
 * parses and cleans it. Both are pure functions, so the verifier can recompute every expected count.
 */

export interface PageView {
  /** `<partition>-<offset>` of the input record: stable across replays, the event's identity. */
  readonly id: string;
  readonly user: string;
  readonly page: string;
  readonly referrer: string;
  readonly timestamp: number;
}

export const PAGES = [
  '/home',
  '/products',
  '/product/42',
  '/cart',
  '/checkout',
  '/blog',
  '/search',
  '/account',
];
const REFERRERS = [
  'https://google.com/',
  '',
  'https://news.ycombinator.com/',
  'newsletter',
  'HTTPS://T.CO/x',
];
export const USER_COUNT = 40;
/** About 1 in this many raw events is malformed. */
const MALFORMED_EVERY = 25;
const EPOCH = Date.UTC(2026, 0, 1);

/** A 32-bit mix of the seed, partition and offset (splitmix-like): the same input, the same event. */
function mix(seed: number, partition: number, offset: number, salt: number): number {
  let h = (seed ^ Math.imul(partition + 1, 0x9e3779b1) ^ Math.imul(offset + 1, 0x85ebca77) ^ salt) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The raw record the generator writes at `offset` of `partition` (JSON, or a malformed string). */
export function rawEventAt(seed: number, partition: number, offset: number): string {
  const pick = <T>(list: readonly T[], salt: number): T =>
    list[mix(seed, partition, offset, salt) % list.length]!;
  const user = `user-${String(mix(seed, partition, offset, 1) % USER_COUNT).padStart(2, '0')}`;
  // Pages are written untidy (case, query strings) so cleaning has work to do.
  const page = pick(PAGES, 2);
  const dirty = mix(seed, partition, offset, 3) % 3 === 0 ? `${page.toUpperCase()}?utm=mail` : page;
  const event = {
    user,
    page: dirty,
    referrer: pick(REFERRERS, 4),
    timestamp: EPOCH + offset * 100 + partition,
  };
  if (mix(seed, partition, offset, 5) % MALFORMED_EVERY !== 0) return JSON.stringify(event);
  switch (mix(seed, partition, offset, 6) % 3) {
    case 0:
      return JSON.stringify(event).slice(0, 20); // truncated
    case 1:
      return JSON.stringify({ ...event, user: 42 }); // wrong type
    default:
      return JSON.stringify({ user, referrer: event.referrer, timestamp: event.timestamp }); // no page
  }
}

/** Parses and cleans a raw record; undefined when it is malformed (it goes to the dead-letter topic). */
export function parsePageView(raw: string, partition: number, offset: number): PageView | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { user, page, referrer, timestamp } = value as Record<string, unknown>;
  if (typeof user !== 'string' || user.length === 0) return undefined;
  if (typeof page !== 'string' || !page.startsWith('/')) return undefined;
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp)) return undefined;
  return {
    id: `${partition}-${offset}`,
    user,
    page: page.split('?')[0]!.toLowerCase(),
    referrer: cleanReferrer(typeof referrer === 'string' ? referrer : ''),
    timestamp,
  };
}

function cleanReferrer(referrer: string): string {
  const trimmed = referrer.trim().toLowerCase();
  if (trimmed === '') return 'direct';
  const host = /^https?:\/\/([^/]+)/.exec(trimmed);
  return host ? host[1]! : trimmed;
}
