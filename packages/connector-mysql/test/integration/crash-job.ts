/**
 * A job run as a child process by crash-loop.test.ts and killed with SIGKILL at random moments:
 * mysqlSource (a fixed table of words) → running counts (updateStateByKey, checkpointed) → two
 * sinks: upsert and transactional. It stops by itself once the upsert table's counts add up to
 * every row of the source, and exits 0.
 *
 * With mode `increment`, the counts per batch (reduceByKey) are added by the transactional sink
 * (`count = count + VALUES(count)`) instead, and the job stops once that table adds up. It is exact
 * under kills because core writes a batch's checkpoint before the batch runs: a batch that committed
 * always comes back at its own batch time, and its markers make the sink skip it.
 *
 * With mode `aligned`, there is no shuffle: one partition per batch, the per-row counts are added
 * by the transactional sink with the batch's offsets, and the source resumes from those offsets.
 *
 * Arguments: mode checkpointDir sourceTable upsertTable transactionalTable markerTable offsetTable totalRows
 */
import { StreamingContext } from '@dstream/core';
import { createConnection } from 'mysql2/promise';
import { mysqlSink, mysqlSource } from '../../src/index.js';
import { connection } from './mariadb.js';

const [mode, checkpointDir, sourceTable, upsertTable, txTable, markerTable, offsetTable, totalRows] =
  process.argv.slice(2);
if (totalRows === undefined) throw new Error('crash-job: missing arguments');

function create(): StreamingContext {
  const ctx = new StreamingContext({ batchInterval: 100, defaultParallelism: 2, maxTaskAttempts: 10 });
  ctx.checkpoint(checkpointDir!, { interval: 100 });
  const tables = {
    connection,
    markerTable: markerTable!,
    offsetTable: offsetTable!,
    columns: ['word', 'count'],
  };
  if (mode === 'aligned') {
    // No shuffle: each batch is one partition whose rows and offset commit in one transaction, and
    // the source resumes from those offsets.
    const sink = mysqlSink<[string, number]>({
      ...tables,
      table: txTable!,
      key: 'word',
      mode: 'transactional',
      update: { count: 'increment' },
      jobId: 'crash-aligned',
    });
    ctx
      .source(
        mysqlSource<{ id: number; word: string }>({
          connection,
          table: sourceTable!,
          column: 'id',
          maxRowsPerBatch: 120,
          offsetStore: sink.offsetStore!,
          jobId: 'crash-aligned',
        }),
      )
      .map((row): [string, number] => [row.word, 1])
      .to(sink);
    return ctx;
  }
  const words = ctx
    .source(
      mysqlSource<{ id: number; word: string }>({
        connection,
        table: sourceTable!,
        column: 'id',
        maxRowsPerBatch: 120,
        numPartitions: 2,
      }),
    )
    .map((row): [string, number] => [row.word, 1]);
  if (mode === 'increment') {
    words
      .reduceByKey((a, b) => a + b)
      .to(
        mysqlSink({
          ...tables,
          table: txTable!,
          key: 'word',
          mode: 'transactional',
          update: { count: 'increment' },
        }),
      );
  } else {
    const counts = words.updateStateByKey<string, number, number>((values, state) =>
      values.reduce((a, b) => a + b, state ?? 0),
    );
    counts.to(
      mysqlSink({ connection, table: upsertTable!, columns: ['word', 'count'], key: 'word', mode: 'upsert' }),
    );
    counts.to(mysqlSink({ ...tables, table: txTable!, key: 'word', mode: 'transactional' }));
  }
  return ctx;
}

const ctx = await StreamingContext.getOrCreate(checkpointDir!, create);
await ctx.start();
process.stdout.write(`started ${ctx.restoredFromCheckpoint ? 'restored' : 'fresh'}\n`);

const admin = await createConnection(connection);
for (;;) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  const [rows] = await admin.query(
    `SELECT COALESCE(SUM(count), 0) AS n FROM \`${mode === 'state' ? upsertTable : txTable}\``,
  );
  if (Number((rows as Array<{ n: number }>)[0]!.n) >= Number(totalRows)) break;
}
await ctx.stop({ graceful: true });
await admin.end();
process.stdout.write('done\n');
process.exit(0);
