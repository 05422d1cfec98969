import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { StreamingContext } from '@dstream/core';
import { describe, expect, it } from 'vitest';
import { startLineGenerator } from '../src/line-generator.js';
import { networkWordCount } from '../src/network-word-count.js';

describe('NetworkWordCount demo', () => {
  it('counts every word the generator wrote: per batch, running totals and windows agree', async () => {
    const generator = await startLineGenerator({ linesPerSecond: 200 });
    const ctx = new StreamingContext({ batchInterval: 100, receiverRestartDelay: 50 });
    const { perBatch, totals, windowed } = networkWordCount(ctx, {
      host: generator.host,
      port: generator.port,
      windowMs: 400,
      slideMs: 200,
    });
    const summed = new Map<string, number>();
    let lastTotals = new Map<string, number>();
    let windows = 0;
    perBatch.foreachBatch((b) => {
      for (const [w, n] of b.partitions.flat()) summed.set(w, (summed.get(w) ?? 0) + n);
    });
    totals.foreachBatch((b) => {
      lastTotals = new Map(b.partitions.flat());
    });
    windowed.foreachBatch((b) => {
      windows++;
      for (const [, n] of b.partitions.flat()) expect(n).toBeGreaterThan(0);
    });
    await ctx.start();
    await new Promise((r) => setTimeout(r, 1500));
    await generator.close();
    await new Promise((r) => setTimeout(r, 300));
    await ctx.stop({ graceful: true });
    expect(generator.linesWritten).toBeGreaterThan(50);
    expect(summed).toEqual(new Map(generator.wordsWritten));
    expect(lastTotals).toEqual(summed);
    expect(windows).toBeGreaterThanOrEqual(5);
  });

  it('npm run demo:word-count prints Spark-style blocks and stops gracefully on SIGINT', async () => {
    const main = fileURLToPath(new URL('../src/word-count-main.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--conditions=@dstream/source', '--import', 'tsx', main, '--batch-interval', '200'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const deadline = Date.now() + 20_000;
    while (!/Time: \d+ ms\n-+\n\(/.test(out) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toMatch(
      /-------------------------------------------\nTime: \d+ ms\n-------------------------------------------\n\(\w+,\d+\)/,
    );
    expect(out).toMatch(/totals so far: \(\w+,\d+\)/);
    expect(out).toMatch(/SIGINT: stopping gracefully/);
    expect(out).toMatch(/stopped; the generator wrote \d+ lines/);
    expect(code).toBe(0);
  }, 30_000);
});
