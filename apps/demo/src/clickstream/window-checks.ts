import type { OffsetRange } from '@dstream/core';
import type { PageView } from './events.js';
import { readBatchLedger, readWindows } from './output-readers.js';
import type { RunConfig } from './run-config.js';
import type { Check } from './verify.js';

/** `topic/partition`: how the verifier indexes input offsets. */
export const rangeKey = (topic: string, partition: number): string => `${topic}/${partition}`;

/**
 * The batch ledger must split the input into disjoint ranges (nothing read twice) covering all of it
 * (nothing lost); each window at T must count exactly the events of the batches in (T − window, T];
 * the latest leaderboard must be the last window.
 */
export async function windowChecks(
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
