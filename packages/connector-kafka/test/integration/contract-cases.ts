import { describeSinkContract, describeSourceContract } from '@dstream/core/testing';
import kafkajs from 'kafkajs';
import { type ConsumerRecord, type KafkaPlanned, kafkaDirectSource, kafkaSink } from '../../src/index.js';
import { type KafkaBackend, readStable, testKafka } from './kafka-server.js';
import type { KafkaClientName } from '../../src/index.js';

/** These cases run against real Kafka and against @dstream/kafka-testkit. */
export function contractCases(backend: KafkaBackend, client: KafkaClientName = 'kafkajs'): void {
  const sinkHarness = (transactional: boolean) => async () => {
    const server = await testKafka(backend, undefined, client);
    const topic = await server.topic(3);
    const source = await server.topic(1);
    const records = Array.from({ length: 12 }, (_, i) => ({ id: i, text: `r${i}` }));
    return {
      sink: kafkaSink<{ id: number; text: string }>({
        ...server.connection,
        topic,
        key: (r) => String(r.id),
        ...(transactional ? { transactional: { groupId: `g-${source}` } } : {}),
      }),
      records,
      read: async () => (await readStable(server.kafka, topic)).map((r) => JSON.parse(r.value!)),
      expected: (rs: typeof records) => rs,
      cleanup: () => server.stop(),
    };
  };

  describeSinkContract(`kafkaSink on ${backend} with ${client} (idempotent producer)`, sinkHarness(false));
  describeSinkContract(`kafkaSink on ${backend} with ${client} (transactional)`, sinkHarness(true));

  describeSourceContract<
    ConsumerRecord<string | null, string | null>,
    KafkaPlanned<string | null, string | null>
  >(`kafkaDirectSource on ${backend} with ${client}`, async () => {
    const server = await testKafka(backend, undefined, client);
    const topic = await server.topic(3);
    const groupId = `g-${topic}`;
    const producer = server.kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await producer.connect();
    let n = 0;
    return {
      createSource: () =>
        kafkaDirectSource({
          ...server.connection,
          topics: [topic],
          groupId,
          startingOffsets: 'earliest',
        }),
      async produce(count) {
        await producer.send({
          topic,
          acks: -1,
          messages: Array.from({ length: count }, () => ({ key: `k${n}`, value: `v${n++}` })),
        });
      },
      identity: (r) => r.value!,
      async cleanup() {
        await producer.disconnect();
        await server.stop();
      },
    };
  });
}
