import { useKafka } from '@dstream/test-servers/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaTestCluster } from '../../src/index.js';
import { adminScenario } from '../scenarios/admin-scenario.js';
import { apiVersionsScenario } from '../scenarios/api-versions-scenario.js';
import { consumerGroupScenario } from '../scenarios/consumer-group-scenario.js';
import { errorCodesScenario } from '../scenarios/error-codes-scenario.js';
import { groupProtocolScenario } from '../scenarios/group-protocol-scenario.js';
import { idempotenceScenario } from '../scenarios/idempotence-scenario.js';
import { kcatScenario } from '../scenarios/kcat-scenario.js';
import { produceConsumeScenario } from '../scenarios/produce-consume-scenario.js';
import { transactionsScenario } from '../scenarios/transactions-scenario.js';

/**
 * The differential suite: every scenario runs against real Apache Kafka (3.9.1 and 4.4.0 from
 * tools/test-servers) and against the testkit, and what the client observed must be equal.
 */
const scenarios: Record<string, (bootstrap: string[]) => Promise<unknown>> = {
  'ApiVersions v0/v3/unsupported and kafkajs negotiation (raw)': apiVersionsScenario,
  'error codes of requests that go wrong (raw)': errorCodesScenario,
  'group protocol (raw)': groupProtocolScenario,
  'idempotent and transactional produce (raw)': idempotenceScenario,
  'kafkajs produce and consume': produceConsumeScenario,
  'kafkajs consumer group join / time out / leave': consumerGroupScenario,
  'kafkajs transactions (sendOffsets, commit, abort, fencing, read_committed)': transactionsScenario,
  'kafkajs admin and fetching a deleted offset': adminScenario,
  'kcat (librdkafka): metadata, produce/consume, group, codecs, read_committed': kcatScenario,
};

let testkit: KafkaTestCluster;
beforeAll(async () => {
  testkit = await KafkaTestCluster.start({ brokers: 1 });
});
afterAll(() => testkit?.stop());

for (const version of ['3.9.1', '4.4.0'] as const) {
  describe(`testkit vs Apache Kafka ${version}`, () => {
    for (const [name, scenario] of Object.entries(scenarios)) {
      it(name, async () => {
        const kafka = await useKafka({ version });
        const [real, ours] = await Promise.all([scenario(kafka.bootstrap), scenario(testkit.bootstrap)]);
        expect(ours).toEqual(real);
      });
    }
  });
}
