import type { OffsetRange } from '@dstream/core';
import { type PageView, parsePageView, rawEventAt } from './events.js';
import {
  readBatchLedger,
  readHistory,
  readTopic,
  readTotals,
  readWindows,
  topicReader,
} from './output-readers.js';
import type { RunConfig } from './run-config.js';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly checks: readonly Check[];
  readonly inputEvents: number;
  readonly validEvents: number;
  readonly malformedEvents: number;
  /** Times of the windows whose counts differ from the events of their batches. */
  readonly wrongWindows: readonly number[];
}

const rangeKey = (topic: string, partition: number): string => `${topic}/${partition}`;

/**
 * Reads every output of a run and compares it with what the generator wrote: the input topic is
 * checked against `rawEventAt`, and every expected count is recomputed from it.
 * `drained`: the job had processed the whole input (so every event must be in every output).
 */
export async function verifyRun(
  config: RunConfig,
  options: { drained?: boolean } = {},
): Promise<VerifyReport> {
  const drained = options.drained ?? true;
  const checks: Check[] = [];
  const check = (name: string, problems: string[], summary: string): void => {
    checks.push({
      name,
      ok: problems.length === 0,
      detail: problems.length === 0 ? summary : problems.slice(0, 5).join('; '),
    });
  };

  // The input, and what every output should hold.
  const input = await readTopic(config.brokers, config.topics.input);
  const notGenerated: string[] = [];
  const expected = new Map<string, PageView>();
  const malformed = new Set<string>();
  const byOffset = new Map<string, Map<number, PageView | undefined>>();
  for (const r of input) {
    const raw = r.value;
    if (raw !== rawEventAt(config.seed, r.partition, r.offset))
      notGenerated.push(`${r.partition}@${r.offset}`);
    const view = parsePageView(raw, r.partition, r.offset);
    const id = `${r.partition}-${r.offset}`;
    if (view === undefined) malformed.add(id);
    else expected.set(id, view);
    const k = rangeKey(r.topic, r.partition);
    if (!byOffset.has(k)) byOffset.set(k, new Map());
    byOffset.get(k)!.set(r.offset, view);
  }
  check(
    "input is the generator's",
    notGenerated.map((x) => `record ${x} differs from rawEventAt`),
    `${input.length} events, each equal to rawEventAt(seed ${config.seed}, partition, offset)`,
  );

  // Kafka: cleaned events and dead letters, read_committed, each exactly once.
  const clean = await readTopic(config.brokers, config.topics.clean);
  const reader = await topicReader();
  checks.push(
    exactlyOnce(
      `kafka cleaned events (read_committed, ${reader})`,
      clean.map((r) => JSON.parse(r.value) as PageView),
      expected,
      drained,
    ),
  );
  const dead = await readTopic(config.brokers, config.topics.deadLetter);
  const deadIds = dead.map((r) => r.key ?? '');
  checks.push(exactlyOnceIds(`kafka dead letters (read_committed, ${reader})`, deadIds, malformed, drained));

  // Per-user totals.
  const perUser = new Map<string, { views: number; last: PageView }>();
  for (const v of expected.values()) {
    const t = perUser.get(v.user);
    if (t === undefined) perUser.set(v.user, { views: 1, last: v });
    else perUser.set(v.user, { views: t.views + 1, last: v.timestamp > t.last.timestamp ? v : t.last });
  }
  const totals = await readTotals(config);
  const totalProblems: string[] = [];
  if (drained) {
    for (const [user, t] of perUser) {
      const got = totals.find((x) => x.user === user);
      if (got === undefined) totalProblems.push(`${user} missing`);
      else if (got.views !== t.views) totalProblems.push(`${user}: ${got.views} views, expected ${t.views}`);
      else if (got.lastPage !== t.last.page || got.lastSeen !== t.last.timestamp)
        totalProblems.push(
          `${user}: last page ${got.lastPage}@${got.lastSeen}, expected ${t.last.page}@${t.last.timestamp}`,
        );
    }
  }
  for (const t of totals) if (!perUser.has(t.user)) totalProblems.push(`unexpected user ${t.user}`);
  check(
    `${'standIn' in config.outputs.mysql ? 'stand-in (files)' : 'mysql'} per-user totals`,
    totalProblems,
    `${totals.length} users, ${totals.reduce((a, t) => a + t.views, 0)} views in all, each equal to the events of that user`,
  );

  // History: one cell per event, replays overwrite.
  const history = await readHistory(config);
  const historyProblems: string[] = [];
  const seen = new Map<string, PageView>();
  for (const h of history) {
    const want = expected.get(h.id);
    const before = seen.get(h.id);
    if (want === undefined) historyProblems.push(`unexpected event ${h.id}`);
    else if (h.user !== want.user || JSON.stringify(h.view) !== JSON.stringify(want))
      historyProblems.push(`event ${h.id} differs`);
    if (before !== undefined && JSON.stringify(before) !== JSON.stringify(h.view))
      historyProblems.push(`event ${h.id} written twice with different content`);
    seen.set(h.id, h.view);
  }
  if (drained)
    for (const id of expected.keys()) if (!seen.has(id)) historyProblems.push(`event ${id} missing`);
  const historyName =
    'standIn' in config.outputs.hbase ? 'stand-in (files) user history' : 'hbase user history';
  check(
    historyName,
    historyProblems,
    `${seen.size} distinct events in ${new Set(history.map((h) => h.user)).size} users' rows (a replay rewrites the same cell)`,
  );

  const windowed = await windowChecks(config, byOffset, drained);
  checks.push(...windowed.checks);
  return {
    ok: checks.every((c) => c.ok),
    checks,
    inputEvents: input.length,
    validEvents: expected.size,
    malformedEvents: malformed.size,
    wrongWindows: windowed.wrong,
  };
}

