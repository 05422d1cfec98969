import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KafkaTestCluster } from '@dstream/kafka-testkit';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDemoOptions } from '../src/clickstream/cli-options.js';
import { runDemo } from '../src/clickstream/run-demo.js';

const chromiumPath = '/usr/bin/chromium';
// DEMO_SCREENSHOT=1 refreshes the README's picture; otherwise the screenshot goes to a temp dir.
const screenshotPath = process.env.DEMO_SCREENSHOT
  ? fileURLToPath(new URL('../docs/status-page.png', import.meta.url))
  : join(tmpdir(), `dstream-status-page-${process.pid}.png`);

let cluster: KafkaTestCluster;
let browser: BrowserContext | undefined;
let profile: string;

beforeAll(async () => {
  if (!existsSync(chromiumPath))
    throw new Error(
      `the status page test needs Debian's Chromium at ${chromiumPath}: apt-get install -y chromium`,
    );
  cluster = await KafkaTestCluster.start({ brokers: 1 });
  profile = await mkdtemp(join(tmpdir(), 'dstream-chromium-'));
  // A fresh profile (--user-data-dir), which playwright takes as launchPersistentContext's argument.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    viewport: { width: 1100, height: 1300 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
  await rm(profile, { recursive: true, force: true });
});

describe('status page', () => {
  it('shows batches, guarantees and receivers, and the input-rate chart grows as batches complete', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'dstream-demo-status-'));
    const lines: string[] = [];
    let url: string | undefined;
    const demo = runDemo(
      parseDemoOptions([
        ...['--kafka', cluster.bootstrap.join(','), '--run-dir', runDir, '--no-redis', '--no-mysql'],
        ...['--events', '2500', '--rate', '300', '--batch-interval', '500', '--status-port', '0'],
        '--exit-when-drained',
      ]),
      (line) => {
        lines.push(line);
        url ??= /status page: (http:\S+)/.exec(line)?.[1];
      },
    );
    const deadline = Date.now() + 20_000;
    while (url === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(url, lines.join('\n')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    const page = await browser!.newPage();
    await page.goto(url!);
    expect(await page.title()).toBe('Clickstream — dstream streaming');
    const points = async (): Promise<number> =>
      Number(await page.locator('#input-rate-chart').getAttribute('data-points'));
    // Evaluated in the page (a string: this file is type-checked without the DOM library).
    const chartHasAtLeast = (n: number): string =>
      `Number(document.querySelector('#input-rate-chart')?.getAttribute('data-points')) >= ${n}`;
    await page.waitForFunction(chartHasAtLeast(2), undefined, { timeout: 20_000 });
    const before = await points();
    await page.waitForFunction(chartHasAtLeast(before + 3), undefined, { timeout: 20_000 });
    expect(await points()).toBeGreaterThanOrEqual(before + 3);
    expect(await page.locator('#input-rate-chart polyline').count()).toBe(1);
    expect(await page.locator('#delay-chart polyline').count()).toBe(2);

    const outputs = await page.locator('#outputs tbody tr').allInnerTexts();
    expect(outputs.filter((row) => row.includes('exactly-once'))).toHaveLength(6);
    expect(outputs.join('\n')).toMatch(/kafka cleaned events\s+exactly-once/);
    expect(await page.locator('#receivers tbody').textContent()).toMatch(/no receivers: direct streams/);
    expect(await page.locator('#inputs').textContent()).toMatch(/Kafka direct stream of 'clicks-/);
    const batchRows = await page.locator('#batches tbody tr').allInnerTexts();
    expect(batchRows.length).toBeGreaterThanOrEqual(3);
    expect(batchRows.join('\n')).toMatch(
      /\d\d:\d\d:\d\d\s+\d+\s+[\d.]+\/s\s+\d+ ms\s+\d+ ms\s+\d+ ms\s+completed/,
    );
    expect(await page.locator('#errors tbody').textContent()).toMatch(/none/);
    await page.screenshot({ path: screenshotPath, fullPage: true });
    await page.close();
    expect(await demo).toBe(0);
  }, 90_000);
});
