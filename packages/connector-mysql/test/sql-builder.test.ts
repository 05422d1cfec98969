import { ConfigError } from '@dstream/core';
import { describe, expect, it } from 'vitest';
import { buildStatements, maxPlaceholders, planInsert } from '../src/sql-builder.js';

const base = {
  table: 'page_counts',
  columns: ['page', 'views'],
  key: ['page'],
  allowIncrement: true,
  owner: 'sink',
};

describe('planInsert', () => {
  it('quotes every name and replaces non-key columns by default', () => {
    const plan = planInsert(base);
    expect(plan.head).toBe('INSERT INTO `page_counts` (`page`, `views`) VALUES ');
    expect(plan.rowPlaceholders).toBe('(?, ?)');
    expect(plan.tail).toBe(' ON DUPLICATE KEY UPDATE `views` = VALUES(`views`)');
  });

  it('turns named update actions into fixed SQL', () => {
    const plan = planInsert({
      ...base,
      columns: ['page', 'views', 'best', 'worst', 'first_seen', 'title'],
      update: { views: 'increment', best: 'max', worst: 'min', first_seen: 'keep' },
    });
    expect(plan.tail).toBe(
      ' ON DUPLICATE KEY UPDATE `views` = `views` + VALUES(`views`), `best` = GREATEST(`best`, VALUES(`best`)), ' +
        '`worst` = LEAST(`worst`, VALUES(`worst`)), `title` = VALUES(`title`)',
    );
  });

  it('keeps a statement an upsert when every column is key or kept', () => {
    const plan = planInsert({ ...base, update: { views: 'keep' } });
    expect(plan.tail).toBe(' ON DUPLICATE KEY UPDATE `page` = `page`');
  });

  it('accepts db.table', () => {
    expect(planInsert({ ...base, table: 'test.page_counts' }).head).toMatch(
      /^INSERT INTO `test`.`page_counts` /,
    );
  });

  it.each([
    ['table', { table: 'x`; DROP TABLE y; --' }, 'x`; DROP TABLE y; --'],
    ['table', { table: 'a.b.c' }, 'a.b.c'],
    ['column', { columns: ['page', 'views) VALUES (1,2); --'] }, 'views) VALUES (1,2); --'],
    ['column', { columns: ['page', 'naïve'] }, 'naïve'],
    ['column', { columns: ['page', '1abc'] }, '1abc'],
    ['column', { columns: ['page', 'x'.repeat(65)] }, 'x'.repeat(65)],
    ['key', { key: ['missing'] }, 'missing'],
    ['update', { update: { 'views = 0, page': 'replace' as const } }, 'views = 0, page'],
  ])('rejects a hostile or unknown %s name and names it', (_what, override, bad) => {
    const attempt = () => planInsert({ ...base, ...override });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(JSON.stringify(bad));
  });

  it('rejects an unknown action, an update of the key, and a duplicated column', () => {
    expect(() => planInsert({ ...base, update: { views: 'views + 1' as 'replace' } })).toThrow(
      /"views \+ 1"/,
    );
    expect(() => planInsert({ ...base, update: { page: 'replace' } })).toThrow(/key column "page"/);
    expect(() => planInsert({ ...base, columns: ['page', 'page'] })).toThrow(/listed twice/);
  });

  it('refuses increment when replays must be idempotent', () => {
    expect(() => planInsert({ ...base, allowIncrement: false, update: { views: 'increment' } })).toThrow(
      /not idempotent.*transactional/,
    );
  });
});

describe('buildStatements', () => {
  const plan = planInsert(base);

  it('cuts rows by maxRows and keeps values in order', () => {
    const rows = Array.from({ length: 5 }, (_, i) => [`p${i}`, i]);
    const statements = buildStatements(plan, rows, { maxRows: 2, maxBytes: 1 << 20 });
    expect(statements.map((s) => s.values)).toEqual([
      ['p0', 0, 'p1', 1],
      ['p2', 2, 'p3', 3],
      ['p4', 4],
    ]);
    expect(statements[0]!.sql).toBe(
      'INSERT INTO `page_counts` (`page`, `views`) VALUES (?, ?), (?, ?) ON DUPLICATE KEY UPDATE `views` = VALUES(`views`)',
    );
    expect(statements[2]!.sql.match(/\?/g)).toHaveLength(2);
  });

  it('cuts by bytes, and a row larger than maxBytes goes alone', () => {
    const big = 'x'.repeat(5000);
    const rows = [
      ['a', 1],
      [big, 2],
      ['b', 3],
      ['c', 4],
    ];
    const statements = buildStatements(plan, rows, { maxRows: 100, maxBytes: 1000 });
    expect(statements.map((s) => s.values.length / 2)).toEqual([1, 1, 2]);
    expect(statements[1]!.values[0]).toBe(big);
  });

  it('writes undefined as NULL', () => {
    expect(buildStatements(plan, [['a', undefined]], { maxRows: 10, maxBytes: 100 })[0]!.values).toEqual([
      'a',
      null,
    ]);
  });

  it('never exceeds the server limit on placeholders', () => {
    const wide = planInsert({
      ...base,
      columns: Array.from({ length: 100 }, (_, i) => `c${i}`),
      key: ['c0'],
    });
    const rows = Array.from({ length: 1000 }, () => Array.from({ length: 100 }, () => 1));
    const statements = buildStatements(wide, rows, { maxRows: 1000, maxBytes: 1 << 30 });
    for (const s of statements) expect(s.values.length).toBeLessThanOrEqual(maxPlaceholders);
    expect(statements.reduce((n, s) => n + s.values.length, 0)).toBe(100_000);
  });

  it('makes no statement for no rows', () => {
    expect(buildStatements(plan, [], { maxRows: 10, maxBytes: 100 })).toEqual([]);
  });
});
