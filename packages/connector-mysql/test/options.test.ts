import { ConfigError, pooled } from '@dstream/core';
import { describe, expect, it } from 'vitest';
import { type MysqlConnection, mysqlOffsetStore, mysqlSink, mysqlSource } from '../src/index.js';

// No server is needed: every check here happens when the factory is called, before any connection.
const connection = { host: '127.0.0.1', user: 'root', database: 'test' };

describe('mysqlSink options', () => {
  it('reports its guarantee and mechanism per mode', () => {
    const upsert = mysqlSink({ connection, table: 't', columns: ['k', 'v'], key: 'k', mode: 'upsert' });
    expect(upsert.guarantee).toBe('idempotent');
    expect(upsert.mechanism).toContain('ON DUPLICATE KEY UPDATE on (k)');
    expect(upsert.offsetStore).toBeUndefined();
    const tx = mysqlSink({ connection, table: 't', columns: ['k', 'v'], key: 'k', mode: 'transactional' });
    expect(tx.guarantee).toBe('transactional');
    expect(tx.offsetStore?.name).toBe('mysqlOffsetStore(dstream_offsets)');
  });

  it.each([
    [{ table: 'bad name' }, /"bad name"/],
    [{ markerTable: 'm;--' }, /markerTable: "m;--"/],
    [{ offsetTable: '`o`' }, /offsetTable: "`o`"/],
    [{ mode: 'append' }, /mode must be 'upsert' or 'transactional', got "append"/],
    [{ columns: ['k', "v'"] }, /"v'"/],
    [{ maxRowsPerStatement: 0 }, /maxRowsPerStatement must be a whole number >= 1, got 0/],
    [{ update: { v: 'increment' } }, /not idempotent/],
    [{ maxConnections: 0 }, /maxConnections must be a whole number >= 1, got 0/],
    [{ jobId: '' }, /jobId must be a non-empty string/],
  ])('rejects %o with a ConfigError that names it', (override, message) => {
    const attempt = () =>
      mysqlSink({
        connection,
        table: 't',
        columns: ['k', 'v'],
        key: 'k',
        mode: 'upsert',
        ...(override as object),
      });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });

  it('needs columns or rowOf, and connection or provider (not both)', () => {
    expect(() => mysqlSink({ connection, table: 't', key: 'k', mode: 'upsert' })).toThrow(
      /columns .* or rowOf/,
    );
    expect(() => mysqlSink({ table: 't', columns: ['k'], key: 'k', mode: 'upsert' })).toThrow(
      /connection is missing/,
    );
    const provider = pooled<MysqlConnection>(
      () => {
        throw new Error('never called');
      },
      { max: 1 },
    );
    expect(() =>
      mysqlSink({ connection, provider, table: 't', columns: ['k'], key: 'k', mode: 'upsert' }),
    ).toThrow(/either provider or connection/);
  });
});

describe('mysqlOffsetStore and mysqlSource options', () => {
  it('validate their names up front', () => {
    expect(() => mysqlOffsetStore({ connection, table: 'o-ffsets' })).toThrow(/"o-ffsets"/);
    expect(() => mysqlSource({ connection, table: 'orders', column: 'id; --' })).toThrow(/"id; --"/);
    expect(() => mysqlSource({ connection, table: 'orders', column: 'id', columns: ['a b'] })).toThrow(
      /"a b"/,
    );
    expect(() => mysqlSource({ connection, table: 'orders', column: 'id', maxRowsPerBatch: 1.5 })).toThrow(
      /maxRowsPerBatch must be a whole number >= 1, got 1.5/,
    );
  });

  it('a source starts with an empty position and restores one', () => {
    const source = mysqlSource({ connection, table: 'orders', column: 'id', startAfter: 7 });
    expect(source.replayable).toBe(true);
    expect(source.position?.()).toEqual({ after: 7, pending: [] });
    source.restore?.({ after: 42, pending: [[1000, 7, 42]] });
    expect(source.position?.()).toEqual({ after: 42, pending: [[1000, 7, 42]] });
    expect(() => source.restore?.('nonsense')).toThrow(ConfigError);
  });
});
