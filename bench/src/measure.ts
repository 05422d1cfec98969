/** One measured figure: records (or operations) per second. */
export interface Result {
  label: string;
  opsPerSec: number;
  /** Seconds of each measured round, when measured by compare (for paired ratios). */
  rounds?: number[];
}

/**
 * Measures several variants of the same work, interleaved round by round so that a noisy,
 * shared machine slows them alike; reports each variant's best round (after one warm-up round).
 */
export async function compare(
  ops: number,
  rounds: number,
  variants: Array<{ label: string; run: () => unknown | Promise<unknown> }>,
): Promise<Result[]> {
  for (const v of variants) await v.run();
  const best = variants.map(() => 0);
  const times = variants.map((): number[] => []);
  for (let i = 0; i < rounds; i++) {
    for (let j = 0; j < variants.length; j++) {
      const start = process.hrtime.bigint();
      await variants[j]!.run();
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      best[j] = Math.max(best[j]!, ops / seconds);
      times[j]!.push(seconds);
    }
  }
  return variants.map((v, j) => ({ label: v.label, opsPerSec: best[j]!, rounds: times[j]! }));
}

export function format(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(2)}M/s`;
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(1)}k/s`;
  return `${rate.toFixed(1)}/s`;
}

/**
 * The median over rounds of the baseline's time over the variant's time in the same round: on a
 * machine whose load changes from second to second, runs measured next to each other agree better
 * than best rounds taken at different moments.
 */
function pairedRatio(baseline: Result, r: Result): number | undefined {
  const a = baseline.rounds;
  const b = r.rounds;
  if (a === undefined || b === undefined || a.length !== b.length || a.length === 0) return undefined;
  const ratios = a.map((t, i) => t / b[i]!).sort((x, y) => x - y);
  return ratios[Math.floor(ratios.length / 2)];
}

/** Prints a benchmark's figures and each one's ratio to the first (the baseline). */
export function report(name: string, results: Result[]): void {
  const baseline = results[0];
  console.log(`\n## ${name}`);
  for (const r of results) {
    const paired = baseline && baseline !== r ? pairedRatio(baseline, r) : undefined;
    const ratio =
      baseline && baseline !== r
        ? `  ${(r.opsPerSec / baseline.opsPerSec).toFixed(2)}× ${baseline.label}${
            paired === undefined ? '' : ` (median of paired rounds ${paired.toFixed(2)}×)`
          }`
        : '  (baseline)';
    console.log(`  ${r.label.padEnd(50)} ${format(r.opsPerSec).padStart(10)}${ratio}`);
  }
}
