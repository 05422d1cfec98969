import { ConfigError, ConnectionError, SinkWriteError, SourceReadError } from '@dstream/core';
import { type Bytes, toBuffer } from './bytes.js';
import type { CheckAndMutate } from './hbase-client.js';
import type { HBaseSinkClient } from './hbase-sink.js';
import type { HBaseCell, HBaseRow, Mutation } from './mutations.js';

type Callback<R> = (error: unknown, result: R) => void;

/** A row as hbase-rpc-client returns it. */
interface RpcRow {
  row: Buffer;
  columns: Array<{ family: Buffer; qualifier: Buffer; value: Buffer; timestamp: { toString(): string } }>;
}

interface RpcPut {
  add(family: Buffer, qualifier: Buffer, value: Buffer, timestamp?: number): void;
}
interface RpcDelete {
  deleteColumns?(family: Buffer, qualifier: Buffer): void;
  deleteFamily?(family: Buffer): void;
}
interface RpcIncrement {
  add(family: Buffer, qualifier: Buffer, amount: string): void;
}

/** The part of an `hbase-rpc-client` 0.1.x client this adapter calls (typed structurally). */
export interface HBaseRpcClientLike {
  get(table: string, get: unknown, callback: Callback<RpcRow | null>): void;
  mget(
    table: string,
    gets: unknown[],
    callback: Callback<Array<RpcRow | null | Record<string, unknown>>>,
  ): void;
  mput(table: string, puts: unknown[], callback: Callback<unknown[]>): void;
  mdelete(table: string, deletes: unknown[], callback: Callback<unknown[]>): void;
  increment(table: string, increment: unknown, callback: Callback<unknown>): void;
  getScanner(
    table: string,
    startRow?: Bytes,
    stopRow?: Bytes,
  ): { toArray(callback: Callback<RpcRow[]>): void };
}

/** The classes of the `hbase-rpc-client` module: `import hbase from 'hbase-rpc-client'`. */
export interface HBaseRpcClientModule {
  Put: new (row: Buffer, timestamp?: number) => RpcPut;
  Get: new (row: Buffer) => unknown;
  Delete: new (row: Buffer) => RpcDelete;
  Increment: new (row: Buffer) => RpcIncrement;
}

/** What the adapter offers: the sink's writes plus the reads the round-trip tests use. */
export interface HBaseRpcClientAdapter extends HBaseSinkClient {
  get(table: string, row: Bytes): Promise<HBaseRow | undefined>;
  getMany(table: string, rows: readonly Bytes[]): Promise<Array<HBaseRow | undefined>>;
  scanAll(table: string, options?: { startRow?: Bytes; stopRow?: Bytes }): Promise<HBaseRow[]>;
}

function call<R>(fn: (callback: Callback<R>) => void, what: string, kind: 'read' | 'write'): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    fn((error, result) => {
      if (error === null || error === undefined) {
        resolve(result);
        return;
      }
      const message = `hbase-rpc-client ${what}: ${error instanceof Error ? error.message : describe(error)}`;
      reject(
        kind === 'read'
          ? new SourceReadError(message, { cause: error })
          : new SinkWriteError(message, { cause: error, retryable: true }),
      );
    });
  });
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  const record = value as Record<string, unknown>;
  return String(record.exceptionClassName ?? record.name ?? JSON.stringify(value));
}

/** hbase-rpc-client reports per-action failures of mput/mget inside the results, not as an error. */
function isActionException(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.exceptionClassName === 'string' || (typeof record.name === 'string' && !('row' in record))
  );
}

function toRow(row: RpcRow | null | undefined): HBaseRow | undefined {
  if (row === null || row === undefined || !Array.isArray(row.columns) || row.columns.length === 0)
    return undefined;
  const cells: HBaseCell[] = row.columns.map((c) => ({
    row: row.row,
    family: c.family,
    qualifier: c.qualifier,
    timestamp: Number(c.timestamp.toString()),
    value: c.value,
  }));
  return { row: row.row, cells };
}

/**
 * Wraps a user-made hbase-rpc-client (for HBase 1.x clusters) so that `hbaseSink` can write
 * through it. Its limits (see the README): idempotent mode only (no conditional increments), no
 * recovery after a region moves on HBase 2.x, scans cut at 300 rows, no close.
 *
 * ```ts
 * import hbase from 'hbase-rpc-client';
 * const provider = perExecutor(() => hbaseRpcClientAdapter(hbase({ zookeeperHosts: ['zk:2181'] }), hbase));
 * ```
 */
