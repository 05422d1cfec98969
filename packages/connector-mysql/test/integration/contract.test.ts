import { describeSinkContract, describeSourceContract } from '@dstream/core/testing';
import { mysqlSink, mysqlSource } from '../../src/index.js';
import { adminConnection, connection, freshName, rowsOf } from './mariadb.js';

type Row = [string, number];
const records: Row[] = Array.from({ length: 12 }, (_, i) => [`k${i}`, i]);

for (const mode of ['upsert', 'transactional'] as const) {
  describeSinkContract<Row>(`mysqlSink ${mode}`, async () => {
    const admin = await adminConnection();
    const table = freshName(`contract_${mode}`);
    const markerTable = freshName('markers');
    const offsetTable = freshName('offsets');
    await admin.query(`CREATE TABLE \`${table}\` (k VARCHAR(20) PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB`);
    return {
      sink: mysqlSink<Row>({
        connection,
        table,
        markerTable,
        offsetTable,
        columns: ['k', 'v'],
        key: 'k',
        mode,
      }),
      records,
      read: async () => (await rowsOf(admin, table)).map((r) => [r.k, r.v]),
      expected: (written) => written.map(([k, v]) => [k, v]),
      async cleanup() {
        for (const t of [table, markerTable, offsetTable]) await admin.query(`DROP TABLE IF EXISTS \`${t}\``);
        await admin.end();
      },
    };
  });
}

describeSourceContract<{ id: number }>('mysqlSource', async () => {
  const admin = await adminConnection();
  const table = freshName('contract_source');
  await admin.query(`CREATE TABLE \`${table}\` (id INT AUTO_INCREMENT PRIMARY KEY, v INT) ENGINE=InnoDB`);
  return {
    createSource: () => mysqlSource<{ id: number }>({ connection, table, column: 'id', maxRowsPerBatch: 7 }),
    async produce(count) {
      await admin.query(`INSERT INTO \`${table}\` (v) VALUES ?`, [
        Array.from({ length: count }, (_, i) => [i]),
      ]);
    },
    identity: (record) => String(record.id),
    async cleanup() {
      await admin.query(`DROP TABLE IF EXISTS \`${table}\``);
      await admin.end();
    },
  };
});