function exactlyOnce(
  name: string,
  got: readonly PageView[],
  expected: ReadonlyMap<string, PageView>,
  drained: boolean,
): Check {
  const problems: string[] = [];
  const count = new Map<string, number>();
  for (const v of got) {
    count.set(v.id, (count.get(v.id) ?? 0) + 1);
    const want = expected.get(v.id);
    if (want === undefined) problems.push(`unexpected event ${v.id}`);
    else if (JSON.stringify(want) !== JSON.stringify(v)) problems.push(`event ${v.id} differs`);
  }
  for (const [id, n] of count) if (n > 1) problems.push(`event ${id} ${n} times`);
  if (drained) for (const id of expected.keys()) if (!count.has(id)) problems.push(`event ${id} missing`);
  return {
    name,
    ok: problems.length === 0,
    detail:
      problems.length === 0 ? `${got.length} events, each exactly once` : problems.slice(0, 5).join('; '),
  };
}

function exactlyOnceIds(
  name: string,
  got: readonly string[],
  expected: ReadonlySet<string>,
  drained: boolean,
): Check {
  const problems: string[] = [];
  const count = new Map<string, number>();
  for (const id of got) {
    count.set(id, (count.get(id) ?? 0) + 1);
    if (!expected.has(id)) problems.push(`unexpected ${id}`);
  }
  for (const [id, n] of count) if (n > 1) problems.push(`${id} ${n} times`);
  if (drained) for (const id of expected) if (!count.has(id)) problems.push(`${id} missing`);
  return {
    name,
    ok: problems.length === 0,
    detail:
      problems.length === 0
        ? `${got.length} malformed events, each exactly once`
        : problems.slice(0, 5).join('; '),
  };
}

/**
 * The batch ledger must split the input into disjoint ranges (nothing read twice) covering all of it
 * (nothing lost); each window at T must count exactly the events of the batches in (T − window, T];
 * the latest leaderboard must be the last window.
 */
