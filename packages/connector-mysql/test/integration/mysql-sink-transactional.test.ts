import { SinkWriteError } from '@dstream/core';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlSink } from '../../src/index.js';
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

/** A counts table plus fresh marker and offset tables for one test. */
async function countsSetup(): Promise<{ table: string; markerTable: string; offsetTable: string }> {
  const table = freshName('counts');
  const markerTable = freshName('markers');
  const offsetTable = freshName('offsets');
  tables.push(table, markerTable, offsetTable);
  await admin.query(
    `CREATE TABLE \`${table}\` (word VARCHAR(100) PRIMARY KEY, count BIGINT NOT NULL, last_seen BIGINT NOT NULL) ENGINE=InnoDB`,
  );
  return { table, markerTable, offsetTable };
}

function countsSink(setup: Awaited<ReturnType<typeof countsSetup>>, maxRowsPerStatement = 1000) {
  return mysqlSink<[string, number, number]>({
    connection,
    ...setup,
    columns: ['word', 'count', 'last_seen'],
    key: 'word',
    mode: 'transactional',
    update: { count: 'increment', last_seen: 'max' },
    maxRowsPerStatement,
    jobId: 'word-count',
  });
}

describe('mysqlSink transactional (MariaDB)', () => {
  it('adds increments once per batch and skips a replayed batch', async () => {
    const setup = await countsSetup();
    const sink = countsSink(setup, 3);
    try {
      const batch1: Array<[string, number, number]> = [
        ['a', 1, 1],
        ['b', 2, 1],
        ['c', 3, 1],
        ['d', 4, 1],
      ];
      await sink.writePartition(batch1, sinkContext({ batchTime: 1000, partition: 0, numPartitions: 2 }));
      await sink.writePartition(
        [['a', 10, 1]],
        sinkContext({ batchTime: 1000, partition: 1, numPartitions: 2 }),
      );
      await sink.writePartition([['a', 100, 2]], sinkContext({ batchTime: 2000 }));
      const expected = [
        { word: 'a', count: 111, last_seen: 2 },
        { word: 'b', count: 2, last_seen: 1 },
        { word: 'c', count: 3, last_seen: 1 },
        { word: 'd', count: 4, last_seen: 1 },
      ];
      expect(await rowsOf(admin, setup.table)).toEqual(expected);
      expect(sink.stats()).toMatchObject({ written: 3, skipped: 0 });

      // The engine replays batch 1000 (a retry, or a restart from the checkpoint): nothing changes.
      await sink.writePartition(
        batch1,
        sinkContext({ batchTime: 1000, partition: 0, numPartitions: 2, attempt: 2 }),
      );
      await sink.writePartition([['a', 10, 1]], sinkContext({ batchTime: 1000, partition: 1, attempt: 2 }));
      await sink.writePartition([['a', 100, 2]], sinkContext({ batchTime: 2000, attempt: 2 }));
      expect(await rowsOf(admin, setup.table)).toEqual(expected);
      expect(sink.stats()).toMatchObject({ written: 3, skipped: 3 });
      const markers = await rowsOf(admin, setup.markerTable, 'batch_time, partition_id, row_count');
      expect(markers).toEqual([
        { batch_time: 1000, partition_id: 0, row_count: 4 },
        { batch_time: 1000, partition_id: 1, row_count: 1 },
        { batch_time: 2000, partition_id: 0, row_count: 1 },
      ]);
    } finally {
      await sink.close?.();
    }
  });

  it('two attempts at the same partition at the same time apply it once (the marker lock serializes them)', async () => {
    const setup = await countsSetup();
    const sink = countsSink(setup, 2);
    try {
      const records = Array.from({ length: 40 }, (_, i): [string, number, number] => [`w${i}`, i + 1, 1]);
      // A zombie attempt and its retry, e.g. a task that timed out on one executor but still runs.
      await Promise.all([
        sink.writePartition(records, sinkContext({ attempt: 1 })),
        sink.writePartition(records, sinkContext({ attempt: 2 })),
      ]);
      expect(sink.stats()).toMatchObject({ written: 1, skipped: 1 });
      expect((await rowsOf(admin, setup.table, 'word, count')).reduce((n, r) => n + Number(r.count), 0)).toBe(
        820,
      );
    } finally {
      await sink.close?.();
    }
  });

  it('commits the partition offsets with its rows, and commitBatch records the batch ranges', async () => {
    const setup = await countsSetup();
    const sink = countsSink(setup);
    const ranges = [
      { topic: 'words', partition: 0, fromOffset: 0, untilOffset: 2 },
      { topic: 'words', partition: 1, fromOffset: 0, untilOffset: 1 },
    ];
    try {
      expect(await sink.offsetStore!.load('word-count', ['words'])).toEqual([]);
      await sink.writePartition(
        [
          ['x', 1, 1],
          ['y', 1, 1],
        ],
        sinkContext({ numPartitions: 2, offsetRanges: ranges, partitionOffsetRange: ranges[0] }),
      );
      // Partition 0 is committed with its offset; partition 1 is not written yet.
      expect(await sink.offsetStore!.load('word-count', ['words'])).toEqual([
        { topic: 'words', partition: 0, offset: 2 },
      ]);
      // An empty partition aligned with a range still records that its range is done.
      await sink.writePartition(
        [],
        sinkContext({
          partition: 1,
          numPartitions: 2,
          offsetRanges: ranges,
          partitionOffsetRange: ranges[1],
        }),
      );
      await sink.commitBatch?.({
        outputId: 'output-0',
        batchTime: 1000,
        numPartitions: 2,
        offsetRanges: ranges,
      });
      expect(await sink.offsetStore!.load('word-count', ['words'])).toEqual([
        { topic: 'words', partition: 0, offset: 2 },
        { topic: 'words', partition: 1, offset: 1 },
      ]);
      // Replaying the older batch neither adds nor rewinds anything.
      await sink.writePartition(
        [['x', 1, 1]],
        sinkContext({
          batchTime: 1000,
          offsetRanges: ranges,
          partitionOffsetRange: { ...ranges[0]!, untilOffset: 1 },
        }),
      );
      await sink.commitBatch?.({
        outputId: 'output-0',
        batchTime: 1000,
        numPartitions: 2,
        offsetRanges: [{ topic: 'words', partition: 0, fromOffset: 0, untilOffset: 1 }],
      });
      expect(await sink.offsetStore!.load('word-count', ['words'])).toEqual([
        { topic: 'words', partition: 0, offset: 2 },
        { topic: 'words', partition: 1, offset: 1 },
      ]);
      expect(await rowsOf(admin, setup.table, 'word, count')).toEqual([
        { word: 'x', count: 1 },
        { word: 'y', count: 1 },
      ]);
    } finally {
      await sink.close?.();
    }
  });

  it('rolls back the whole partition when a statement fails, and keeps the connection', async () => {
    const setup = await countsSetup();
    const sink = countsSink(setup, 2);
    try {
      const records: Array<[string, number, number]> = [
        ['a', 1, 1],
        ['b', 1, 1],
        ['c', 1, 1],
        ['d', null as unknown as number, 1],
        ['e', 1, 1],
      ];
      const failure = await sink.writePartition(records, sinkContext()).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(SinkWriteError);
      expect((failure as SinkWriteError).retryable).toBe(false);
      expect((failure as SinkWriteError).message).toMatch(/ER_BAD_NULL_ERROR.*count/);
      expect(await rowsOf(admin, setup.table)).toEqual([]);
      expect(await rowsOf(admin, setup.markerTable)).toEqual([]);
      expect(sink.stats().connections).toMatchObject({ created: 1, closed: 0, inUse: 0, idle: 1 });

      records[3] = ['d', 1, 1];
      await sink.writePartition(records, sinkContext({ attempt: 2 }));
      expect((await rowsOf(admin, setup.table, 'word, count')).map((r) => r.count)).toEqual([1, 1, 1, 1, 1]);
    } finally {
      await sink.close?.();
    }
  });

  it('deletes markers older than markerRetentionMs in commitBatch', async () => {
    const setup = await countsSetup();
    const sink = mysqlSink<[string, number, number]>({
      connection,
      ...setup,
      columns: ['word', 'count', 'last_seen'],
      key: 'word',
      mode: 'transactional',
      markerRetentionMs: 5000,
    });
    try {
      for (const batchTime of [1000, 2000, 7000, 8000]) {
        await sink.writePartition([['w', 1, batchTime]], sinkContext({ batchTime }));
      }
      await sink.commitBatch?.({ outputId: 'output-0', batchTime: 8000, numPartitions: 1, offsetRanges: [] });
      expect((await rowsOf(admin, setup.markerTable, 'batch_time')).map((r) => r.batch_time)).toEqual([
        7000, 8000,
      ]);
    } finally {
      await sink.close?.();
    }
  });

  it('refuses a table without transactions, naming it', async () => {
    const table = freshName('myisam');
    tables.push(table);
    await admin.query(`CREATE TABLE \`${table}\` (k INT PRIMARY KEY, v INT) ENGINE=MyISAM`);
    const sink = mysqlSink({ connection, table, columns: ['k', 'v'], key: 'k', mode: 'transactional' });
    try {
      await expect(sink.writePartition([[1, 1]], sinkContext())).rejects.toThrow(
        new RegExp(`table "${table}" uses the MyISAM engine`),
      );
    } finally {
      await sink.close?.();
    }
  });
});
