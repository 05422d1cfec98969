import { ConfigError } from '@dstream/core';
import { describe, expect, it } from 'vitest';
import { bytesToLong, longToBytes, parseTableName } from '../src/bytes.js';
import { backoffDelay, resolveClientOptions } from '../src/hbase-client-options.js';
import { cellValue, fromResultProto, mutationSize, toGetProto, toMutationProto } from '../src/mutations.js';
import { decodeMessage, encodeMessage } from '../src/protocol/hbase-proto.js';

interface MutationMessage {
  row: Buffer;
  mutate_type: number;
  timestamp: { toString(): string };
  column_value: Array<{
    family: Buffer;
    qualifier_value: Array<{
      qualifier: Buffer;
      value: Buffer;
      delete_type: number;
      timestamp: { toString(): string };
    }>;
  }>;
}

const roundTrip = (value: Record<string, unknown>): MutationMessage =>
  decodeMessage<MutationMessage>('MutationProto', encodeMessage('MutationProto', value));

describe('mutation encoding', () => {
  it('groups a put by family and keeps explicit timestamps', () => {
    const m = roundTrip(
      toMutationProto({
        type: 'put',
        row: 'r',
        timestamp: 5000,
        cells: [
          { family: 'a', qualifier: 'x', value: '1' },
          { family: 'b', qualifier: 'y', value: Buffer.from([0, 255]) },
          { family: 'a', qualifier: 'z', value: '3', timestamp: 7 },
        ],
      }),
    );
    expect(m.mutate_type).toBe(2);
    expect(m.timestamp.toString()).toBe('5000');
    expect(
      m.column_value.map((c) => [c.family.toString(), c.qualifier_value.map((q) => q.qualifier.toString())]),
    ).toEqual([
      ['a', ['x', 'z']],
      ['b', ['y']],
    ]);
    expect(m.column_value[0]?.qualifier_value[1]?.timestamp.toString()).toBe('7');
  });

  it('encodes deletes of a row, a family and a column', () => {
    expect(roundTrip(toMutationProto({ type: 'delete', row: 'r' })).column_value).toEqual([]);
    const m = roundTrip(
      toMutationProto({
        type: 'delete',
        row: 'r',
        columns: [{ family: 'a' }, { family: 'b', qualifier: 'q' }],
      }),
    );
    expect(m.mutate_type).toBe(3);
    expect(m.column_value.map((c) => c.qualifier_value[0]?.delete_type)).toEqual([2, 1]);
  });

  it('encodes increments as 8-byte big-endian amounts, negative and bigint included', () => {
    const m = roundTrip(
      toMutationProto({
        type: 'increment',
        row: 'r',
        amounts: [
          { family: 'c', qualifier: 'n', amount: -3 },
          { family: 'c', qualifier: 'big', amount: 2n ** 62n },
        ],
      }),
    );
    expect(m.mutate_type).toBe(1);
    expect(m.column_value[0]?.qualifier_value.map((q) => bytesToLong(q.value))).toEqual([-3n, 2n ** 62n]);
    expect(
      mutationSize({ type: 'increment', row: 'r', amounts: [{ family: 'c', qualifier: 'n', amount: 1 }] }),
    ).toBeGreaterThan(0);
  });

  it('encodes gets with column selections and reads results back', () => {
    const get = decodeMessage<{ row: Buffer; column: Array<{ family: Buffer; qualifier: Buffer[] }> }>(
      'Get',
      encodeMessage(
        'Get',
        toGetProto('r', {
          columns: [{ family: 'a', qualifier: 'x' }, { family: 'a', qualifier: 'y' }, { family: 'b' }],
        }),
      ),
    );
    expect(get.column.map((c) => [c.family.toString(), c.qualifier.map(String)])).toEqual([
      ['a', ['x', 'y']],
      ['b', []],
    ]);
    const cell = (qualifier: string, timestamp: number, value: string) => ({
      row: Buffer.from('r'),
      family: Buffer.from('a'),
      qualifier: Buffer.from(qualifier),
      timestamp,
      value: Buffer.from(value),
    });
    const row = fromResultProto({ cell: [cell('x', 1, 'old'), cell('x', 2, 'new'), cell('y', 1, 'y')] });
    expect(cellValue(row, 'a', 'x')?.toString()).toBe('new');
    expect(cellValue(row, 'a', 'none')).toBeUndefined();
    expect(fromResultProto({ cell: [] })).toBeUndefined();
    expect(fromResultProto(null)).toBeUndefined();
  });
});

describe('names and options', () => {
  it('parses table names and rejects invalid ones', () => {
    expect(parseTableName('t1')).toMatchObject({ namespace: 'default', qualifier: 't1', metaPrefix: 't1' });
    expect(parseTableName('ns:t.1-x')).toMatchObject({
      namespace: 'ns',
      qualifier: 't.1-x',
      metaPrefix: 'ns:t.1-x',
    });
    for (const bad of ['', 'a b', 'a,b', 'ns:', ':t', 'n-s:t', '.t'])
      expect(() => parseTableName(bad)).toThrow(ConfigError);
  });

  it('validates client options and names the bad one', () => {
    expect(resolveClientOptions({ zookeeper: '127.0.0.1:2181' }, 'me')).toMatchObject({
      zookeeperRoot: '/hbase',
      rpcTimeoutMs: 10_000,
      operationTimeoutMs: 60_000,
      user: 'me',
    });
    expect(() => resolveClientOptions({ zookeeper: 'localhost' }, 'me')).toThrow(
      /zookeeper must be "host:port/,
    );
    expect(() => resolveClientOptions({ zookeeper: 'h:1', rpcTimeoutMs: 0 }, 'me')).toThrow(/rpcTimeoutMs/);
    expect(() => resolveClientOptions({ zookeeper: 'h:1', zookeeperRoot: 'hbase' }, 'me')).toThrow(
      /zookeeperRoot/,
    );
  });

  it('backs off exponentially with jitter, capped', () => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const delay = backoffDelay(attempt, 100, 2000);
      const full = Math.min(2000, 100 * 2 ** (attempt - 1));
      expect(delay).toBeGreaterThanOrEqual(full / 2);
      expect(delay).toBeLessThanOrEqual(full);
    }
    expect(bytesToLong(longToBytes(-1))).toBe(-1n);
  });
});
