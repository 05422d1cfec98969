/**
 * `npm run demo:verify`: checks every output against the generator's exact counts.
 *   --run-dir DIR   verify that run (its servers must still be up: real Kafka, or --kafka given)
 *   otherwise       run the embedded demo on a bounded input until drained, then verify it
 * Other options are passed to the demo (e.g. --batch-interval 500, --events 2000, --no-redis).
 */
import { parseDemoOptions } from './clickstream/cli-options.js';
import { readRunConfig } from './clickstream/run-config.js';
import { runDemo } from './clickstream/run-demo.js';
import { verifyRun } from './clickstream/verify.js';

const args = process.argv.slice(2);
const runDirAt = args.indexOf('--run-dir');
let code = 1;
try {
  const existing = runDirAt >= 0 ? await readRunConfig(args[runDirAt + 1] ?? '') : undefined;
  if (existing !== undefined && !existing.embeddedKafka) {
    const report = await verifyRun(existing, { drained: !args.includes('--not-drained') });
    for (const c of report.checks) console.log(`${c.ok ? 'OK  ' : 'FAIL'} ${c.name}: ${c.detail}`);
    console.log(report.ok ? 'verify: every output matches the generator' : 'verify: FAILED');
    code = report.ok ? 0 : 1;
  } else {
    const defaults = ['--events', '3000', '--rate', '250', '--status-port', '-1'];
    const given = new Set(args.filter((a) => a.startsWith('--')));
    const extra: string[] = [];
    for (let i = 0; i < defaults.length; i += 2)
      if (!given.has(defaults[i]!)) extra.push(defaults[i]!, defaults[i + 1]!);
    code = await runDemo(parseDemoOptions([...args, ...extra, '--exit-when-drained', '--verify']));
  }
} catch (error) {
  console.error(`demo:verify failed: ${error instanceof Error ? error.message : String(error)}`);
}
process.exit(code);
