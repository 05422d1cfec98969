import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceContext } from '@dstream/core';
import { kafkaDirectSource, kafkaSink } from '../../src/index.js';
import { sinkContext } from './context.js';
import { type TestKafka, testClients, testKafka } from './kafka-server.js';
import { kcat, kcatConsume } from './kcat.js';
import { computeBatch } from './direct-batch.js';

let server: TestKafka;
const ctx: SourceContext = { batchInterval: 1000, rateLimit: () => undefined, log: () => undefined };
const codecs = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

describe.each(testClients())('interoperability with librdkafka (kcat) with %s', (client) => {
  beforeAll(async () => {
    server = await testKafka('kafka', undefined, client);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each(codecs)('the direct stream reads what kcat wrote with %s compression', async (codec) => {
    const topic = await server.topic(1);
    const lines = Array.from({ length: 200 }, (_, i) => `k${i}:${codec}-${i}`).join('\n');
    await kcat(['-b', server.bootstrap.join(','), '-P', '-t', topic, '-z', codec, '-K:'], `${lines}\n`);
    const source = kafkaDirectSource({
      ...server.connection,
      topics: [topic],
      groupId: `g-${topic}`,
      startingOffsets: 'earliest',
    });
    await source.start?.(ctx);
    const batch = await computeBatch(source, 1000);
    await source.stop?.();
    const records = batch.partitions[0]!;
    expect(records).toHaveLength(200);
    expect(records[7]).toMatchObject({ key: 'k7', value: `${codec}-7`, offset: 7 });
  });

  it.each(codecs)('kcat reads what the sink wrote with %s compression', async (codec) => {
    const topic = await server.topic(1);
    const sink = kafkaSink<number>({
      ...server.connection,
      topic,
      key: (n) => `k${n}`,
      value: (n) => `${codec}-${n}`,
      compression: codec,
    });
    await sink.writePartition(
      Array.from({ length: 100 }, (_, i) => i),
      sinkContext(),
    );
    await sink.close?.();
    const out = await kcatConsume(server.bootstrap, topic, '-K:');
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(100);
    expect(lines[42]).toBe(`k42:${codec}-42`);
  });

  it('kcat (read_committed by default) sees a transactional sink’s committed records only', async () => {
    const topic = await server.topic(1);
    const source = await server.topic(1);
    const sink = kafkaSink<string>({
      ...server.connection,
      topic,
      transactional: { groupId: `g-${topic}` },
    });
    await sink.writePartition(
      ['a', 'b'],
      sinkContext({ partitionOffsetRange: { topic: source, partition: 0, fromOffset: 0, untilOffset: 2 } }),
    );
    await sink.close?.();
    let out = '';
    for (let i = 0; i < 20 && out.trim().split('\n').length < 2; i++) {
      out = await kcat(['-b', server.bootstrap.join(','), '-C', '-t', topic, '-o', 'beginning', '-e', '-q']);
      if (out.trim().split('\n').length < 2) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(out.trim().split('\n')).toEqual(['a', 'b']);
  });
});
