import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, ConnectionError, DStreamError, TimeoutError } from '@dstream/core';
import { type Bytes, parseTableName, toBuffer } from './bytes.js';
import { HBaseRemoteException, retryDecision, toDStreamError } from './hbase-errors.js';
import { type UInt64, fromBigInt, toNumber } from './protocol/hbase-proto.js';
import { type RegionLocation, encodedRegionName } from './region-locator.js';
import { RetryBudget, type RegionTransport } from './region-transport.js';
import type { ServerAddress } from './zookeeper-registry.js';

export interface CreateTableOptions {
  /** Column families, at least one. */
  readonly families: readonly string[];
  /** Pre-split the table at these row keys (n keys → n + 1 regions). */
  readonly splitKeys?: readonly Bytes[];
}

interface ProcedureResult {
  state: number;
  exception: { generic_exception: { class_name: string; message: string } | null } | null;
}

const PROCEDURE_FINISHED = 2;
const PROCEDURE_NOT_FOUND = 0;
const ENCODED_REGION_NAME = 2;
/** MasterService methods whose message names differ from the method name. */
const messageTypes: Record<string, string> = {
  SplitRegion: 'SplitTableRegion',
  getProcedureResult: 'GetProcedureResult',
};

/**
 * The few MasterService calls that tests and setup scripts need: create/delete tables, list,
 * move and split regions. Each waits for its procedure to finish.
 */
export class HBaseAdmin {
  readonly #transport: RegionTransport;

  constructor(transport: RegionTransport) {
    this.#transport = transport;
  }

  async createTable(table: string, options: CreateTableOptions): Promise<void> {
    const name = parseTableName(table);
    if (options.families.length === 0)
      throw new ConfigError(`createTable ${table}: give at least one column family`);
    const splitKeys = (options.splitKeys ?? []).map(toBuffer).sort(Buffer.compare);
    const response = await this.#master<{ proc_id: UInt64 }>('CreateTable', {
      table_schema: {
        table_name: { namespace: Buffer.from(name.namespace), qualifier: Buffer.from(name.qualifier) },
        column_families: options.families.map((family) => ({ name: Buffer.from(family) })),
      },
      split_keys: splitKeys,
      ...this.#nonce(),
    });
    await this.#waitForProcedure(response.proc_id, `createTable ${table}`);
    await this.#waitUntil(`createTable ${table}: all ${splitKeys.length + 1} regions assigned`, async () => {
      const regions = await this.regions(table);
      return regions.length === splitKeys.length + 1;
    });
  }

  /** Disables, then deletes a table. */
  async deleteTable(table: string): Promise<void> {
    const name = parseTableName(table);
    const tableName = { namespace: Buffer.from(name.namespace), qualifier: Buffer.from(name.qualifier) };
    try {
      const disabled = await this.#master<{ proc_id: UInt64 }>('DisableTable', {
        table_name: tableName,
        ...this.#nonce(),
      });
      await this.#waitForProcedure(disabled.proc_id, `disableTable ${table}`);
    } catch (error) {
      // Already disabled: go on and delete it.
      if (!(error instanceof DStreamError && /TableNotEnabledException/.test(error.message))) throw error;
    }
    const deleted = await this.#master<{ proc_id: UInt64 }>('DeleteTable', {
      table_name: tableName,
      ...this.#nonce(),
    });
    await this.#waitForProcedure(deleted.proc_id, `deleteTable ${table}`);
    this.#transport.cache.clear(name.metaPrefix);
  }

  /** The table's regions in key order, with their servers (split parents left out). */
  async regions(table: string): Promise<RegionLocation[]> {
    const name = parseTableName(table);
    const budget = new RetryBudget(this.#transport.options, `regions of ${table}`);
    for (;;) {
      try {
        return await this.#transport.regions(name, budget.rpcTimeout());
      } catch (error) {
        if (retryDecision(error) === 'fail') throw toDStreamError(error, 'admin', `regions of ${table}`);
        await budget.next(error, 'admin');
      }
    }
  }

  /** Live region servers, from ZooKeeper. */
  async regionServers(): Promise<ServerAddress[]> {
    return this.#transport.registry.regionServers();
  }

  /** Moves a region to `destination` (or anywhere else) and waits until meta shows it there. */
  async moveRegion(region: RegionLocation, destination: ServerAddress): Promise<void> {
    const encoded = encodedRegionName(region.name);
    await this.#master('MoveRegion', {
      region: { type: ENCODED_REGION_NAME, value: Buffer.from(encoded) },
      dest_server_name: {
        host_name: destination.host,
        port: destination.port,
        start_code: destination.startCode,
      },
    });
    await this.#waitUntil(`moveRegion ${encoded} to ${destination.host}:${destination.port}`, async () => {
      const regions = await this.regions(region.table);
      const moved = regions.find((r) => r.name.equals(region.name));
      return (
        moved !== undefined &&
        moved.server.port === destination.port &&
        moved.server.host === destination.host
      );
    });
  }

  /** Splits a region at `splitRow` and waits until both daughters are open. */
  async splitRegion(region: RegionLocation, splitRow: Bytes): Promise<void> {
    const response = await this.#master<{ proc_id: UInt64 }>('SplitRegion', {
      region_info: region.info,
      split_row: toBuffer(splitRow),
      ...this.#nonce(),
    });
    await this.#waitForProcedure(response.proc_id, `splitRegion ${region.name.toString()}`);
  }

  #nonce(): { nonce_group: UInt64; nonce: UInt64 } {
    return {
      nonce_group: fromBigInt(randomBytes(8).readBigUInt64BE(0) >> 1n),
      nonce: fromBigInt(randomBytes(8).readBigUInt64BE(0) >> 1n),
    };
  }

  async #master<R>(method: string, request: object): Promise<R> {
    const what = `HBase master ${method}`;
    this.#transport.assertOpen(what);
    const budget = new RetryBudget(this.#transport.options, what);
    for (;;) {
      try {
        const master = await this.#transport.registry.masterLocation();
        const type = messageTypes[method] ?? method;
        return await this.#transport
          .connection(master, 'MasterService')
          .call<R>(method, `${type}Request`, request, `${type}Response`, budget.rpcTimeout());
      } catch (error) {
        const decision = retryDecision(error);
        if (decision === 'fail') throw toDStreamError(error, 'admin', what);
        await budget.next(error, 'admin');
      }
    }
  }

  async #waitForProcedure(procId: UInt64, what: string): Promise<void> {
    await this.#waitUntil(what, async () => {
      const result = await this.#master<ProcedureResult>('getProcedureResult', { proc_id: procId });
      if (result.state === PROCEDURE_NOT_FOUND) {
        throw new ConnectionError(`${what}: procedure ${toNumber(procId)} not found`, { retryable: false });
      }
      if (result.state !== PROCEDURE_FINISHED) return false;
      const failure = result.exception?.generic_exception;
      if (failure) {
        throw toDStreamError(
          new HBaseRemoteException(failure.class_name, failure.message, 'master'),
          'admin',
          what,
        );
      }
      return true;
    });
  }

  async #waitUntil(what: string, done: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let delay = 20;
    while (!(await done())) {
      if (Date.now() > deadline) throw new TimeoutError(`${what}: not done within ${timeoutMs} ms`);
      await sleep(delay);
      delay = Math.min(500, delay * 2);
    }
  }
}
