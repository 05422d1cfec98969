import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import type { Admin, Kafka } from 'kafkajs';
import { KafkaTestCluster } from '@dstream/kafka-testkit';
import type { KafkaVersion } from '@dstream/test-servers';
import { useKafka } from '@dstream/test-servers/vitest';
import {
  type KafkaClient,
  type KafkaClientName,
  kafkajsClient,
  platformaticClient,
  platformaticSupported,
  registerCodecs,
} from '../../src/index.js';

const { Kafka: KafkaClass, logLevel } = kafkajs;

/** Real Apache Kafka (tools/test-servers) or the in-process @dstream/kafka-testkit broker. */
export type KafkaBackend = 'kafka' | 'testkit';

export interface TestKafka {
  backend: KafkaBackend;
  bootstrap: string[];
  /** The in-process broker (fault hooks) when backend is 'testkit'. */
  testkit: KafkaTestCluster | undefined;
  /** The client library the connector under test is given (`connection.client`). */
  client: KafkaClientName;
  /** Connection options for the connector: these brokers, through this client. */
  connection: { brokers: string[]; client: KafkaClientName };
  /** The independent kafkajs client the tests write and check with. */
  kafka: Kafka;
  admin: Admin;
  topic(partitions?: number, config?: Record<string, string>): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The run's shared real Kafka broker from tools/test-servers (Maven Central jars, no Docker), or a
 * fresh in-process testkit broker. DSTREAM_KAFKA_BOOTSTRAP=host:port runs the real-Kafka tests
 * against a broker you started yourself.
 */
/** `version` picks the shared broker's Kafka version (real Kafka only; default 3.9.1). */
export async function testKafka(
  backend: KafkaBackend = 'kafka',
  version?: KafkaVersion,
  client: KafkaClientName = 'kafkajs',
): Promise<TestKafka> {
  const given = process.env.DSTREAM_KAFKA_BOOTSTRAP;
  let testkit: KafkaTestCluster | undefined;
  let bootstrap: string[];
  if (backend === 'testkit') {
    testkit = await KafkaTestCluster.start({ brokers: 1 });
    bootstrap = testkit.bootstrap;
  } else {
    bootstrap =
      given !== undefined && given !== ''
        ? given.split(',')
        : (await useKafka(version === undefined ? {} : { version })).bootstrap;
  }
  // The tests' own kafkajs client writes and reads every codec, whichever client is under test.
  registerCodecs();
  const kafka = new KafkaClass({ brokers: bootstrap, clientId: 'dstream-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  return {
    backend,
    bootstrap,
    testkit,
    client,
    connection: { brokers: bootstrap, client },
    kafka,
    admin,
    async topic(partitions = 3, config = {}) {
      const topic = `t-${randomUUID()}`;
      await admin.createTopics({
        // kafkajs' own wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which Kafka 4.x answers for a
        // moment after the topic is created: wait here instead, bounded.
        waitForLeaders: false,
        topics: [
          {
            topic,
            numPartitions: partitions,
            replicationFactor: 1,
            configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
          },
        ],
      });
      for (let attempt = 1; ; attempt++) {
        try {
          const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
          const ps = topics[0]?.partitions ?? [];
          if (ps.length === partitions && ps.every((p) => p.leader >= 0)) return topic;
        } catch (error) {
          if (attempt >= 150) throw error;
        }
        if (attempt >= 150) throw new Error(`topic ${topic} has no leaders after 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async stop() {
      await admin.disconnect();
      await testkit?.stop();
    },
  };
}

/** Reads every committed record of a topic with a plain kafkajs consumer (the independent reader). */
export async function readAll(
  kafka: Kafka,
  topic: string,
  expected: number,
  options: { readUncommitted?: boolean; timeoutMs?: number } = {},
): Promise<Array<{ partition: number; offset: number; key: string | null; value: string | null }>> {
  const consumer = kafka.consumer({
    groupId: `reader-${randomUUID()}`,
    maxWaitTimeInMs: 200,
    readUncommitted: options.readUncommitted ?? false,
  });
  const out: Array<{ partition: number; offset: number; key: string | null; value: string | null }> = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      out.push({
        partition,
        offset: Number(message.offset),
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
      });
      if (out.length >= expected) done();
    },
  });
  const timer = setInterval(() => {
    if (Date.now() > deadline) done();
  }, 100);
  await finished;
  clearInterval(timer);
  // A short grace period catches records beyond the expected count (duplicates).
  await new Promise((resolve) => setTimeout(resolve, 300));
  await consumer.disconnect();
  return out;
}

/** Every committed record of a topic, read up to each partition's end (no expected count needed). */
export async function readToEnd(
  kafka: Kafka,
  topic: string,
): Promise<Array<{ partition: number; offset: number; key: string | null; value: string | null }>> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.map((e) => [e.partition, Number(e.high) - Number(e.low)]));
  const out: Array<{ partition: number; offset: number; key: string | null; value: string | null }> = [];
  if ([...remaining.values()].every((n) => n <= 0)) return out;
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        out.push({
          partition: batch.partition,
          offset: Number(m.offset),
          key: m.key?.toString() ?? null,
          value: m.value?.toString() ?? null,
        });
      }
      remaining.set(batch.partition, Number(batch.highWatermark) - 1 - Number(batch.lastOffset()));
      if ([...remaining.values()].every((n) => n <= 0)) done();
    },
  });
  const timer = setTimeout(done, 15_000);
  await finished;
  clearTimeout(timer);
  await consumer.disconnect();
  return out;
}

/**
 * readToEnd until two reads agree: records of a just-committed transaction become visible to
 * read_committed readers shortly after commit() returns (the markers are written asynchronously).
 */
export async function readStable(
  kafka: Kafka,
  topic: string,
): Promise<Array<{ partition: number; offset: number; key: string | null; value: string | null }>> {
  let previous = await readToEnd(kafka, topic);
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const current = await readToEnd(kafka, topic);
    if (current.length === previous.length && current.length > 0) return current;
    previous = current;
  }
  return previous;
}

/**
 * Writes records 0..total-1 round-robin over the partitions, one request per partition, each retried
 * while the broker does not host the new topic's partition yet (a retried single-partition request
 * wrote nothing, so nothing is written twice).
 */
export async function produceEvenly(
  kafka: Kafka,
  topic: string,
  total: number,
  partitions: number,
  record: (i: number) => { key?: string; value: string },
): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let partition = 0; partition < partitions; partition++) {
      const messages = [];
      for (let i = partition; i < total; i += partitions) messages.push({ ...record(i), partition });
      for (let attempt = 1; ; attempt++) {
        try {
          await producer.send({ topic, acks: -1, messages });
          break;
        } catch (error) {
          if (attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    }
  } finally {
    await producer.disconnect();
  }
}

/**
 * The clients the connector's integration suites run with on this Node: kafkajs always, and
 * @platformatic/kafka where it runs (Node >= 22.22) and is installed (an optional dependency).
 */
export function testClients(): KafkaClientName[] {
  const clients: KafkaClientName[] = ['kafkajs'];
  if (platformaticSupported()) {
    try {
      createRequire(import.meta.url).resolve('@platformatic/kafka');
      clients.push('platformatic');
    } catch (error) {
      // npm skips the optional package on Node < 22.22; on a newer Node, CI must have it.
      if (process.env.CI !== undefined && process.env.CI !== '') {
        throw new Error(
          'CI: @platformatic/kafka is not installed on a Node that runs it (run npm ci on this Node)',
          {
            cause: error,
          },
        );
      }
    }
  }
  return clients;
}

/** A connector client of the server's client library (for tests that drive the KafkaClient itself). */
export function connectorClient(
  server: TestKafka,
  options: { maxBytesPerPartition?: number; clientId?: string } = {},
): KafkaClient {
  const clientId = options.clientId ?? 'dstream-test';
  if (server.client === 'platformatic') {
    return platformaticClient({ brokers: server.bootstrap, clientId, ...options });
  }
  return kafkajsClient(
    { brokers: server.bootstrap, clientId },
    options.maxBytesPerPartition === undefined ? {} : { maxBytesPerPartition: options.maxBytesPerPartition },
  );
}
