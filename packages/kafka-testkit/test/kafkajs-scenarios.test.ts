import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaTestCluster } from '../src/index.js';
import { adminScenario } from './scenarios/admin-scenario.js';
import { consumerGroupScenario } from './scenarios/consumer-group-scenario.js';
import { idempotenceScenario } from './scenarios/idempotence-scenario.js';
import { produceConsumeScenario } from './scenarios/produce-consume-scenario.js';
import { transactionsScenario } from './scenarios/transactions-scenario.js';

let cluster: KafkaTestCluster;
beforeAll(async () => {
  cluster = await KafkaTestCluster.start({ brokers: 3 });
});
afterAll(() => cluster.stop());

describe('kafkajs against the testkit', () => {
  it('produces to chosen partitions, consumes with a group and commits', async () => {
    expect(await produceConsumeScenario(cluster.bootstrap)).toMatchSnapshot();
  });

  it('shares partitions among members joining, timing out and leaving', async () => {
    expect(await consumerGroupScenario(cluster.bootstrap)).toMatchSnapshot();
  });

  it('runs transactions with sendOffsets, commit, abort and fencing; read_committed hides aborted records', async () => {
    expect(await transactionsScenario(cluster.bootstrap)).toMatchSnapshot();
  });

  it('serves the admin API and resets a group whose committed offset was deleted', async () => {
    expect(await adminScenario(cluster.bootstrap)).toMatchSnapshot();
  });
});

describe('idempotent and transactional producers (raw requests)', () => {
  it('dedupes, rejects gaps and stale epochs, and tracks the last stable offset', async () => {
    expect(await idempotenceScenario(cluster.bootstrap)).toMatchSnapshot();
  });
});