async function windowChecks(
  config: RunConfig,
  byOffset: ReadonlyMap<string, ReadonlyMap<number, PageView | undefined>>,
  drained: boolean,
): Promise<{ checks: Check[]; wrong: number[] }> {
  const ledger = await readBatchLedger(config);
  const ledgerProblems: string[] = [];
  const all = ledger.flatMap((b) => b.ranges.filter((r) => r.untilOffset > r.fromOffset));
  const overlap = overlapping(all);
  if (overlap !== undefined) ledgerProblems.push(`two batches read the same offsets: ${overlap}`);
  if (drained) {
    for (const [k, offsets] of byOffset) {
      const cut = k.lastIndexOf('/');
      const [topic, p] = [k.slice(0, cut), Number(k.slice(cut + 1))];
      const end = Math.max(-1, ...offsets.keys()) + 1;
      const mine = all
        .filter((r) => r.topic === topic && r.partition === p)
        .sort((a, b) => a.fromOffset - b.fromOffset);
      let upTo = 0;
      for (const r of mine) if (r.fromOffset <= upTo) upTo = Math.max(upTo, r.untilOffset);
      if (upTo < end) ledgerProblems.push(`batches of ${k} read [0, ${upTo}) of [0, ${end})`);
    }
  }
  const ledgerName = `${'standIn' in config.outputs.redis ? 'stand-in (files)' : 'redis'} batch ledger`;
  const checks: Check[] = [
    {
      name: ledgerName,
      ok: ledgerProblems.length === 0 && ledger.length > 0,
      detail:
        ledgerProblems.length > 0
          ? ledgerProblems.slice(0, 5).join('; ')
          : `${ledger.length} batches, disjoint ranges covering the input`,
    },
  ];

  const { windows, latest } = await readWindows(config);
  const problems: string[] = [];
  const wrong: number[] = [];
  for (const w of windows) {
    const want: Record<string, number> = {};
    for (const b of ledger) {
      if (b.time <= w.time - config.windowMs || b.time > w.time) continue;
      for (const r of b.ranges) {
        const offsets = byOffset.get(rangeKey(r.topic, r.partition));
        for (let o = r.fromOffset; o < r.untilOffset; o++) {
          const v = offsets?.get(o);
          if (v !== undefined) want[v.page] = (want[v.page] ?? 0) + 1;
        }
      }
    }
    if (!sameCounts(want, w.counts)) wrong.push(w.time);
    if (!sameCounts(want, w.counts))
      problems.push(`window ${w.time}: ${JSON.stringify(w.counts)}, expected ${JSON.stringify(want)}`);
  }
  const last = windows.at(-1);
  if (last !== undefined && latest !== undefined && !sameCounts(last.counts, latest))
    problems.push(`latest leaderboard ${JSON.stringify(latest)} is not window ${last.time}`);
  const name = `${'standIn' in config.outputs.redis ? 'stand-in (files)' : 'redis'} leaderboard windows`;
  checks.push({
    name,
    ok: problems.length === 0 && windows.length > 0,
    detail:
      problems.length > 0
        ? problems.slice(0, 5).join('; ')
        : windows.length === 0
          ? 'no window was written'
          : `${windows.length} windows of ${config.windowMs / 1000} s every ${config.slideMs / 1000} s, each equal to the events of its batches`,
  });
  return { checks, wrong };
}

function overlapping(ranges: readonly OffsetRange[]): string | undefined {
  const sorted = [...ranges].sort(
    (a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition || a.fromOffset - b.fromOffset,
  );
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (a.topic === b.topic && a.partition === b.partition && b.fromOffset < a.untilOffset)
      return `slides overlap on ${a.topic}/${a.partition} [${b.fromOffset}, ${a.untilOffset})`;
  }
  return undefined;
}

function sameCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if ((a[k] ?? 0) !== (b[k] ?? 0)) return false;
  return true;
}
