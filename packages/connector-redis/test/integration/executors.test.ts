import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { ClientProviderStats } from '@dstream/core';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, deletePrefix, freshPrefix, redisUrl } from './redis-test-env.js';

let admin: Redis;
let prefix: string;

beforeAll(async () => {
  admin = await adminClient();
});
afterAll(async () => {
  await deletePrefix(admin, prefix);
  await admin.quit();
});

async function connectionsNamed(name: string): Promise<number> {
  const list = (await admin.client('LIST')) as string;
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}

describe('per-executor clients (worker threads loading the job module)', () => {
  it('two executors, eight partitions: one Redis connection per executor', async () => {
    prefix = freshPrefix('executors');
    const connectionName = `dstream-exec-${randomUUID()}`;
    const job = new URL('./fixtures/executor-bootstrap.mjs', import.meta.url);
    const workers = [1, 2].map(
      (executorId) =>
        new Worker(job, {
          workerData: { url: redisUrl, prefix, connectionName, executorId },
          execArgv: ['--conditions=@dstream/source'],
        }),
    );
    try {
      const stats = (await Promise.all(workers.map((w) => once(w, 'message')))).map(
        ([m]) => (m as { stats: ClientProviderStats }).stats,
      );
      expect(stats.map((s) => s.created)).toEqual([1, 1]);
      expect(await connectionsNamed(connectionName)).toBe(2);
      expect(await admin.get(`${prefix}:total`)).toBe(String(2 * 100 * (1 + 2 + 3 + 4)));
      for (const w of workers) w.postMessage('stop');
      await Promise.all(workers.map((w) => once(w, 'message')));
      expect(await connectionsNamed(connectionName)).toBe(0);
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  });
});
