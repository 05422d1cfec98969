// hbase-rpc-client ships no types; the tests need only this much of it.
declare module 'hbase-rpc-client' {
  import type { EventEmitter } from 'node:events';
  import type { HBaseRpcClientLike, HBaseRpcClientModule } from '@dstream/connector-hbase';

  interface HBaseRpcClient extends HBaseRpcClientLike, EventEmitter {
    put(table: string, put: unknown, callback: (error: unknown, result: unknown) => void): void;
    createRegionName(table: string, row: Buffer, id: string, newFormat: boolean): Buffer;
  }
  interface Factory extends HBaseRpcClientModule {
    (options: {
      zookeeperHosts: string[];
      zookeeperRoot?: string;
      callTimeout?: number;
      rpcTimeout?: number;
    }): HBaseRpcClient;
  }
  const hbase: Factory;
  export default hbase;
}
