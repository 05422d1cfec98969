/**
 * Control for issue 13's failover test: the same scenario (3 brokers, RF 3, min.insync.replicas 2,
 * a partition leader SIGKILLed mid-write, then restarted) run with a bare kafkajs 2.2.4 idempotent
 * producer whose `send()` spans all partitions, and then with `kafkaSink` on each client this Node
 * loads (kafkajs; @platformatic/kafka on Node >= 22.22). It shows that the scenario catches kafkajs
 * #1303 (acknowledged records lost) and that the sink does not lose any, whatever its client.
 *
 *   npx tsx --conditions=@dstream/source packages/connector-kafka/scripts/kafkajs-1303-control.ts [rounds] [version]
 *
 * `version` is a Kafka version tools/test-servers knows (3.9.1 by default, 4.4.0).
 *
 * Not part of `npm test`: the bare kafkajs run is expected to lose records.
 */
import kafkajs from 'kafkajs';
import { KAFKA_VERSIONS, type KafkaVersion, startKafka } from '@dstream/test-servers';
import { sinkContext } from '../test/integration/context.js';
import { type KafkaClientName, kafkaSink, platformaticAvailable } from '../src/index.js';
import { type FailoverResult, createFailoverTopic, runFailover } from './failover-scenario.js';

const { Kafka, logLevel, Partitioners } = kafkajs;
const rounds = Number(process.argv[2] ?? 5);
const version = (process.argv[3] ?? '3.9.1') as KafkaVersion;
if (!KAFKA_VERSIONS.includes(version))
  throw new Error(`unknown Kafka version ${version}: one of ${KAFKA_VERSIONS.join(', ')}`);
const log = (m: string) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${m}`);

const cluster = await startKafka({ brokers: 3, version });
log(`Kafka ${version}, 3 brokers up: ${cluster.bootstrap.join(',')}`);
const kafka = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const results: Array<Record<string, unknown>> = [];
const summary = (r: FailoverResult) => ({
  acknowledged: r.acknowledged,
  failedWrites: r.failedWrites,
  lost: r.lost.length,
  duplicates: r.duplicates,
  killed: r.killed.join(' '),
});
try {
  // 1. Bare kafkajs: one send() per write, records of all 6 partitions in it.
  const bareTopic = await createFailoverTopic(admin);
  const producer = kafka.producer({
    idempotent: true,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  await producer.connect();
  const bare = await runFailover(bareTopic, {
    cluster,
    rounds,
    log,
    write: async (ids) => {
      await producer.send({
        topic: bareTopic,
        acks: -1,
        messages: ids.map((id) => ({ key: `k${id}`, value: String(id) })),
      });
    },
  });
  await producer.disconnect();
  results.push({ client: 'kafkajs 2.2.4 multi-partition send()', version, rounds, ...summary(bare) });
  log(
    `bare kafkajs: ${bare.lost.length} of ${bare.acknowledged} acknowledged records lost ${JSON.stringify(bare.lost.slice(0, 20))}`,
  );

  // 2. kafkaSink: one request per partition, on each client.
  const clients: KafkaClientName[] = (await platformaticAvailable())
    ? ['kafkajs', 'platformatic']
    : ['kafkajs'];
  for (const client of clients) {
    const sinkTopic = await createFailoverTopic(admin);
    const sink = kafkaSink<number>({
      brokers: cluster.bootstrap,
      client,
      topic: sinkTopic,
      key: (id) => `k${id}`,
      value: (id) => String(id),
      sendAttempts: 5,
    });
    const ours = await runFailover(sinkTopic, {
      cluster,
      rounds,
      log,
      write: (ids) => sink.writePartition(ids, sinkContext()),
    });
    await sink.close?.();
    const name = client === 'kafkajs' ? 'kafkajs 2.2.4' : '@platformatic/kafka 2.12.1';
    results.push({ client: `kafkaSink over ${name}`, version, rounds, ...summary(ours) });
    log(`kafkaSink over ${name}: ${ours.lost.length} of ${ours.acknowledged} acknowledged records lost`);
  }
} finally {
  await admin.disconnect();
  await cluster.stop();
}
console.table(results);
