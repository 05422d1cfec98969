import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type KafkaRawRecord, kafkajsClient } from '@dstream/connector-kafka';

const execFileAsync = promisify(execFile);

export interface TopicRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string;
}

/**
 * Every committed record of a topic, read_committed, by a reader independent of the job's own
 * client: kcat (librdkafka) when installed, else connector-kafka's kafkajs range reader.
 */
export async function readTopic(brokers: readonly string[], topic: string): Promise<TopicRecord[]> {
  return (await kcatAvailable()) ? readWithKcat(brokers, topic) : readWithKafkajs(brokers, topic);
}

/** Which reader `readTopic` uses, for the verifier's report. */
export async function topicReader(): Promise<string> {
  return (await kcatAvailable()) ? 'kcat' : 'kafkajs';
}

let kcat: Promise<boolean> | undefined;
function kcatAvailable(): Promise<boolean> {
  kcat ??= new Promise((resolve) => execFile('kcat', ['-V'], (error) => resolve(error === null)));
  return kcat;
}

async function readWithKcat(brokers: readonly string[], topic: string): Promise<TopicRecord[]> {
  // Tab-separated: partition, offset, key length (-1 = null), key, value. Values are JSON or our
  // malformed strings (no tabs, no newlines).
  const { stdout } = await execFileAsync(
    'kcat',
    [
      '-b',
      brokers.join(','),
      '-C',
      '-t',
      topic,
      '-e',
      '-q',
      '-X',
      'isolation.level=read_committed',
      '-f',
      '%p\t%o\t%K\t%k\t%s\n',
    ],
    { maxBuffer: 512 * 1024 * 1024, timeout: 120_000 },
  );
  const out: TopicRecord[] = [];
  for (const line of stdout.split('\n')) {
    if (line.length === 0) continue;
    const [p, o, keyLength, key, ...value] = line.split('\t');
    out.push({
      topic,
      partition: Number(p),
      offset: Number(o),
      key: keyLength === '-1' ? null : (key ?? ''),
      value: value.join('\t'),
    });
  }
  return out;
}

async function readWithKafkajs(brokers: readonly string[], topic: string): Promise<TopicRecord[]> {
  const records = await readRawWithKafkajs(brokers, topic);
  return records.map((r) => ({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    key: r.key === null ? null : r.key.toString(),
    value: r.value?.toString() ?? '',
  }));
}

async function readRawWithKafkajs(brokers: readonly string[], topic: string): Promise<KafkaRawRecord[]> {
  const client = kafkajsClient({ brokers: [...brokers], clientId: 'dstream-demo-verify' });
  try {
    const out: KafkaRawRecord[] = [];
    for (const o of await client.topicOffsets(topic)) {
      let from = o.earliest;
      // Bounded: every fetch moves `from` forward, or the partition is done.
      while (from < o.latest) {
        const until = Math.min(o.latest, from + 5000);
        const records = await client.fetchRange({
          topic,
          partition: o.partition,
          fromOffset: from,
          untilOffset: until,
        });
        out.push(...records);
        from = until;
      }
    }
    return out;
  } finally {
    await client.close();
  }
}
