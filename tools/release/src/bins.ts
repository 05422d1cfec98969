import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConsumerProject } from './consumer.js';
import { describeFailure, startProcess, userEnv } from './exec.js';

// A job module for `dstream run`: one queued batch, printed, then a graceful stop.
const job = `import { StreamingContext } from '@dstream/core';

const ctx = new StreamingContext({ batchInterval: 200 });
ctx.queueStream([['a', 'b', 'a']]).countByValue().print();
await ctx.start();
await new Promise((resolve) => setTimeout(resolve, 1000));
await ctx.stop({ graceful: true });
`;

/**
 * Runs the published commands as a user would, from the consumer project's node_modules/.bin:
 * `dstream run <job>` must run the job to its end, and `dstream-kafka-testkit --port 0` must start
 * a broker and stop cleanly on SIGTERM. Resolves to the failures (empty when both work).
 */
export async function checkBins(project: ConsumerProject): Promise<string[]> {
  const failures: string[] = [];
  const bin = (name: string) => join(project.dir, 'node_modules', '.bin', name);
  const cwd = join(project.dir, 'run', 'bins');
  mkdirSync(cwd, { recursive: true });
  writeFileSync(join(cwd, 'job.mjs'), job);

  const dstream = await startProcess(bin('dstream'), ['run', 'job.mjs'], {
    cwd,
    timeoutMs: 60_000,
    env: userEnv(),
  }).exited;
  if (dstream.code !== 0 || !/^\(a,2\)$/m.test(dstream.stdout)) {
    failures.push(describeFailure('dstream run job.mjs (expected exit 0 and "(a,2)")', dstream));
  }

  const testkit = startProcess(bin('dstream-kafka-testkit'), ['--port', '0', '--brokers', '1'], {
    cwd,
    timeoutMs: 60_000,
    env: userEnv(),
  });
  const listening = /bootstrap 127\.0\.0\.1:\d+/;
  let ended = false;
  testkit.exited.then(
    () => (ended = true),
    () => (ended = true),
  );
  for (let waited = 0; waited < 30_000 && !ended && !listening.test(testkit.output()); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const started = listening.test(testkit.output());
  // The CLI prints its bootstrap line just before it installs its SIGINT/SIGTERM handlers: on a
  // loaded machine a signal sent at once can find none and kill it. Give it a moment.
  await new Promise((resolve) => setTimeout(resolve, 500));
  testkit.kill('SIGTERM');
  const result = await testkit.exited;
  if (!started || result.code !== 0) {
    failures.push(
      describeFailure(
        'dstream-kafka-testkit --port 0 (expected a bootstrap line, then exit 0 on SIGTERM)',
        result,
      ),
    );
  }
  return failures;
}
