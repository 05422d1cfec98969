import { ConfigError, SinkWriteError, pooled } from '@dstream/core';
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
    const offsetStore = mysqlOffsetStore({ connection });
    expect(() => mysqlSource({ connection, table: 'orders', column: 'id', offsetStore })).toThrow(
      /offsetStore needs jobId/,
    );
    expect(() =>
      mysqlSource({ connection, table: 'orders', column: 'id', offsetStore, jobId: 'j', numPartitions: 2 }),
    ).toThrow(/offsetStore needs numPartitions: 1, got 2/);
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

describe('mysqlSink records', () => {
  // Rows are checked before a connection is asked for: this provider fails the test if it is used.
  const provider = pooled<MysqlConnection>(
    () => {
      throw new Error('no connection should be opened');
    },
    { max: 1 },
  );
  const context = {
    outputId: 'o',
    batchTime: 1000,
    partition: 0,
    numPartitions: 1,
    offsetRanges: [],
    partitionOffsetRange: undefined,
    executorId: 0,
    attempt: 1,
  };

  it('refuses a record with the wrong number of values, or one that is not a row', async () => {
    const sink = mysqlSink<unknown>({ provider, table: 't', columns: ['k', 'v'], key: 'k', mode: 'upsert' });
    await expect(sink.writePartition([['a', 1, 'extra']], context)).rejects.toThrow(
      /a record has 3 values for 2 columns \(k, v\)/,
    );
    await expect(sink.writePartition(['just a string'], context)).rejects.toThrow(SinkWriteError);
    await expect(sink.writePartition([null], context)).rejects.toThrow(/expected an array or an object/);
    expect(provider.stats().created).toBe(0);
  });

  it('writes nothing and opens nothing for an empty partition without an offset range', async () => {
    const sink = mysqlSink<unknown>({ provider, table: 't', columns: ['k', 'v'], key: 'k', mode: 'upsert' });
    await sink.writePartition([], context);
    const tx = mysqlSink<unknown>({
      provider,
      table: 't',
      columns: ['k', 'v'],
      key: 'k',
      mode: 'transactional',
    });
    await tx.writePartition([], context);
    expect(sink.stats().written + tx.stats().written).toBe(0);
    expect(provider.stats().created).toBe(0);
  });
});
