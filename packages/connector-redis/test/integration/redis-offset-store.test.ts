import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { offsetsKey, redisOffsetStore, redisProvider } from '../../src/index.js';
import { adminClient, deletePrefix, freshPrefix, redisUrl } from './redis-test-env.js';

let admin: Redis;
let prefix: string;

beforeAll(async () => {
  admin = await adminClient();
});
afterEach(async () => {
  await deletePrefix(admin, prefix);
});
afterAll(async () => {
  await admin.quit();
});

describe('redisOffsetStore', () => {
  it('round-trips offsets per job and topic-partition, filtered by topic', async () => {
    prefix = freshPrefix('offsets');
    const store = redisOffsetStore({ keyPrefix: prefix, connection: redisUrl });
    expect(await store.load('job-a', ['clicks'])).toEqual([]);
    await store.save('job-a', [
      { topic: 'clicks', partition: 1, fromOffset: 5, untilOffset: 9 },
      { topic: 'clicks', partition: 0, fromOffset: 0, untilOffset: 3 },
      { topic: 'views', partition: 0, fromOffset: 0, untilOffset: 100 },
    ]);
    await store.save('job-b', [{ topic: 'clicks', partition: 0, fromOffset: 0, untilOffset: 1 }]);
    await store.save('job-a', [{ topic: 'clicks', partition: 1, fromOffset: 9, untilOffset: 12 }]);
    await store.save('job-a', []);
    // An older range (a batch re-run after a restart) never moves an offset back.
    await store.save('job-a', [{ topic: 'clicks', partition: 0, fromOffset: 0, untilOffset: 2 }]);
    expect(await store.load('job-a', ['clicks'])).toEqual([
      { topic: 'clicks', partition: 0, offset: 3 },
      { topic: 'clicks', partition: 1, offset: 12 },
    ]);
    expect(await store.load('job-a', ['clicks', 'views'])).toHaveLength(3);
    expect(await store.load('job-b', ['clicks'])).toEqual([{ topic: 'clicks', partition: 0, offset: 1 }]);
    expect(await admin.hlen(offsetsKey(prefix, 'job-a'))).toBe(3);
    await store.close?.();
  });

  it('keeps hostile topic names apart and ignores foreign fields', async () => {
    prefix = freshPrefix('offsets-hostile');
    const provider = redisProvider(redisUrl);
    const store = redisOffsetStore({ keyPrefix: prefix, provider });
    const topics = ['a:b', 'a', '"quoted"', 'ünï 😀', '["x",1]'];
    await store.save(
      'job',
      topics.map((topic, i) => ({ topic, partition: i, fromOffset: 0, untilOffset: 10 + i })),
    );
    await admin.hset(offsetsKey(prefix, 'job'), 'not-json', '5');
    const loaded = await store.load('job', topics);
    expect(loaded).toHaveLength(5);
    for (const [i, topic] of topics.entries()) {
      expect(loaded).toContainEqual({ topic, partition: i, offset: 10 + i });
    }
    expect(await store.load('job', ['a'])).toEqual([{ topic: 'a', partition: 1, offset: 11 }]);
    // A store given a provider leaves closing it to its owner.
    await store.close?.();
    expect(provider.stats()).toMatchObject({ created: 1, closed: 0 });
    await provider.close();
  });
});
