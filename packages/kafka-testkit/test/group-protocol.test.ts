import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaTestCluster } from '../src/index.js';
import { groupProtocolScenario } from './scenarios/group-protocol-scenario.js';

let cluster: KafkaTestCluster;
beforeAll(async () => {
  cluster = await KafkaTestCluster.start({ brokers: 3 });
});
afterAll(() => cluster.stop());

describe('consumer group protocol (raw requests)', () => {
  it('walks the classic group state machine like Kafka', async () => {
    const steps = await groupProtocolScenario(cluster.bootstrap);
    expect(steps).toMatchSnapshot();
  });
});
