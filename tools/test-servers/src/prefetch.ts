// `npm run prefetch -w @dstream/test-servers`: fills the jar cache for every server the tests use, so
// later runs (and CI's test step) never need Maven or the network, and records the Kafka and HBase
// class-data archives (faster JVM starts, see class-data-sharing.ts).
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { recordClassDataArchive } from './class-data-sharing.js';
import { openHBaseAdmin } from './hbase-admin.js';
import { hbaseArchive, hbaseJarSet } from './hbase-config.js';
import { ensureJars, jarSetDir } from './jar-cache.js';
import { requireJava } from './java-tools.js';
import { startHBaseWith } from './start-hbase.js';
import {
  KAFKA_VERSIONS,
  type KafkaVersion,
  kafkaArchive,
  kafkaJarSet,
  startKafkaWith,
} from './start-kafka.js';

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

requireJava();
for (const set of [...KAFKA_VERSIONS.map(kafkaJarSet), hbaseJarSet]) {
  const started = Date.now();
  const lib = await ensureJars(set);
  const jars = readdirSync(lib).filter((name) => name.endsWith('.jar')).length;
  console.log(`${set.name}: ${jars} jars in ${jarSetDir(set)} (${seconds(started)})`);
}

for (const version of KAFKA_VERSIONS) {
  const lib = await ensureJars(kafkaJarSet(version));
  const archive = kafkaArchive(lib);
  if (existsSync(archive)) continue;
  const started = Date.now();
  const recording = await recordClassDataArchive(archive);
  let exitedCleanly = false;
  const cluster = await startKafkaWith(
    { version },
    {
      jvmFlags: () => recording.flags,
      stopGraceMs: 120_000, // the archive is written while the JVM exits
      onNodeExit: (exit) => {
        exitedCleanly = exit.signal === null;
      },
    },
  );
  try {
    await exercise(cluster.bootstrap, version);
  } finally {
    await cluster.stop();
  }
  const kept = await recording.finish(exitedCleanly);
  console.log(`kafka-${version}: class-data archive ${kept ? archive : 'not written'} (${seconds(started)})`);
}

{
  const lib = await ensureJars(hbaseJarSet);
  const archive = hbaseArchive(lib);
  if (!existsSync(archive)) {
    const started = Date.now();
    const recording = await recordClassDataArchive(archive);
    let exitedCleanly = false;
    const cluster = await startHBaseWith(
      { mode: 'local', regionServers: 2 },
      {
        jvmFlags: () => recording.flags,
        siteAsOptions: true,
        localStopGraceMs: 120_000, // ~24 s of shutdown, then the archive is written
        onMasterExit: (exit) => {
          exitedCleanly = exit.signal === null;
        },
      },
    );
    try {
      const admin = await openHBaseAdmin(cluster.zookeeper);
      const table = `prefetch_${randomUUID().replaceAll('-', '')}`;
      await admin.createTable(table, { splitKeys: ['m'] });
      await admin.regions(table);
      await admin.deleteTable(table);
      await admin.close();
    } finally {
      await cluster.stop();
    }
    const kept = await recording.finish(exitedCleanly);
    console.log(`hbase: class-data archive ${kept ? archive : 'not written'} (${seconds(started)})`);
  }
}

/** Loads the classes of the paths tests use: topic creation, produce, a consumer group. */
async function exercise(bootstrap: string[], version: KafkaVersion): Promise<void> {
  const kafka = new Kafka({
    clientId: `prefetch-${version}`,
    brokers: bootstrap,
    logLevel: logLevel.NOTHING,
  });
  const topic = `prefetch-${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v' }] });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `g-${randomUUID()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer.run({ eachMessage: async () => resolve() }).catch(reject);
  });
  await consumer.commitOffsets([{ topic, partition: 0, offset: '1' }]).catch(() => {});
  await consumer.disconnect();
  await admin.fetchOffsets({ groupId: 'none', topics: [topic] });
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
}
