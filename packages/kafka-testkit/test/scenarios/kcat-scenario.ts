import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { registerCodecs } from './codecs.js';
import { kcat } from './kcat.js';
import { consumeUntil, kafkaClient, sortOffsets } from './kafkajs-helpers.js';

const FORMAT = ['-f', '%p|%o|%k|%s\\n', '-q'];

function parseLines(output: string): Array<[number, number, string, string]> {
  return output
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [p, o, k, s] = line.split('|') as [string, string, string, string];
      return [Number(p), Number(o), k, s] as [number, number, string, string];
    })
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

const { CompressionTypes } = kafkajs;

const CODECS = {
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
} as const;

/**
 * librdkafka (Debian's kcat) against the broker: metadata, produce/consume, group consumption, batches
 * compressed by kcat and read by kafkajs (and back), and read_committed never showing aborted records.
 */
export async function kcatScenario(bootstrap: string[]) {
  registerCodecs();
  const broker = bootstrap.join(',');
  const kafka = kafkaClient(bootstrap);
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  const topic = `kcat-${randomUUID()}`;
  const steps: Record<string, unknown> = {};
  const open: Array<() => Promise<void>> = [];
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    const metadata = JSON.parse(await kcat(['-b', broker, '-L', '-t', topic, '-J'])) as {
      brokers: Array<{ id: number }>;
      topics: Array<{
        topic: string;
        error?: string;
        partitions: Array<{ partition: number; leader: number }>;
      }>;
    };
    const ids = new Set(metadata.brokers.map((b) => b.id));
    steps.metadata = metadata.topics.map((t) => ({
      sameTopic: t.topic === topic,
      error: t.error ?? null,
      partitions: t.partitions.length,
      leadersKnown: t.partitions.every((p) => ids.has(p.leader)),
    }));

    const lines = Array.from({ length: 30 }, (_, i) => `key${i}:value${i}`).join('\n');
    for (const partition of [0, 1, 2]) {
      const slice = lines
        .split('\n')
        .filter((_, i) => i % 3 === partition)
        .join('\n');
      await kcat(['-b', broker, '-P', '-t', topic, '-K:', '-p', String(partition)], `${slice}\n`);
    }
    const consumed = parseLines(
      await kcat(['-b', broker, '-C', '-t', topic, '-o', 'beginning', '-e', ...FORMAT]),
    );
    steps.kcatConsumed = { count: consumed.length, first: consumed[0], last: consumed[consumed.length - 1] };
    steps.offsets = sortOffsets(await admin.fetchTopicOffsets(topic)).map((o) => [
      o.partition,
      o.low,
      o.high,
    ]);

    const idempotentTopic = `kcat-idempotent-${randomUUID()}`;
    await admin.createTopics({ topics: [{ topic: idempotentTopic }], waitForLeaders: true });
    const idempotentLines = Array.from({ length: 20 }, (_, i) => `k${i}:idempotent-${i}`).join('\n');
    await kcat(
      ['-b', broker, '-P', '-t', idempotentTopic, '-K:', '-p', '0', '-X', 'enable.idempotence=true'],
      `${idempotentLines}\n`,
    );
    const idempotentRead = parseLines(
      await kcat(['-b', broker, '-C', '-t', idempotentTopic, '-o', 'beginning', '-e', ...FORMAT]),
    );
    steps.idempotentProducer = idempotentRead.map(([, offset, , value]) => `${offset}:${value}`);

    const groupId = `kcat-group-${randomUUID()}`;
    const grouped = parseLines(
      await kcat([
        '-b',
        broker,
        '-G',
        groupId,
        '-o',
        'beginning',
        '-e',
        ...FORMAT,
        '-X',
        'auto.commit.interval.ms=100',
        topic,
      ]),
    );
    steps.groupConsumed = grouped.length;
    steps.groupCommitted = sortOffsets(
      (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions,
    ).map((p) => [p.partition, p.offset]);

    const codecs: Record<string, unknown> = {};
    for (const [name, type] of Object.entries(CODECS)) {
      const fromKcat = `kcat-${name}-${randomUUID()}`;
      const fromKafkajs = `kafkajs-${name}-${randomUUID()}`;
      await admin.createTopics({
        topics: [{ topic: fromKcat }, { topic: fromKafkajs }],
        waitForLeaders: true,
      });
      const payload = Array.from({ length: 50 }, (_, i) => `k${i}:${name}-${i}-${'x'.repeat(i)}`).join('\n');
      await kcat(['-b', broker, '-P', '-t', fromKcat, '-K:', '-p', '0', '-z', name], `${payload}\n`);
      const read = await consumeUntil(kafka, fromKcat, `codec-${randomUUID()}`, (seen) => seen.length >= 50);
      await producer.send({
        topic: fromKafkajs,
        compression: type,
        messages: Array.from({ length: 50 }, (_, i) => ({
          key: `k${i}`,
          value: `${name}-back-${i}`,
          partition: 0,
        })),
      });
      const back = parseLines(
        await kcat(['-b', broker, '-C', '-t', fromKafkajs, '-o', 'beginning', '-e', ...FORMAT]),
      );
      codecs[name] = {
        kafkajsRead: read.length,
        kafkajsValuesMatch: read.every(
          (r, i) => r.value === `${name}-${i}-${'x'.repeat(i)}` && r.key === `k${i}`,
        ),
        kcatRead: back.length,
        kcatLast: back[back.length - 1]?.[3],
      };
    }
    steps.codecs = codecs;

    const txnTopic = `kcat-txn-${randomUUID()}`;
    await admin.createTopics({ topics: [{ topic: txnTopic }], waitForLeaders: true });
    const txProducer = kafka.producer({
      transactionalId: `kcat-txn-${randomUUID()}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await txProducer.connect();
    open.push(() => txProducer.disconnect());
    for (const [values, commit] of [
      [['c1', 'c2', 'c3'], true],
      [['a1', 'a2', 'a3'], false],
      [['c4', 'c5', 'c6'], true],
    ] as const) {
      const txn = await txProducer.transaction();
      await txn.send({ topic: txnTopic, messages: values.map((value) => ({ value, partition: 0 })) });
      await (commit ? txn.commit() : txn.abort());
    }
    const pending = await txProducer.transaction();
    await pending.send({ topic: txnTopic, messages: [{ value: 'open', partition: 0 }] });
    open.unshift(() => pending.abort());
    const isolation = async (level: string) =>
      parseLines(
        await kcat([
          '-b',
          broker,
          '-C',
          '-t',
          txnTopic,
          '-o',
          'beginning',
          '-e',
          '-X',
          `isolation.level=${level}`,
          ...FORMAT,
        ]),
      ).map(([, offset, , value]) => `${offset}:${value}`);
    steps.readCommitted = await isolation('read_committed');
    steps.readUncommitted = await isolation('read_uncommitted');
    return steps;
  } finally {
    for (const close of open) await close();
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }
}
