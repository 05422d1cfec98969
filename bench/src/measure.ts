/** One measured figure: records (or operations) per second. */
export interface Result {
  label: string;
  opsPerSec: number;
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
  for (let i = 0; i < rounds; i++) {
    for (let j = 0; j < variants.length; j++) {
      const start = process.hrtime.bigint();
      await variants[j]!.run();
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      best[j] = Math.max(best[j]!, ops / seconds);
    }
  }
  return variants.map((v, j) => ({ label: v.label, opsPerSec: best[j]! }));
}

export function format(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(2)}M/s`;
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(1)}k/s`;
  return `${rate.toFixed(1)}/s`;
}

/** Prints a benchmark's figures and each one's ratio to the first (the baseline). */
export function report(name: string, results: Result[]): void {
  const baseline = results[0];
  console.log(`\n## ${name}`);
  for (const r of results) {
    const ratio =
      baseline && baseline !== r
        ? `  ${(r.opsPerSec / baseline.opsPerSec).toFixed(2)}× ${baseline.label}`
        : '  (baseline)';
    console.log(`  ${r.label.padEnd(50)} ${format(r.opsPerSec).padStart(10)}${ratio}`);
  }
}
