import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey, ErrorCode, KafkaTestCluster } from '../src/index.js';
import { encodeBatch } from '../src/protocol/record-batch.js';
import type { Writer } from '../src/protocol/writer.js';
import { apiVersionsScenario } from './scenarios/api-versions-scenario.js';
import { partitionLeaders, RawClient } from './scenarios/raw-client.js';

let cluster: KafkaTestCluster;
const clients: RawClient[] = [];
beforeAll(async () => {
  cluster = await KafkaTestCluster.start({ brokers: 2 });
});
afterAll(async () => {
  for (const client of clients) client.close();
  await cluster.stop();
});

async function connect(address = cluster.bootstrap[0]!): Promise<RawClient> {
  const client = await RawClient.connect(address);
  clients.push(client);
  return client;
}

async function leaderOf(topic: string): Promise<RawClient> {
  const leaders = await partitionLeaders(await connect(), topic);
  return connect(leaders.get(0)!);
}

function produceBody(topic: string, records: Buffer, acks = -1) {
  return (w: Writer) => {
    w.string(null).int16(acks).int32(1000);
    w.array([topic], (x, t) => x.string(t).array([records], (y, b) => y.int32(0).bytes(b)));
  };
}

function produceError(r: import('../src/protocol/reader.js').Reader) {
  let result = { error: -1, baseOffset: -1 };
  r.array((t) => {
    t.string();
    t.array((p) => {
      p.int32();
      result = { error: p.int16(), baseOffset: p.int64() };
      p.int64();
      p.int64();
    });
  });
  return result;
}

function fetchBody(topic: string, offset: number, maxWaitMs: number) {
  return (w: Writer) => {
    w.int32(-1)
      .int32(maxWaitMs)
      .int32(1)
      .int32(1 << 20)
      .int8(0);
    w.array([topic], (x, t) =>
      x.string(t).array([0], (y, p) =>
        y
          .int32(p)
          .int64(offset)
          .int32(1 << 20),
      ),
    );
  };
}

function fetchResult(r: import('../src/protocol/reader.js').Reader) {
  r.int32();
  let result = { error: -1, highWatermark: -1, bytes: 0 };
  r.array((t) => {
    t.string();
    t.array((p) => {
      p.int32();
      const error = p.int16();
      const highWatermark = p.int64();
      p.int64();
      p.nullableArray((a) => [a.int64(), a.int64()]);
      result = { error, highWatermark, bytes: p.bytes().length };
    });
  });
  return result;
}

describe('ApiVersions', () => {
  it('answers v0 and the flexible v3 with every served API', async () => {
    const client = await connect();
    const v0 = await client.request(ApiKey.ApiVersions, 0, () => {});
    expect(v0.int16()).toBe(0);
    const keys = v0.array((r) => [r.int16(), r.int16(), r.int16()]);
    expect(keys.map(([key]) => key)).toEqual(Object.values(ApiKey).sort((a, b) => a - b));
    expect(keys).toContainEqual([ApiKey.Fetch, 4, 11]);

    const v3 = await client.request(
      ApiKey.ApiVersions,
      3,
      (w) => w.compactString('raw-scenario').compactString('1.0').taggedFields(),
      { flexibleHeader: true },
    );
    expect(v3.int16()).toBe(0);
    const flexible = v3.compactArray((r) => {
      const entry = [r.int16(), r.int16(), r.int16()];
      r.taggedFields();
      return entry;
    });
    expect(flexible).toEqual(keys);
    expect(v3.int32()).toBe(0);
    v3.taggedFields();
    expect(v3.remaining).toBe(0);
  });

  it('answers a version newer than it knows with a v0 body: UNSUPPORTED_VERSION and the api list', async () => {
    const client = await connect();
    const r = await client.request(
      ApiKey.ApiVersions,
      9,
      (w) => w.compactString('x').compactString('1').taggedFields(),
      {
        flexibleHeader: true,
      },
    );
    expect(r.int16()).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(r.array((x) => [x.int16(), x.int16(), x.int16()])).toContainEqual([ApiKey.ApiVersions, 0, 3]);
    expect(r.remaining).toBe(0);
  });

  it('lets kafkajs 2.2.4 negotiate its newest version of every API it uses', async () => {
    const seen = await apiVersionsScenario(cluster.bootstrap);
    expect(seen.future).toEqual({
      error: ErrorCode.UNSUPPORTED_VERSION,
      listsApiVersions: true,
      fullyRead: true,
    });
    expect(Object.values(seen.kafkajsNegotiates).every((v) => typeof v === 'number')).toBe(true);
  });

  it('closes the connection on an unsupported version of another API, as Kafka does', async () => {
    const client = await connect();
    await expect(client.request(ApiKey.Produce, 2, () => {})).rejects.toThrow(/closed/);
  });
});

