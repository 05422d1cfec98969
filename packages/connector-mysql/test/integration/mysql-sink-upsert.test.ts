import { ConfigError, pooled } from '@dstream/core';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MysqlConnection, mysqlSink } from '../../src/index.js';
import { adminConnection, connection, dropTables, freshName, rowsOf, sinkContext } from './mariadb.js';

let admin: Connection;
const tables: string[] = [];

beforeAll(async () => {
  admin = await adminConnection();
});

afterAll(async () => {
  await dropTables(admin, tables);
  await admin.end();
});

async function pageTable(): Promise<string> {
  const table = freshName('pages');
  tables.push(table);
  await admin.query(
    `CREATE TABLE \`${table}\` (page VARCHAR(100) PRIMARY KEY, views BIGINT NOT NULL, title TEXT) ENGINE=InnoDB`,
  );
  return table;
}

describe('mysqlSink upsert (MariaDB)', () => {
  it('writes a partition with multi-row statements and replaces on a duplicate key', async () => {
    const table = await pageTable();
    const sink = mysqlSink<[string, number]>({
      connection,
      table,
      columns: ['page', 'views'],
      key: 'page',
      mode: 'upsert',
      maxRowsPerStatement: 4,
    });
    try {
      const records = Array.from({ length: 10 }, (_, i): [string, number] => [`/p${i}`, i]);
      await sink.writePartition(records, sinkContext());
      expect(sink.stats().statements).toBe(3);
      await sink.writePartition([['/p3', 300]], sinkContext({ batchTime: 2000 }));
      const rows = await rowsOf(admin, table, 'page, views');
      expect(rows).toHaveLength(10);
      expect(rows.find((r) => r.page === '/p3')).toEqual({ page: '/p3', views: 300 });
      expect(rows.find((r) => r.page === '/p9')).toEqual({ page: '/p9', views: 9 });
    } finally {
      await sink.close?.();
    }
  });

  it('leaves the same table when a batch is written again', async () => {
    const table = await pageTable();
    const sink = mysqlSink<{ page: string; views: number; title: string }>({
      connection,
      table,
      columns: ['page', 'views', 'title'],
      key: 'page',
      mode: 'upsert',
      update: { views: 'max' },
    });
    try {
      const records = Array.from({ length: 50 }, (_, i) => ({
        page: `/p${i % 20}`,
        views: i,
        title: `t${i}`,
      }));
      await sink.writePartition(records, sinkContext());
      const first = await rowsOf(admin, table);
      await sink.writePartition(records, sinkContext({ attempt: 2 }));
      await sink.writePartition(records, sinkContext({ attempt: 3 }));
      expect(await rowsOf(admin, table)).toEqual(first);
      expect(first).toHaveLength(20);
      expect(first.find((r) => r.page === '/p5')).toEqual({ page: '/p5', views: 45, title: 't45' });
    } finally {
      await sink.close?.();
    }
  });

  it('maps records with rowOf, taking the columns from the rows', async () => {
    const table = await pageTable();
    const sink = mysqlSink<{ url: string; n: number }>({
      connection,
      table,
      rowOf: (r) => ({ page: r.url, views: r.n * 2 }),
      key: 'page',
      mode: 'upsert',
    });
    try {
      await sink.writePartition(
        [
          { url: '/a', n: 1 },
          { url: '/b', n: 2 },
        ],
        sinkContext(),
      );
      expect(await rowsOf(admin, table, 'page, views')).toEqual([
        { page: '/a', views: 2 },
        { page: '/b', views: 4 },
      ]);
    } finally {
      await sink.close?.();
    }
  });

  it('stores hostile values verbatim', async () => {
    const table = freshName('hostile');
    tables.push(table);
    await admin.query(
      `CREATE TABLE \`${table}\` (k VARCHAR(191) PRIMARY KEY, v LONGTEXT, b LONGBLOB) ` +
        'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
    );
    const megabyte = 'é'.repeat(300_001) + "'; DROP TABLE x; -- ".repeat(20_000);
    const hostile = [
      "it's",
      '"double"',
      'back\\slash\\',
      "'; DROP TABLE users; --",
      '-- comment',
      '/* block */ SELECT 1',
      '\u0000nul\u0000',
      'tab\tnew\nline\rcr',
      '😀 emoji ∑ 中文 עברית',
      '%_ like wildcards',
      '?',
      '`backtick`',
      megabyte,
    ];
    const sink = mysqlSink<[string, string, Uint8Array]>({
      connection,
      table,
      columns: ['k', 'v', 'b'],
      key: 'k',
      mode: 'upsert',
      maxBytesPerStatement: 512 * 1024,
    });
    try {
      const records = hostile.map((v, i): [string, string, Uint8Array] => [
        i === hostile.length - 1 ? `key-${i}` : v.slice(0, 191),
        v,
        Buffer.from(v, 'utf8'),
      ]);
      await sink.writePartition(records, sinkContext());
      const [rows] = await admin.query(`SELECT k, v, b FROM \`${table}\``);
      const stored = new Map((rows as Array<{ k: string; v: string; b: Buffer }>).map((r) => [r.k, r]));
      expect(stored.size).toBe(hostile.length);
      for (const [k, v] of records) {
        expect(stored.get(k)?.v).toBe(v);
        expect(stored.get(k)?.b.toString('utf8')).toBe(v);
      }
      expect(Buffer.byteLength(megabyte)).toBeGreaterThan(1_000_000);
    } finally {
      await sink.close?.();
    }
  });

  it('rejects hostile identifiers before any connection is made', async () => {
    let created = 0;
    const provider = pooled<MysqlConnection>(
      async () => {
        created++;
        return createConnection(connection);
      },
      { max: 1, close: (c) => c.end() },
    );
    const table = await pageTable();
    for (const bad of ['x`; DROP TABLE y; --', 'pages WHERE 1=1', '', 'a.b.c', 'tab\tle']) {
      expect(() =>
        mysqlSink({ provider, table: bad, columns: ['page'], key: 'page', mode: 'upsert' }),
      ).toThrow(ConfigError);
    }
    expect(() =>
      mysqlSink({ provider, table, columns: ['page', 'views`=1 --'], key: 'page', mode: 'upsert' }),
    ).toThrow(/"views`=1 --"/);
    // Column names that come from rows (rowOf without columns) are checked before the first statement.
    const sink = mysqlSink<Record<string, number>>({
      provider,
      table,
      rowOf: (r) => r,
      key: 'page',
      mode: 'upsert',
    });
    await expect(
      sink.writePartition([{ page: 1, 'views) VALUES (1); --': 2 }], sinkContext()),
    ).rejects.toThrow(/"views\) VALUES \(1\); --"/);
    expect(created).toBe(0);
    expect(provider.stats().created).toBe(0);
    await provider.close();
  });

  it('fails with the table name when the table is missing', async () => {
    const missing = freshName('missing');
    const sink = mysqlSink({ connection, table: missing, columns: ['k'], key: 'k', mode: 'upsert' });
    try {
      await expect(sink.writePartition([['a']], sinkContext())).rejects.toThrow(
        new RegExp(`table "${missing}" does not exist`),
      );
    } finally {
      await sink.close?.();
    }
  });

  it('refuses a key that is not a primary or unique key of the table, and accepts a composite one', async () => {
    const table = freshName('keys');
    tables.push(table);
    await admin.query(
      `CREATE TABLE \`${table}\` (day INT, page VARCHAR(20), views INT, INDEX (views), PRIMARY KEY (day, page)) ENGINE=InnoDB`,
    );
    for (const key of [['page'], ['views'], ['day', 'page', 'views']]) {
      const sink = mysqlSink({ connection, table, columns: ['day', 'page', 'views'], key, mode: 'upsert' });
      await expect(sink.writePartition([[1, '/a', 1]], sinkContext())).rejects.toThrow(
        new RegExp(`has no primary or unique key on \\(${key.join(', ')}\\)`),
      );
      await sink.close?.();
    }
    const sink = mysqlSink({
      connection,
      table,
      columns: ['day', 'page', 'views'],
      key: ['page', 'day'],
      mode: 'upsert',
    });
    try {
      await sink.writePartition([[1, '/a', 1]], sinkContext());
      await sink.writePartition([[1, '/a', 5]], sinkContext({ batchTime: 2000 }));
      expect(await rowsOf(admin, table)).toEqual([{ day: 1, page: '/a', views: 5 }]);
    } finally {
      await sink.close?.();
    }
  });
});
