import { spawn } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KafkaTestCluster } from '@dstream/kafka-testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDemoOptions } from '../src/clickstream/cli-options.js';
import { readRunConfig } from '../src/clickstream/run-config.js';
import { runDemo } from '../src/clickstream/run-demo.js';
import { verifyRun } from '../src/clickstream/verify.js';

let cluster: KafkaTestCluster;
beforeAll(async () => {
  cluster = await KafkaTestCluster.start({ brokers: 1 });
});
afterAll(async () => {
  await cluster?.stop();
});

describe('clickstream demo, embedded (testkit Kafka, file stand-ins)', () => {
  it('drains a bounded input, and verify finds every event exactly once in every output; tampering is caught', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'dstream-demo-test-'));
    const lines: string[] = [];
    const options = parseDemoOptions([
      ...['--kafka', cluster.bootstrap.join(','), '--run-dir', runDir, '--no-redis', '--no-mysql'],
      ...['--events', '1500', '--rate', '1000', '--batch-interval', '200', '--status-port', '-1'],
      ...['--exit-when-drained', '--verify'],
    ]);
    const code = await runDemo(options, (line) => lines.push(line));
    const out = lines.join('\n');
    expect(out).toMatch(/redis\s+→ embedded stand-in: files via connector-file/);
    expect(out).toMatch(
      /-------------------------------------------\nTime: \d+ ms\n-------------------------------------------\n\(\/[a-z/0-9]+,\d+\)/,
    );
    expect(out).toMatch(
      /\[batch \d\d:\d\d:\d\d\] \d+ records \| input [\d.]+\/s, processed \d+\/s \| scheduling delay \d+ ms/,
    );
    expect(out).toMatch(/output kafka cleaned events: exactly-once/);
    expect(out).toMatch(
      /OK {3}kafka cleaned events \(read_committed, (kcat|kafkajs)\): \d+ events, each exactly once/,
    );
    expect(out).toMatch(/OK {3}malformed accumulator/);
    expect(out).toMatch(/verify: every output matches the generator/);
    expect(code).toBe(0);

    // The verifier is not vacuous: one doubled cleaned event and one wrong total are both reported.
    const config = (await readRunConfig(runDir))!;
    const [first] = cluster.readRecords(config.topics.clean, 0);
    cluster.produce(config.topics.clean, [{ partition: 0, key: first!.key, value: first!.value }]);
    const totalsDir = join(runDir, 'stand-ins', 'user-totals');
    const newest = (await readdir(totalsDir))
      .sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]))
      .at(-1)!;
    const part = join(totalsDir, newest, 'part-00000');
    const rows = (await readFile(part, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { views: number });
    rows[0]!.views += 1;
    await writeFile(part, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const report = await verifyRun(config);
    const failed = report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    expect(failed).toEqual([
      expect.stringMatching(/^kafka cleaned events.*2 times/),
      expect.stringMatching(/^stand-in \(files\) per-user totals: user-\d\d: \d+ views, expected \d+/),
    ]);
  }, 60_000);

  it('npm run demo stops gracefully on SIGINT', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      [
        '--conditions=@dstream/source',
        '--import',
        'tsx',
        main,
        '--batch-interval',
        '200',
        '--status-port',
        '0',
        '--no-redis',
        '--no-mysql',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 30_000;
    while (!/\[batch .*\n\[batch /.test(out) && Date.now() < deadline && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await exited;
    expect(out).toMatch(/kafka\s+→ embedded @dstream\/kafka-testkit broker/);
    expect(out).toMatch(/status page: http:\/\/127\.0\.0\.1:\d+\//);
    expect(out).toMatch(/SIGINT: stopping gracefully/);
    expect(out).toMatch(/stopped; the input topic holds \d+ events/);
    expect(code).toBe(0);
  }, 40_000);
});
