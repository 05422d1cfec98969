import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The outside world a long-running README example expects (a socket to read, a Kafka broker), and
 * the test of its effect. `missing` answers `undefined` once the example did its job, otherwise
 * what is still missing (polled; the last answer is the failure message at the deadline).
 */
export interface Harness {
  missing(output: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

export type HarnessName = 'socket-lines' | 'kafka-clicks';

export function startHarness(name: HarnessName, consumerDir: string): Promise<Harness> {
  return name === 'socket-lines' ? socketLines() : kafkaClicks(consumerDir);
}

/** `nc -lk 9999` writing a line every 200 ms to each client; the example must print its counts. */
async function socketLines(): Promise<Harness> {
  const clients = new Set<Socket>();
  const server = createServer((socket) => {
    clients.add(socket);
    socket.on('close', () => clients.delete(socket));
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new Error(`socket harness: cannot listen on 127.0.0.1:9999: ${error.message}`)),
    );
    server.listen(9999, '127.0.0.1', resolve);
  });
  const timer = setInterval(() => {
    for (const socket of clients) socket.write('to be or not to be\n');
  }, 200);
  return {
    async missing(output) {
      const wanted = [/^\(to,\d+\)$/m, /^\(be,\d+\)$/m, /^\(or,\d+\)$/m, /^\(not,\d+\)$/m];
      const absent = wanted.filter((pattern) => !pattern.test(output));
      return absent.length === 0
        ? undefined
        : `no ${absent.join(', ')} in its output:\n${output.slice(-2000)}`;
    },
    async stop() {
      clearInterval(timer);
      for (const socket of clients) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface TestCluster {
  readonly bootstrap: string[];
  createTopic(name: string, options: { partitions: number }): void;
  produce(topic: string, records: { value: string }[]): unknown;
  readRecords(topic: string, partition: number): { value: Buffer | null }[];
  committedOffsets(groupId: string): { topic: string; partition: number; offset: number }[];
  stop(): Promise<void>;
}
interface KafkaAdmin {
  connect(): Promise<void>;
  setOffsets(options: {
    groupId: string;
    topic: string;
    partitions: { partition: number; offset: string }[];
  }): Promise<void>;
  disconnect(): Promise<void>;
}
interface KafkaJs {
  Kafka: new (config: { brokers: string[]; logLevel: number }) => { admin(): KafkaAdmin };
}

const clicks = [
  { user: 'ann', page: '/Home' },
  { user: 'bob', page: '/About' },
  { user: 'ann', page: '/Pricing' },
  { user: 'cid', page: '/HOME' },
  { user: 'bob', page: '/home' },
];

/**
 * The file a consumer's `import name` loads: the `default` export of `.`, read from the installed
 * manifest rather than resolved, because a test runner may resolve with the repository's
 * `@dstream/source` condition, which points at sources the tarball does not have.
 */
function publishedEntry(consumerDir: string, name: string): string {
  const dir = join(consumerDir, 'node_modules', name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    exports: { '.': { default: string } };
  };
  return join(dir, manifest.exports['.'].default);
}

/**
 * The packed @dstream/kafka-testkit (from the consumer project) as the broker at 127.0.0.1:9092,
 * with 5 clicks and one malformed record in `clicks`, and group `clicks-job` at offset 0 (a job
 * that has run before: the direct stream's default for a new group is 'latest'). Done when the
 * transactional sink committed offset 6 for the group, `clicks-clean` holds the 5 cleaned clicks
 * and `clicks-bad` the malformed one.
 */
async function kafkaClicks(consumerDir: string): Promise<Harness> {
  const require = createRequire(join(consumerDir, 'package.json'));
  const testkitUrl = pathToFileURL(publishedEntry(consumerDir, '@dstream/kafka-testkit')).href;
  const { KafkaTestCluster } = (await import(testkitUrl)) as {
    KafkaTestCluster: { start(options: { brokers: number; port: number }): Promise<TestCluster> };
  };
  const { Kafka } = require('kafkajs') as KafkaJs;
  const cluster = await KafkaTestCluster.start({ brokers: 1, port: 9092 });
  try {
    for (const topic of ['clicks', 'clicks-clean', 'clicks-bad'])
      cluster.createTopic(topic, { partitions: 1 });
    cluster.produce('clicks', [...clicks.map((c) => ({ value: JSON.stringify(c) })), { value: '{not json' }]);
    const admin = new Kafka({ brokers: cluster.bootstrap, logLevel: 0 }).admin();
    await admin.connect();
    await admin.setOffsets({
      groupId: 'clicks-job',
      topic: 'clicks',
      partitions: [{ partition: 0, offset: '0' }],
    });
    await admin.disconnect();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  const expected = clicks.map((c) => JSON.stringify({ ...c, page: c.page.toLowerCase() })).sort();
  return {
    async missing() {
      const committed = cluster.committedOffsets('clicks-job').find((o) => o.topic === 'clicks');
      if (committed?.offset !== clicks.length + 1) {
        return `group clicks-job committed ${committed?.offset ?? 'nothing'} on clicks, not ${clicks.length + 1}`;
      }
      const clean = cluster.readRecords('clicks-clean', 0).map((r) => r.value?.toString('utf8') ?? 'null');
      if (JSON.stringify(clean.sort()) !== JSON.stringify(expected)) {
        return `clicks-clean holds ${JSON.stringify(clean)}, not ${JSON.stringify(expected)}`;
      }
      const bad = cluster.readRecords('clicks-bad', 0).map((r) => r.value?.toString('utf8'));
      if (bad.length !== 1 || bad[0] !== '{not json') return `clicks-bad holds ${JSON.stringify(bad)}`;
      return undefined;
    },
    stop: () => cluster.stop(),
  };
}
