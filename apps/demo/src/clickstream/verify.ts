import { type PageView, parsePageView, rawEventAt } from './events.js';
import { readHistory, readTotals } from './output-readers.js';
import type { RunConfig } from './run-config.js';
import { readTopic, topicReader } from './topic-reader.js';
import { rangeKey, windowChecks } from './window-checks.js';

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
