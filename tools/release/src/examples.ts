import type { HarnessName } from './harnesses.js';

/** How the check exercises a package's README example in the consumer project. */
export type ExamplePlan =
  | {
      readonly mode: 'run';
      readonly timeoutMs: number;
      /** What its output must show, for examples that print their result. */
      readonly expectOutput?: readonly RegExp[];
    }
  | {
      /** A job that runs until stopped: run against a harness until it shows the job's effect. */
      readonly mode: 'serve';
      readonly harness: HarnessName;
      readonly timeoutMs: number;
    }
  | { readonly mode: 'typecheck'; readonly reason: string };

const run = (timeoutMs: number, expectOutput: readonly RegExp[] = []): ExamplePlan => ({
  mode: 'run',
  timeoutMs,
  expectOutput,
});

/**
 * Every example is type-checked against the installed tarballs. Those that finish on their own
 * with the servers of this machine (Redis 6379, MariaDB 3306) or none are run to their end; those
 * that run until stopped are run against a harness; the rest say why not, and the check prints that.
 */
const plans: Readonly<Record<string, ExamplePlan>> = {
  // The word count of the one file it drops in: exact, as the sink is idempotent.
  '@dstream/connector-file': run(60_000, [/^to\t2$/m, /^be\t2$/m, /^or\t1$/m, /^not\t1$/m]),
  // The table keeps counts from earlier runs: only the rows are checked.
  '@dstream/connector-mysql': run(60_000, [/word: 'question'/, /word: 'to'/]),
  // It empties its keys first, so the counts are exact.
  '@dstream/connector-redis': run(60_000, [/'\/home': '3'/, /'\/about': '1'/]),
  '@dstream/kafka-testkit': run(60_000),
  '@dstream/connector-hbase': {
    mode: 'typecheck',
    reason:
      'needs a real HBase (ZooKeeper on 127.0.0.1:2181); test/integration/hbase-readme.test.ts runs it on the shared one',
  },
  // Reads lines from 127.0.0.1:9999 until stopped: the harness serves them and waits for the counts.
  '@dstream/core': { mode: 'serve', harness: 'socket-lines', timeoutMs: 60_000 },
  // Reads Kafka at 127.0.0.1:9092 until stopped: the harness is the packed kafka-testkit.
  '@dstream/connector-kafka': { mode: 'serve', harness: 'kafka-clicks', timeoutMs: 90_000 },
};

/** The plan for `name`; a package without one is run (a new package's example must finish). */
export function examplePlan(name: string): ExamplePlan {
  return plans[name] ?? run(60_000);
}
