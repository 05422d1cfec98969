import { parseArgs } from 'node:util';
import { KafkaTestCluster } from './kafka-test-cluster.js';

const USAGE = `Usage: dstream-kafka-testkit [--port 9092] [--brokers 1] [--host 127.0.0.1]

Runs the in-process Kafka testkit until interrupted. Brokers listen on --port, --port+1, ...
(--port 0 picks free ports). Nothing is persisted: stopping it discards every topic.`;

/** Parses the command line, starts a cluster, and stops it on SIGINT/SIGTERM. */
export async function main(argv: string[]): Promise<KafkaTestCluster | undefined> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '9092' },
      brokers: { type: 'string', default: '1' },
      host: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return undefined;
  }
  const port = Number(values.port);
  const brokers = Number(values.brokers);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0-65535, got ${values.port}`);
  if (!Number.isInteger(brokers) || brokers < 1)
    throw new Error(`--brokers must be >= 1, got ${values.brokers}`);
  // Signal handlers go in before the bootstrap line: whoever reads that line may signal at once.
  let started: KafkaTestCluster | undefined;
  let stopRequested = false;
  const stop = () => {
    stopRequested = true;
    if (started) started.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const cluster = await KafkaTestCluster.start({ brokers, port, host: values.host });
  started = cluster;
  if (stopRequested) {
    await cluster.stop();
    process.exit(0);
  }
  console.log(
    `dstream-kafka-testkit: ${brokers} broker(s) listening, bootstrap ${cluster.bootstrap.join(',')}`,
  );
  return cluster;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`dstream-kafka-testkit: ${error instanceof Error ? error.message : String(error)}`);
  console.error(USAGE);
  process.exit(1);
});
