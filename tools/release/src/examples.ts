/** How the check exercises a package's README example in the consumer project. */
export type ExamplePlan =
  | { readonly mode: 'run'; readonly timeoutMs: number }
  | { readonly mode: 'typecheck'; readonly reason: string };

const run = (timeoutMs: number): ExamplePlan => ({ mode: 'run', timeoutMs });

/**
 * Every example is type-checked against the installed tarballs. Those that finish on their own
 * with the servers of this machine (Redis 6379, MariaDB 3306) or none are also run; the rest say
 * why not, and the check prints that.
 */
const plans: Readonly<Record<string, ExamplePlan>> = {
  '@dstream/connector-file': run(60_000),
  '@dstream/connector-mysql': run(60_000),
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
