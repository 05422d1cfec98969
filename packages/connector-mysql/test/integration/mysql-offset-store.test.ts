import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlOffsetStore } from '../../src/index.js';
import { adminConnection, connection, dropTables, freshName, rowsOf } from './mariadb.js';

let admin: Connection;
const tables: string[] = [];

beforeAll(async () => {
  admin = await adminConnection();
});

afterAll(async () => {
  await dropTables(admin, tables);
  await admin.end();
});

describe('mysqlOffsetStore (MariaDB)', () => {
  it('creates its table, saves and loads offsets per job, topic and partition', async () => {
    const table = freshName('offsets');
    tables.push(table);
    const store = mysqlOffsetStore({ connection, table });
    try {
      expect(await store.load('job-a', ['clicks'])).toEqual([]);
      const [created] = await admin.query(
        'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_NAME = ?',
        [table],
      );
      expect(Number((created as Array<{ n: number }>)[0]!.n)).toBe(1);

      await store.save('job-a', [
        { topic: 'clicks', partition: 0, fromOffset: 0, untilOffset: 10 },
        { topic: 'clicks', partition: 1, fromOffset: 0, untilOffset: 7 },
        { topic: 'views', partition: 0, fromOffset: 5, untilOffset: 9 },
      ]);
      await store.save('job-b', [{ topic: 'clicks', partition: 0, fromOffset: 0, untilOffset: 3 }]);
      await store.save('job-a', [{ topic: 'clicks', partition: 0, fromOffset: 10, untilOffset: 2 ** 40 }]);

      expect(await store.load('job-a', ['clicks'])).toEqual([
        { topic: 'clicks', partition: 0, offset: 2 ** 40 },
        { topic: 'clicks', partition: 1, offset: 7 },
      ]);
      expect(await store.load('job-a', ['clicks', 'views', 'other'])).toHaveLength(3);
      expect(await store.load('job-b', ['clicks'])).toEqual([{ topic: 'clicks', partition: 0, offset: 3 }]);
      expect(await store.load('job-a', [])).toEqual([]);

      // Offsets never move back: saving an older range (a replayed batch) keeps the newer position.
      await store.save('job-a', [{ topic: 'clicks', partition: 1, fromOffset: 0, untilOffset: 4 }]);
      expect(await store.load('job-a', ['clicks'])).toContainEqual({
        topic: 'clicks',
        partition: 1,
        offset: 7,
      });
      expect(await rowsOf(admin, table, 'job_id')).toHaveLength(4);
    } finally {
      await store.close?.();
    }
  });

  it('keeps hostile job ids and topics as plain values', async () => {
    const table = freshName('offsets');
    tables.push(table);
    const store = mysqlOffsetStore({ connection, table });
    try {
      const job = "job'; DELETE FROM x; --";
      const topic = 'tópico "😀" \\ ?';
      await store.save(job, [{ topic, partition: 0, fromOffset: 0, untilOffset: 1 }]);
      expect(await store.load(job, [topic])).toEqual([{ topic, partition: 0, offset: 1 }]);
      await expect(store.load('', ['t'])).rejects.toThrow(/jobId must be a non-empty string/);
    } finally {
      await store.close?.();
    }
  });
});
