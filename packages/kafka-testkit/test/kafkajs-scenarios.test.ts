import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaTestCluster } from '../src/index.js';
import { consumerGroupScenario } from './scenarios/consumer-group-scenario.js';
import { produceConsumeScenario } from './scenarios/produce-consume-scenario.js';

let cluster: KafkaTestCluster;
beforeAll(async () => {
  cluster = await KafkaTestCluster.start({ brokers: 3 });
});
afterAll(() => cluster.stop());

describe('kafkajs against the testkit', () => {
  it('produces to chosen partitions, consumes with a group and commits', async () => {
    expect(await produceConsumeScenario(cluster.bootstrap)).toMatchInlineSnapshot(`
      {
        "committed": [
          [
            [
              0,
              "4",
              null,
            ],
            [
              1,
              "3",
              null,
            ],
            [
              2,
              "5",
              null,
            ],
          ],
        ],
        "consumed": [
          [
            0,
            "0",
            "p0-0",
          ],
          [
            0,
            "1",
            "p0-1",
          ],
          [
            0,
            "2",
            "p0-2",
          ],
          [
            0,
            "3",
            "p0-0",
          ],
          [
            1,
            "0",
            "p1-3",
          ],
          [
            1,
            "1",
            "p1-4",
          ],
          [
            1,
            "2",
            "p1-0",
          ],
          [
            2,
            "0",
            "p2-1",
          ],
          [
            2,
            "1",
            "p2-2",
          ],
          [
            2,
            "2",
            "p2-3",
          ],
          [
            2,
            "3",
            "p2-4",
          ],
          [
            2,
            "4",
            "p2-1",
          ],
        ],
        "created": true,
        "offsets": [
          [
            0,
            "0",
            "4",
          ],
          [
            1,
            "0",
            "3",
          ],
          [
            2,
            "0",
            "5",
          ],
        ],
        "secondGroupCount": 12,
        "sends": [
          [
            [
              0,
              0,
              "0",
            ],
            [
              1,
              0,
              "0",
            ],
          ],
          [
            [
              0,
              0,
              "3",
            ],
            [
              2,
              0,
              "0",
            ],
          ],
          [
            [
              1,
              0,
              "2",
            ],
            [
              2,
              0,
              "4",
            ],
          ],
        ],
      }
    `);
  });

  it('shares partitions among members joining, timing out and leaving', async () => {
    expect(await consumerGroupScenario(cluster.bootstrap)).toMatchInlineSnapshot(`
      {
        "afterLeave": [
          3,
        ],
        "afterTimeout": [
          1,
          2,
        ],
        "describedWithThree": [
          {
            "members": 3,
            "protocol": "RoundRobinAssigner",
            "protocolType": "consumer",
            "state": "Stable",
          },
        ],
        "oneMember": [
          3,
        ],
        "threeMembers": [
          1,
          1,
          1,
        ],
        "twoMembers": [
          1,
          2,
        ],
      }
    `);
  });
});
