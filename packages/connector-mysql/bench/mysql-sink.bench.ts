import { randomUUID } from 'node:crypto';
import type { SinkContext } from '@dstream/core';
import { type Connection, createConnection } from 'mysql2/promise';
import { mysqlSink } from '../src/index.js';

/**
 * Rows/s of mysqlSink (upsert and transactional) against a hand-written mysql2 multi-row
 * `INSERT … VALUES ? ON DUPLICATE KEY UPDATE` of the same rows, on the same server in one run.
 * Server: DSTREAM_BENCH_MYSQL_URL, default mysql://root@127.0.0.1:3306/test.
 */
const url = process.env.DSTREAM_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const ROWS = 50_000;
const PARTITIONS = 10;
const ROWS_PER_STATEMENT = 1000;
const ROUNDS = 4;

type Row = [string, number, string];

function context(batchTime: number, partition: number): SinkContext {
  return {
    outputId: 'bench',
    batchTime,
    partition,
    numPartitions: PARTITIONS,
    offsetRanges: [],
    partitionOffsetRange: undefined,
    executorId: 0,
    attempt: 1,
  };
}

interface Variant {
  label: string;
  write: (round: number) => Promise<void>;
}

/**
 * Best rows/s of each variant. Rounds go round-robin over the variants so that background load on
 * a shared machine falls on all of them alike; round 0 warms up (JIT, prepared statements, buffer
 * pool) and is not timed.
 */
async function bestRates(admin: Connection, table: string, variants: Variant[]): Promise<number[]> {
  const best = variants.map(() => 0);
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [i, variant] of variants.entries()) {
      await admin.query(`TRUNCATE TABLE \`${table}\``);
      const start = performance.now();
      await variant.write(round);
      const seconds = (performance.now() - start) / 1000;
      const [[check]] = (await admin.query(`SELECT COUNT(*) AS n FROM \`${table}\``)) as unknown as [
        [{ n: number }],
      ];
      if (Number(check.n) !== ROWS)
        throw new Error(`${variant.label}: ${check.n} rows after a round, expected ${ROWS}`);
      if (round > 0) best[i] = Math.max(best[i]!, ROWS / seconds);
    }
  }
  return best.map(Math.round);
}

export async function run(): Promise<{ name: string; results: Array<{ label: string; opsPerSec: number }> }> {
  const suffix = randomUUID().replaceAll('-', '').slice(0, 16);
  const table = `bench_rows_${suffix}`;
  const markerTable = `bench_markers_${suffix}`;
  const offsetTable = `bench_offsets_${suffix}`;
  const admin = await createConnection(url);
  const rows: Row[] = Array.from({ length: ROWS }, (_, i) => [`key-${i}`, i, `name of row ${i} — ü`]);
  const partitions = Array.from({ length: PARTITIONS }, (_, p) =>
    rows.slice((p * ROWS) / PARTITIONS, ((p + 1) * ROWS) / PARTITIONS),
  );
  const results: Array<{ label: string; opsPerSec: number }> = [];
  try {
    await admin.query(
      `CREATE TABLE \`${table}\` (k VARCHAR(40) PRIMARY KEY, n BIGINT NOT NULL, s VARCHAR(100) NOT NULL) ` +
        'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4',
    );

    const hand = await createConnection(url);
    const handSql = `INSERT INTO \`${table}\` (k, n, s) VALUES ? ON DUPLICATE KEY UPDATE n = VALUES(n), s = VALUES(s)`;
    const variants: Variant[] = [
      {
        label: 'hand-written mysql2 multi-row INSERT … ON DUPLICATE KEY UPDATE (rows)',
        write: async () => {
          for (let i = 0; i < ROWS; i += ROWS_PER_STATEMENT) {
            await hand.query(handSql, [rows.slice(i, i + ROWS_PER_STATEMENT)]);
          }
        },
      },
    ];
    const sinks = (['upsert', 'transactional'] as const).map((mode) =>
      mysqlSink<Row>({
        connection: url,
        table,
        markerTable,
        offsetTable,
        columns: ['k', 'n', 's'],
        key: 'k',
        mode,
        maxRowsPerStatement: ROWS_PER_STATEMENT,
      }),
    );
    for (const sink of sinks) {
      await sink.open?.();
      variants.push(
        {
          label: `mysqlSink ${sink.guarantee === 'idempotent' ? 'upsert' : 'transactional'}, one partition at a time (rows)`,
          write: async (round) => {
            for (let p = 0; p < PARTITIONS; p++)
              await sink.writePartition(partitions[p]!, context(round * 1000, p));
          },
        },
        {
          label: `mysqlSink ${sink.guarantee === 'idempotent' ? 'upsert' : 'transactional'}, partitions in parallel over the pool (max 2) (rows)`,
          write: async (round) => {
            await Promise.all(
              partitions.map((part, p) => sink.writePartition(part, context(100_000 + round * 1000, p))),
            );
          },
        },
      );
    }
    const rates = await bestRates(admin, table, variants);
    for (const [i, variant] of variants.entries())
      results.push({ label: variant.label, opsPerSec: rates[i]! });
    await hand.end();
    for (const sink of sinks) await sink.close?.();
  } finally {
    for (const t of [table, markerTable, offsetTable]) await admin.query(`DROP TABLE IF EXISTS \`${t}\``);
    await admin.end();
  }
  return { name: 'connector-mysql: sink rows/s vs a hand-written mysql2 multi-row insert', results };
}

// `node --import tsx bench/mysql-sink.bench.ts` prints the results on its own.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { name, results } = await run();
  console.log(name);
  const base = results[0]!.opsPerSec;
  for (const r of results) console.log(`  ${r.label}: ${r.opsPerSec} (${(r.opsPerSec / base).toFixed(2)}×)`);
}
