/** How the check exercises a package's README example in the consumer project. */
export type ExamplePlan =
  | {
      readonly mode: 'run';
      readonly timeoutMs: number;
      /** What its output must show, for examples that print their result. */
      readonly expectOutput?: readonly RegExp[];
    }
  | { readonly mode: 'typecheck'; readonly reason: string };

const run = (timeoutMs: number, expectOutput: readonly RegExp[] = []): ExamplePlan => ({
  mode: 'run',
  timeoutMs,
  expectOutput,
});

/**
 * Every example is type-checked against the installed tarballs. Those that finish on their own
 * with the servers of this machine (Redis 6379, MariaDB 3306) or none are also run; the rest say
 * why not, and the check prints that.
 */
const plans: Readonly<Record<string, ExamplePlan>> = {
  // The word count of the one file it drops in: exact, as the sink is idempotent.
  '@dstream/connector-file': run(60_000, [/^to\t2$/m, /^be\t2$/m, /^or\t1$/m, /^not\t1$/m]),
  // The table keeps counts from earlier runs: only the rows are checked.
  '@dstream/connector-mysql': run(60_000, [/word: 'question'/, /word: 'to'/]),
  '@dstream/connector-redis': run(60_000),
  '@dstream/kafka-testkit': run(60_000),
  '@dstream/connector-hbase': {
    mode: 'typecheck',
    reason:
      'needs a real HBase (ZooKeeper on 127.0.0.1:2181); its tests start one, the release check does not',
  },
  '@dstream/core': {
    mode: 'typecheck',
    reason: 'reads 127.0.0.1:9999 and never stops (awaitTermination without a stop)',
  },
  '@dstream/connector-kafka': {
    mode: 'typecheck',
    reason: 'needs a broker on 127.0.0.1:9092 and never stops (awaitTermination without a stop)',
  },
};

/** The plan for `name`; a package without one is run (a new package's example must finish). */
export function examplePlan(name: string): ExamplePlan {
  return plans[name] ?? run(60_000);
}
