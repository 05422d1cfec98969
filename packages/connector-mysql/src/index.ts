export { mysqlSink } from './mysql-sink.js';
export type { MysqlSink, MysqlSinkOptions } from './mysql-sink.js';
export { mysqlOffsetStore } from './mysql-offset-store.js';
export type { MysqlOffsetStoreOptions } from './mysql-offset-store.js';
export type {
  MysqlClientOptions,
  MysqlConnection,
  MysqlConnectionOptions,
  BoundValue,
  SqlValue,
} from './mysql-connection.js';
export type { UpdateAction } from './sql-builder.js';
export { toDStreamError } from './mysql-errors.js';
export { mysqlSource } from './mysql-source.js';
export type { MysqlRow, MysqlSourceOptions } from './mysql-source.js';
