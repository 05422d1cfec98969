export type { Bytes } from './bytes.js';
export { bytesToLong, longToBytes } from './bytes.js';
export { HBaseAdmin } from './hbase-admin.js';
export type { CreateTableOptions } from './hbase-admin.js';
export { HBaseClient, createHBaseClient } from './hbase-client.js';
export type { CheckAndMutate, CompareOperator } from './hbase-client.js';
export type { HBaseClientOptions } from './hbase-client-options.js';
export { HBaseRemoteException } from './hbase-errors.js';
export type { ScanOptions } from './hbase-scanner.js';
export { cellValue } from './mutations.js';
export type {
  ColumnSelector,
  Delete,
  DeleteColumn,
  GetOptions,
  HBaseCell,
  HBaseRow,
  Increment,
  IncrementAmount,
  Mutation,
  Put,
  PutCell,
} from './mutations.js';
export type { RegionLocation } from './region-locator.js';
export type { ServerAddress } from './zookeeper-registry.js';
export { hbaseSink } from './hbase-sink.js';
export type {
  CounterCell,
  ExactlyOnceHBaseSinkOptions,
  HBaseFlushOptions,
  HBaseSink,
  HBaseSinkBaseOptions,
  HBaseSinkOptions,
  IdempotentHBaseSinkOptions,
  PutCellValue,
} from './hbase-sink.js';
export type { HBaseSinkClient } from './hbase-sink.js';
export { hbaseRpcClientAdapter } from './hbase-rpc-client-adapter.js';
export type {
  HBaseRpcClientAdapter,
  HBaseRpcClientLike,
  HBaseRpcClientModule,
} from './hbase-rpc-client-adapter.js';
