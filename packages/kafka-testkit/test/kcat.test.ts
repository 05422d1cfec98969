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
    expect(await kcatScenario(cluster.bootstrap)).toMatchInlineSnapshot(`
      {
        "codecs": {
          "gzip": {
            "kafkajsRead": 50,
            "kafkajsValuesMatch": true,
            "kcatLast": "gzip-back-49",
            "kcatRead": 50,
          },
          "lz4": {
            "kafkajsRead": 50,
            "kafkajsValuesMatch": true,
            "kcatLast": "lz4-back-49",
            "kcatRead": 50,
          },
          "snappy": {
            "kafkajsRead": 50,
            "kafkajsValuesMatch": true,
            "kcatLast": "snappy-back-49",
            "kcatRead": 50,
          },
          "zstd": {
            "kafkajsRead": 50,
            "kafkajsValuesMatch": true,
            "kcatLast": "zstd-back-49",
            "kcatRead": 50,
          },
        },
        "groupCommitted": [
          [
            0,
            "10",
          ],
          [
            1,
            "10",
          ],
          [
            2,
            "10",
          ],
        ],
        "groupConsumed": 30,
        "kcatConsumed": {
          "count": 30,
          "first": [
            0,
            0,
            "key0",
            "value0",
          ],
          "last": [
            2,
            9,
            "key29",
            "value29",
          ],
        },
        "metadata": [
          {
            "error": null,
            "leadersKnown": true,
            "partitions": 3,
            "sameTopic": true,
          },
        ],
        "offsets": [
          [
            0,
            "0",
            "10",
          ],
          [
            1,
            "0",
            "10",
          ],
          [
            2,
            "0",
            "10",
          ],
        ],
        "readCommitted": [
          "0:c1",
          "1:c2",
          "2:c3",
          "8:c4",
          "9:c5",
          "10:c6",
        ],
        "readUncommitted": [
          "0:c1",
          "1:c2",
          "2:c3",
          "4:a1",
          "5:a2",
          "6:a3",
          "8:c4",
          "9:c5",
          "10:c6",
          "12:open",
        ],
      }
    `);
  }, 60_000);
});
