import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaTestCluster } from '../src/index.js';
import { errorCodesScenario } from './scenarios/error-codes-scenario.js';

let cluster: KafkaTestCluster;
beforeAll(async () => {
  cluster = await KafkaTestCluster.start({ brokers: 3 });
});
afterAll(() => cluster.stop());

describe('error codes (raw requests)', () => {
  it('answers requests that go wrong with the codes Kafka uses', async () => {
    expect(await errorCodesScenario(cluster.bootstrap)).toMatchSnapshot();
  });
});