describe('Produce', () => {
  it('rejects a batch whose CRC-32C does not match with CORRUPT_MESSAGE and appends nothing', async () => {
    const topic = `crc-${randomUUID()}`;
    cluster.createTopic(topic, { partitions: 1 });
    const leader = await leaderOf(topic);
    const corrupt = encodeBatch([{ value: 'payload' }]);
    corrupt[corrupt.length - 1]! ^= 0xff;
    expect(produceError(await leader.request(ApiKey.Produce, 7, produceBody(topic, corrupt)))).toEqual({
      error: ErrorCode.CORRUPT_MESSAGE,
      baseOffset: -1,
    });
    expect(cluster.offsets(topic, 0).highWatermark).toBe(0);
  });

  it('answers acks=0 with nothing, invalid acks with INVALID_REQUIRED_ACKS, followers with NOT_LEADER', async () => {
    const topic = `acks-${randomUUID()}`;
    cluster.createTopic(topic, { partitions: 1 });
    const leader = await leaderOf(topic);
    // acks=0 is never answered: this promise only settles (rejects) when the connection closes.
    leader.request(ApiKey.Produce, 7, produceBody(topic, encodeBatch([{ value: 'a' }]), 0)).catch(() => {});
    const second = produceError(
      await leader.request(ApiKey.Produce, 7, produceBody(topic, encodeBatch([{ value: 'b' }]))),
    );
    expect(second).toEqual({ error: 0, baseOffset: 1 });
    const invalid = produceError(
      await leader.request(ApiKey.Produce, 7, produceBody(topic, encodeBatch([{ value: 'c' }]), 2)),
    );
    expect(invalid.error).toBe(ErrorCode.INVALID_REQUIRED_ACKS);
    const leaders = await partitionLeaders(await connect(), topic);
    const follower = await connect(cluster.bootstrap.find((address) => address !== leaders.get(0))!);
    const wrong = produceError(
      await follower.request(ApiKey.Produce, 7, produceBody(topic, encodeBatch([{ value: 'd' }]))),
    );
    expect(wrong.error).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(cluster.readRecords(topic, 0).map((r) => r.value?.toString())).toEqual(['a', 'b']);
  });
});

describe('Fetch', () => {
  it('long-polls until a produce arrives, and answers in order on one connection', async () => {
    const topic = `poll-${randomUUID()}`;
    cluster.createTopic(topic, { partitions: 1 });
    const leader = await leaderOf(topic);
    const started = Date.now();
    const order: string[] = [];
    const fetched = leader.request(ApiKey.Fetch, 4, fetchBody(topic, 0, 5000)).then((r) => {
      order.push('fetch');
      return fetchResult(r);
    });
    const versions = leader.request(ApiKey.ApiVersions, 0, () => {}).then(() => order.push('versions'));
    setTimeout(() => cluster.produce(topic, [{ value: 'wake up' }]), 150);
    const result = await fetched;
    await versions;
    expect(result.error).toBe(0);
    expect(result.bytes).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(order).toEqual(['fetch', 'versions']);
  });

  it('waits max_wait_ms when nothing arrives and returns an empty answer', async () => {
    const topic = `idle-${randomUUID()}`;
    cluster.createTopic(topic, { partitions: 1 });
    const leader = await leaderOf(topic);
    const started = Date.now();
    const result = fetchResult(await leader.request(ApiKey.Fetch, 4, fetchBody(topic, 0, 300)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(result).toEqual({ error: 0, highWatermark: 0, bytes: 0 });
  });

  it('ends a long-poll at once when its topic is deleted', async () => {
    const topic = `doomed-${randomUUID()}`;
    cluster.createTopic(topic, { partitions: 1 });
    const leader = await leaderOf(topic);
    const started = Date.now();
    const fetched = leader.request(ApiKey.Fetch, 4, fetchBody(topic, 0, 5000));
    setTimeout(() => cluster.deleteTopic(topic), 100);
    expect(fetchResult(await fetched).error).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('returns OFFSET_OUT_OF_RANGE only below the log start or above the high watermark', async () => {
    const topic = `range-${randomUUID()}`;
    cluster.createTopic(topic, { partitions: 1 });
    cluster.produce(topic, [{ value: '0' }, { value: '1' }]);
    cluster.produce(topic, [{ value: '2' }, { value: '3' }]);
    cluster.deleteRecordsBefore(topic, 0, 2);
    const leader = await leaderOf(topic);
    const at = async (offset: number) =>
      fetchResult(await leader.request(ApiKey.Fetch, 4, fetchBody(topic, offset, 0))).error;
    expect([await at(1), await at(2), await at(3), await at(4), await at(5)]).toEqual([1, 0, 0, 0, 1]);
  });
});
