/**
 * Read throughput of `@platformatic/kafka` vs kafkajs 2.2.4 on the same topic of a real broker, in
 * one run: each client's plain consumer-group loop reads N records from a 6-partition topic. Used
 * to find out why platformatic 1.35.0 on Node 20 read at 0.42× kafkajs (profile with --cpu-prof).
 * @platformatic/kafka is not a dependency of the connector: point PLATFORMATIC_KAFKA at an install.
 *
 *   PLATFORMATIC_KAFKA=/tmp/plat135/node_modules/@platformatic/kafka/dist/index.js \
 *     node --conditions=@dstream/source --import tsx \
 *     packages/connector-kafka/scripts/platformatic-read-probe.ts [bootstrap|start] [records] [highWaterMark]
 *
 * PROBE_ONLY=kafkajs|platformatic runs one client's loop only; PROBE_PROFILE=<dir> writes a CPU
 * profile of each read loop alone (<dir>/<client>-<round>.cpuprofile, for Chrome DevTools).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname, join } from 'node:path';
import kafkajs from 'kafkajs';
import { startKafka } from '@dstream/test-servers';

interface PlatformaticMessage {
  readonly value: unknown;
}
interface PlatformaticStream extends AsyncIterable<PlatformaticMessage> {
  close(): Promise<void>;
}
interface PlatformaticConsumer {
  consume(options: Record<string, unknown>): Promise<PlatformaticStream>;
  close(force?: boolean): Promise<void>;
}
interface PlatformaticModule {
  Consumer: new (options: Record<string, unknown>) => PlatformaticConsumer;
}

const modulePath = process.env.PLATFORMATIC_KAFKA;
if (modulePath === undefined) throw new Error('set PLATFORMATIC_KAFKA to @platformatic/kafka/dist/index.js');
const platformatic = (await import(modulePath)) as PlatformaticModule;
const { version } = JSON.parse(readFileSync(join(dirname(modulePath), '..', 'package.json'), 'utf8')) as {
  version: string;
};
const [where = 'start', countArg = '200000', hwmArg] = process.argv.slice(2);
const total = Number(countArg);
const cluster = where === 'start' ? await startKafka() : undefined;
const bootstrap = cluster?.bootstrap ?? where.split(',');
const kafka = new kafkajs.Kafka({ brokers: bootstrap, logLevel: kafkajs.logLevel.NOTHING });

const topic = `probe-${randomUUID()}`;
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 6 }] });
const producer = kafka.producer();
await producer.connect();
const value = JSON.stringify({ user: 'u', page: '/x'.repeat(40), n: 0 });
for (let sent = 0; sent < total; sent += 5000) {
  await producer.send({
    topic,
    messages: Array.from({ length: Math.min(5000, total - sent) }, (_, i) => ({
      key: `k${sent + i}`,
      value,
    })),
  });
}
await producer.disconnect();

async function kafkajsRead(): Promise<number> {
  const consumer = kafka.consumer({ groupId: `kj-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const start = performance.now();
  let seen = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) if (m.value !== null) seen++;
      if (seen >= total) done();
    },
  });
  await finished;
  const rate = (total / (performance.now() - start)) * 1000;
  await consumer.disconnect();
  return rate;
}

async function platformaticRead(): Promise<number> {
  const consumer = new platformatic.Consumer({
    groupId: `pk-${randomUUID()}`,
    clientId: 'probe',
    bootstrapBrokers: bootstrap,
    maxWaitTime: 100,
    ...(hwmArg === undefined ? {} : { highWaterMark: Number(hwmArg) }),
  });
  const start = performance.now();
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
  let seen = 0;
  for await (const m of stream) {
    if (m.value !== null) seen++;
    if (seen >= total) break;
  }
  const rate = (total / (performance.now() - start)) * 1000;
  await stream.close().catch(() => undefined);
  await consumer.close(true);
  return rate;
}

const only = process.env.PROBE_ONLY;
const profileDir = process.env.PROBE_PROFILE;

/** Runs `read`, profiled into `<profileDir>/<name>.cpuprofile` when PROBE_PROFILE is set. */
async function profiled(name: string, read: () => Promise<number>): Promise<number> {
  if (profileDir === undefined) return read();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await read();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(profileDir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}
const rows: Array<Record<string, string | number>> = [];
try {
  for (let round = 1; round <= 2; round++) {
    const kj = only === 'platformatic' ? Number.NaN : await profiled(`kafkajs-${round}`, kafkajsRead);
    const pk =
      only === 'kafkajs' ? Number.NaN : await profiled(`platformatic-${version}-${round}`, platformaticRead);
    rows.push({
      round,
      node: process.version,
      'kafkajs 2.2.4 rec/s': Math.round(kj),
      [`@platformatic/kafka ${version} rec/s`]: Math.round(pk),
      ratio: (pk / kj).toFixed(2),
    });
  }
} finally {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  await cluster?.stop();
}
console.table(rows);
