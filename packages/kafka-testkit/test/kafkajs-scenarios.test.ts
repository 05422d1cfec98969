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
              "6",
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
            1,
            "3",
            "idempotent-0",
          ],
          [
            1,
            "4",
            "idempotent-1",
          ],
          [
            1,
            "5",
            "idempotent-2",
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
        "idempotentSends": [
          [
            [
              1,
              0,
              "3",
            ],
          ],
          [
            [
              1,
              0,
              "4",
            ],
          ],
          [
            [
              1,
              0,
              "5",
            ],
          ],
        ],
        "offsets": [
          [
            0,
            "0",
            "4",
          ],
          [
            1,
            "0",
            "6",
          ],
          [
            2,
            "0",
            "5",
          ],
        ],
        "secondGroupCount": 15,
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

  it('runs transactions with sendOffsets, commit, abort and fencing; read_committed hides aborted records', async () => {
    expect(await transactionsScenario(cluster.bootstrap)).toMatchInlineSnapshot(`
      {
        "aborted": [
          [
            0,
            0,
            "3",
          ],
          [
            1,
            0,
            "2",
          ],
        ],
        "first": [
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
        "last": [
          [
            0,
            0,
            "6",
          ],
          [
            1,
            0,
            "4",
          ],
        ],
        "offsetAfterAbort": "5",
        "offsetAfterCommit": "5",
        "offsetAfterLast": "7",
        "offsetBefore": "-1",
        "offsets": [
          [
            0,
            "0",
            "10",
          ],
          [
            1,
            "0",
            "8",
          ],
        ],
        "readCommitted": [
          [
            0,
            0,
            "c1",
          ],
          [
            0,
            1,
            "c3",
          ],
          [
            0,
            6,
            "c4",
          ],
          [
            1,
            0,
            "c2",
          ],
          [
            1,
            4,
            "c5",
          ],
          [
            1,
            6,
            "successor",
          ],
        ],
        "readUncommitted": [
          [
            0,
            0,
            "c1",
          ],
          [
            0,
            1,
            "c3",
          ],
          [
            0,
            3,
            "a1",
          ],
          [
            0,
            4,
            "a3",
          ],
          [
            0,
            6,
            "c4",
          ],
          [
            0,
            8,
            "zombie",
          ],
          [
            1,
            0,
            "c2",
          ],
          [
            1,
            2,
            "a2",
          ],
          [
            1,
            4,
            "c5",
          ],
          [
            1,
            6,
            "successor",
          ],
        ],
        "zombieCommit": "INVALID_PRODUCER_EPOCH",
      }
    `);
  });

  it('serves the admin API and resets a group whose committed offset was deleted', async () => {
    expect(await adminScenario(cluster.bootstrap)).toMatchInlineSnapshot(`
      {
        "afterDeleteGroup": [
          "-1",
          "-1",
        ],
        "afterSetOffsets": [
          [
            0,
            "2",
          ],
          [
            1,
            "-1",
          ],
        ],
        "badPartitions": "INVALID_PARTITIONS",
        "byTimestamp": [
          [
            [
              0,
              "0",
            ],
            [
              1,
              "0",
            ],
          ],
          [
            [
              0,
              "0",
            ],
            [
              1,
              "1",
            ],
          ],
          [
            [
              0,
              "0",
            ],
            [
              1,
              "2",
            ],
          ],
          [
            [
              0,
              "0",
            ],
            [
              1,
              "3",
            ],
          ],
        ],
        "consumedAfterDelete": [
          [
            0,
            4,
            "v4",
          ],
          [
            0,
            5,
            "v5",
          ],
          [
            0,
            6,
            "v6",
          ],
          [
            0,
            7,
            "v7",
          ],
          [
            0,
            8,
            "v8",
          ],
          [
            0,
            9,
            "v9",
          ],
          [
            1,
            0,
            "only",
          ],
          [
            1,
            1,
            "t+10",
          ],
          [
            1,
            2,
            "t+20",
          ],
        ],
        "created": [
          true,
          false,
        ],
        "describedAfterLeave": [
          [
            "Empty",
            0,
          ],
        ],
        "listed": true,
        "listedAfterDelete": false,
        "listedGroup": true,
        "noCommits": [
          "-1",
          "-1",
        ],
        "offsetsAfterDelete": [
          [
            0,
            "4",
            "10",
          ],
          [
            1,
            "0",
            "3",
          ],
        ],
        "offsetsBefore": [
          [
            0,
            "0",
            "10",
          ],
          [
            1,
            "0",
            "3",
          ],
        ],
      }
    `);
  });
});

describe('idempotent and transactional producers (raw requests)', () => {
  it('dedupes, rejects gaps and stale epochs, and tracks the last stable offset', async () => {
    expect(await idempotenceScenario(cluster.bootstrap)).toMatchInlineSnapshot(`
      {
        "abortAfterCommit": 48,
        "addPartition": 0,
        "addPartitionNewEpoch": 0,
        "commit": 0,
        "commitAgain": 0,
        "fencedOffsets": {
          "committed": 7,
          "uncommitted": 7,
        },
        "fetchAfterCommit": {
          "aborted": [
            [
              true,
              4,
            ],
          ],
          "dataRecords": 9,
          "error": 0,
          "highWatermark": 11,
          "lastStableOffset": 11,
          "markers": 2,
        },
        "fetchWhileOpen": {
          "aborted": [
            [
              true,
              4,
            ],
          ],
          "dataRecords": 6,
          "error": 0,
          "highWatermark": 10,
          "lastStableOffset": 7,
          "markers": 1,
        },
        "highWatermarkAfterDuplicates": 4,
        "idempotentInit": {
          "epoch": 0,
          "error": 0,
        },
        "offsetsAfterCommit": {
          "committed": 11,
          "uncommitted": 11,
        },
        "openTxnOffsets": {
          "committed": 4,
          "uncommitted": 6,
        },
        "reinit": {
          "epochStep": 2,
          "error": 0,
          "sameProducerId": true,
        },
        "sequences": [
          {
            "baseOffset": 0,
            "error": 0,
          },
          {
            "baseOffset": 1,
            "error": 0,
          },
          {
            "baseOffset": 0,
            "error": 0,
          },
          {
            "baseOffset": 1,
            "error": 0,
          },
          {
            "baseOffset": -1,
            "error": 45,
          },
          {
            "baseOffset": 3,
            "error": 0,
          },
        ],
        "staleEpoch": {
          "addPartition": 47,
          "endTxn": 47,
          "produce": 47,
        },
        "txnInit": {
          "epoch": 0,
          "error": 0,
        },
        "txnProduce": {
          "baseOffset": 4,
          "error": 0,
        },
        "txnProduce2": {
          "baseOffset": 7,
          "error": 0,
        },
      }
    `);
  });
});
