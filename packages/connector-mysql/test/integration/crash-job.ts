/**
 * A job run as a child process by crash-loop.test.ts and killed with SIGKILL at random moments:
 * mysqlSource (a fixed table of words) → running counts (updateStateByKey, checkpointed) → two
 * sinks: upsert and transactional. It stops by itself once the upsert table's counts add up to
 * every row of the source, and exits 0.
 *
 * Arguments: checkpointDir sourceTable upsertTable transactionalTable markerTable offsetTable totalRows
 */
import { StreamingContext } from '@dstream/core';
import { createConnection } from 'mysql2/promise';
import { mysqlSink, mysqlSource } from '../../src/index.js';
import { connection } from './mariadb.js';

const [checkpointDir, sourceTable, upsertTable, txTable, markerTable, offsetTable, totalRows] =
  process.argv.slice(2);
if (totalRows === undefined) throw new Error('crash-job: missing arguments');

function create(): StreamingContext {
  const ctx = new StreamingContext({ batchInterval: 100, defaultParallelism: 2, maxTaskAttempts: 10 });
  ctx.checkpoint(checkpointDir!, { interval: 100 });
  const counts = ctx
    .source(
      mysqlSource<{ id: number; word: string }>({
        connection,
        table: sourceTable!,
        column: 'id',
        maxRowsPerBatch: 120,
        numPartitions: 2,
      }),
    )
    .map((row): [string, number] => [row.word, 1])
    .updateStateByKey<string, number, number>((values, state) => values.reduce((a, b) => a + b, state ?? 0));
  counts.to(
    mysqlSink({ connection, table: upsertTable!, columns: ['word', 'count'], key: 'word', mode: 'upsert' }),
  );
  counts.to(
    mysqlSink({
      connection,
      table: txTable!,
      markerTable: markerTable!,
      offsetTable: offsetTable!,
      columns: ['word', 'count'],
      key: 'word',
      mode: 'transactional',
    }),
  );
  return ctx;
}

const ctx = await StreamingContext.getOrCreate(checkpointDir!, create);
await ctx.start();
process.stdout.write(`started ${ctx.restoredFromCheckpoint ? 'restored' : 'fresh'}\n`);

const admin = await createConnection(connection);
for (;;) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  const [rows] = await admin.query(`SELECT COALESCE(SUM(count), 0) AS n FROM \`${upsertTable}\``);
  if (Number((rows as Array<{ n: number }>)[0]!.n) >= Number(totalRows)) break;
}
await ctx.stop({ graceful: true });
await admin.end();
process.stdout.write('done\n');
process.exit(0);