export function hbaseRpcClientAdapter(
  client: HBaseRpcClientLike,
  module: HBaseRpcClientModule,
): HBaseRpcClientAdapter {
  const checkResults = (results: unknown[], what: string): void => {
    const failed = results.find(isActionException);
    if (failed !== undefined)
      throw new SinkWriteError(`hbase-rpc-client ${what}: ${describe(failed)}`, {
        cause: failed,
        retryable: true,
      });
  };

  return {
    async mutateMany(table, mutations) {
      const puts: unknown[] = [];
      const deletes: unknown[] = [];
      const increments: Mutation[] = [];
      for (const mutation of mutations) {
        const row = toBuffer(mutation.row);
        if (mutation.type === 'put') {
          const put = new module.Put(row, mutation.timestamp);
          for (const cell of mutation.cells) {
            put.add(
              toBuffer(cell.family),
              toBuffer(cell.qualifier),
              toBuffer(cell.value),
              cell.timestamp ?? mutation.timestamp,
            );
          }
          puts.push(put);
        } else if (mutation.type === 'delete') {
          if (mutation.columns !== undefined && mutation.columns.length > 0) {
            throw new ConfigError('hbase-rpc-client adapter: only whole-row deletes are supported');
          }
          deletes.push(new module.Delete(row));
        } else {
          increments.push(mutation);
        }
      }
      if (puts.length > 0)
        checkResults(
          await call<unknown[]>((cb) => client.mput(table, puts, cb), `mput on ${table}`, 'write'),
          `mput on ${table}`,
        );
      if (deletes.length > 0) {
        checkResults(
          await call<unknown[]>((cb) => client.mdelete(table, deletes, cb), `mdelete on ${table}`, 'write'),
          `mdelete on ${table}`,
        );
      }
      for (const mutation of increments) {
        if (mutation.type !== 'increment') continue;
        const increment = new module.Increment(toBuffer(mutation.row));
        for (const amount of mutation.amounts) {
          increment.add(toBuffer(amount.family), toBuffer(amount.qualifier), amount.amount.toString());
        }
        await call((cb) => client.increment(table, increment, cb), `increment on ${table}`, 'write');
      }
    },
    async checkAndMutateMany(_table: string, _checks: readonly CheckAndMutate[]): Promise<boolean[]> {
      throw new ConfigError(
        "hbase-rpc-client cannot apply increments under a condition: use the native client for hbaseSink mode 'exactly-once'",
      );
    },
    async get(table, row) {
      return toRow(
        await call<RpcRow | null>(
          (cb) => client.get(table, new module.Get(toBuffer(row)), cb),
          `get on ${table}`,
          'read',
        ),
      );
    },
    async getMany(table, rows) {
      if (rows.length === 0) return [];
      const results = await call<Array<RpcRow | null | Record<string, unknown>>>(
        (cb) =>
          client.mget(
            table,
            rows.map((row) => new module.Get(toBuffer(row))),
            cb,
          ),
        `mget on ${table}`,
        'read',
      );
      const failed = results.find(isActionException);
      if (failed !== undefined)
        throw new SourceReadError(`hbase-rpc-client mget on ${table}: ${describe(failed)}`, {
          cause: failed,
        });
      // It answers in region order, not request order: match the rows back to the request.
      const byRow = new Map<string, HBaseRow>();
      for (const result of results) {
        const row = toRow(result as RpcRow | null);
        if (row !== undefined) byRow.set(row.row.toString('latin1'), row);
      }
      return rows.map((row) => byRow.get(toBuffer(row).toString('latin1')));
    },
    async scanAll(table, options = {}) {
      const scanner = client.getScanner(table, options.startRow, options.stopRow);
      const rows = await call<RpcRow[]>((cb) => scanner.toArray(cb), `scan of ${table}`, 'read');
      return rows.map((r) => toRow(r)).filter((r): r is HBaseRow => r !== undefined);
    },
    async close() {
      // hbase-rpc-client has no close(): end what we can reach (its ZooKeeper watcher and sockets).
      const internals = client as unknown as {
        zk?: { close?: () => void };
        servers?: Record<string, { socket?: { destroy?: () => void } | null }>;
      };
      try {
        internals.zk?.close?.();
        for (const server of Object.values(internals.servers ?? {})) server.socket?.destroy?.();
      } catch (error) {
        throw new ConnectionError(`hbase-rpc-client: closing failed: ${String(error)}`, { cause: error });
      }
    },
  };
}
