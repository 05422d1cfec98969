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
    expect(steps).toMatchInlineSnapshot(`
      {
        "commits": [
          22,
          0,
        ],
        "committed": [
          {
            "error": 0,
            "metadata": "meta",
            "offset": 42,
          },
        ],
        "createTopic": 0,
        "describeAfterTimeout": {
          "assignments": [],
          "error": 0,
          "protocol": "",
          "protocolType": "consumer",
          "state": "Empty",
        },
        "describeStable": {
          "assignments": [
            "a-half",
            "b-half",
          ],
          "error": 0,
          "protocol": "range",
          "protocolType": "consumer",
          "state": "Stable",
        },
        "firstJoin": {
          "error": 79,
          "gotMemberId": true,
        },
        "heartbeatAfterLeave": 27,
        "heartbeatAfterSessionTimeout": 25,
        "heartbeatDuringRebalance": 27,
        "heartbeats1": [
          0,
          22,
          25,
        ],
        "joinA1": {
          "error": 0,
          "generation": 1,
          "isLeader": true,
          "memberCount": 1,
          "memberId": undefined,
          "protocol": "range",
        },
        "leaveB": 0,
        "rebalance2": {
          "a": {
            "isLeader": true,
            "memberCount": 2,
          },
          "b": {
            "error": 0,
            "isLeader": false,
            "memberCount": 0,
          },
          "generationStep": 1,
          "sameGeneration": true,
        },
        "rebalance3": {
          "generationStep": 1,
          "isLeader": true,
          "memberCount": 1,
        },
        "sync2": {
          "a": {
            "assignment": "a-half",
            "error": 0,
          },
          "b": {
            "assignment": "b-half",
            "error": 0,
          },
        },
        "syncA1": {
          "assignment": "a-only",
          "error": 0,
        },
        "syncA3": {
          "assignment": "a-again",
          "error": 0,
        },
        "syncDuringRebalance": 27,
      }
    `);
  });
});
