/**
 * Issue 13's failover scenario (3 brokers, RF 3, min.insync.replicas 2, a partition leader SIGKILLed
 * mid-write, then restarted) with a bare `@platformatic/kafka` idempotent producer whose `send()`
 * spans all 6 partitions, as kafkajs-1303-control.ts runs it with kafkajs: how many records of
 * resolved sends are missing afterwards. platformatic's `send()` can resolve with `unwritableNodes`
 * (records for those brokers were not written); such sends are counted apart.
 * @platformatic/kafka is not a dependency of the connector: point PLATFORMATIC_KAFKA at an install
 * (2.x needs Node >= 22.22).
 *
 *   PLATFORMATIC_KAFKA=/tmp/plat2/node_modules/@platformatic/kafka/dist/index.js \
 *     npx tsx --conditions=@dstream/source packages/connector-kafka/scripts/platformatic-failover-control.ts [rounds] [version]
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import kafkajs from 'kafkajs';
import { KAFKA_VERSIONS, type KafkaVersion, startKafka } from '@dstream/test-servers';
import { createFailoverTopic, runFailover } from './failover-scenario.js';

interface PlatformaticProducer {
  send(options: {
    messages: Array<{ topic: string; key: Buffer; value: Buffer }>;
    acks: number;
  }): Promise<{ unwritableNodes?: number[] }>;
  close(force?: boolean): Promise<void>;
}
interface PlatformaticModule {
  Producer: new (options: Record<string, unknown>) => PlatformaticProducer;
}

const modulePath = process.env.PLATFORMATIC_KAFKA;
if (modulePath === undefined) throw new Error('set PLATFORMATIC_KAFKA to @platformatic/kafka/dist/index.js');
const { Producer } = (await import(modulePath)) as PlatformaticModule;
const { version: libVersion } = JSON.parse(
  readFileSync(join(dirname(modulePath), '..', 'package.json'), 'utf8'),
) as { version: string };
const rounds = Number(process.argv[2] ?? 5);
const version = (process.argv[3] ?? '3.9.1') as KafkaVersion;
if (!KAFKA_VERSIONS.includes(version)) {
  throw new Error(`unknown Kafka version ${version}: one of ${KAFKA_VERSIONS.join(', ')}`);
}
const log = (m: string) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${m}`);

const cluster = await startKafka({ brokers: 3, version });
log(`Kafka ${version}, 3 brokers up; @platformatic/kafka ${libVersion} on Node ${process.version}`);
const admin = new kafkajs.Kafka({ brokers: cluster.bootstrap, logLevel: kafkajs.logLevel.NOTHING }).admin();
await admin.connect();
try {
  const topic = await createFailoverTopic(admin);
  const producer = new Producer({
    clientId: 'failover-control',
    bootstrapBrokers: cluster.bootstrap,
    idempotent: true,
    acks: -1,
    retries: 20,
    retryDelay: 250,
  });
  let partial = 0;
  const partialIds = new Set<number>();
  const result = await runFailover(topic, {
    cluster,
    rounds,
    log,
    write: async (ids) => {
      const sent = await producer.send({
        acks: -1,
        messages: ids.map((id) => ({ topic, key: Buffer.from(`k${id}`), value: Buffer.from(String(id)) })),
      });
      if ((sent.unwritableNodes ?? []).length > 0) {
        partial++;
        for (const id of ids) partialIds.add(id);
      }
    },
  });
  await producer.close(true);
  const lostInPartial = result.lost.filter((id) => partialIds.has(id)).length;
  console.table([
    {
      client: `@platformatic/kafka ${libVersion} multi-partition send()`,
      version,
      node: process.version,
      rounds,
      acknowledged: result.acknowledged,
      failedWrites: result.failedWrites,
      lost: result.lost.length,
      'lost in sends with unwritableNodes': lostInPartial,
      'sends with unwritableNodes': partial,
      duplicates: result.duplicates,
    },
  ]);
} finally {
  await admin.disconnect();
  await cluster.stop();
}
