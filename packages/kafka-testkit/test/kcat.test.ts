import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaTestCluster } from '../src/index.js';
import { requireKcat } from './scenarios/kcat.js';
import { kcatScenario } from './scenarios/kcat-scenario.js';

let cluster: KafkaTestCluster;
beforeAll(async () => {
  cluster = await KafkaTestCluster.start({ brokers: 3 });
});
afterAll(() => cluster.stop());

describe('librdkafka (kcat) against the testkit', () => {
  it('has kcat installed', () => {
    expect(requireKcat).not.toThrow();
  });

  it('reads metadata, produces, consumes in a group, exchanges compressed batches, honours read_committed', async () => {
    expect(await kcatScenario(cluster.bootstrap)).toMatchSnapshot();
  }, 60_000);
});
