import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, ConnectionError, type DStreamError, StateError, TimeoutError } from '@dstream/core';
import { type TableName, EMPTY } from './bytes.js';
import {
  type ResolvedClientOptions,
  backoffDelay,
  resolveClientOptions,
  type HBaseClientOptions,
} from './hbase-client-options.js';
import { type OperationKind, retryDecision, toDStreamError } from './hbase-errors.js';
import {
  META_REGION_NAME,
  type RegionLocation,
  type ResultMessage,
  RegionCache,
  metaSearchRow,
  metaStopRow,
  parseMetaRow,
  regionContains,
} from './region-locator.js';
import { type HBaseService, RpcConnection } from './rpc-connection.js';
import { type ServerAddress, ZookeeperRegistry } from './zookeeper-registry.js';

const REGION_SPECIFIER_REGION_NAME = 1;

export function regionSpecifier(name: Buffer): { type: number; value: Buffer } {
  return { type: REGION_SPECIFIER_REGION_NAME, value: name };
}

/** The OS user for SIMPLE auth; containers without a passwd entry have none. */
function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'dstream';
  }
}

/** One retry loop's bookkeeping: attempts and the operation deadline. */
export class RetryBudget {
  readonly #options: ResolvedClientOptions;
  readonly #deadline: number;
  readonly #what: string;
  attempt = 0;
  lastError: unknown;

  constructor(options: ResolvedClientOptions, what: string) {
    this.#options = options;
    this.#deadline = Date.now() + options.operationTimeoutMs;
    this.#what = what;
  }

  /** The RPC timeout for the next call: never past the operation's deadline. */
  rpcTimeout(): number {
    return Math.max(1, Math.min(this.#options.rpcTimeoutMs, this.#deadline - Date.now()));
  }

  /** Waits before the next attempt, or throws when attempts or time are used up. */
  async next(error: unknown, kind: OperationKind): Promise<void> {
    this.lastError = error;
    this.attempt++;
    const remaining = this.#deadline - Date.now();
    if (this.attempt >= this.#options.maxAttempts || remaining <= 0) {
      const last = toDStreamError(error, kind, this.#what);
      if (remaining <= 0) {
        throw new TimeoutError(
          `${this.#what}: gave up after ${this.attempt} attempts in operationTimeoutMs=${this.#options.operationTimeoutMs}: ${last.message}`,
          { cause: last },
        );
      }
      throw new (last.constructor as new (m: string, o: object) => DStreamError)(
        `${this.#what}: gave up after maxAttempts=${this.attempt}: ${last.message}`,
        { cause: last, retryable: last.retryable },
      );
    }
    const delay = Math.min(
      backoffDelay(this.attempt, this.#options.retryBackoffMs, this.#options.maxBackoffMs),
      remaining,
    );
    await sleep(delay);
  }
}

/**
 * Connections, ZooKeeper, and region location: everything the operations share. One TCP
 * connection per (server, service); regions located by a reversed scan of hbase:meta and cached.
 */
export class RegionTransport {
  readonly options: ResolvedClientOptions;
  readonly registry: ZookeeperRegistry;
  readonly cache = new RegionCache();
  readonly #connections = new Map<string, RpcConnection>();
  #meta: Promise<ServerAddress> | undefined;
  #closed = false;

  constructor(options: HBaseClientOptions) {
    this.options = resolveClientOptions(options, osUser());
    this.registry = new ZookeeperRegistry({
      quorum: this.options.zookeeper,
      root: this.options.zookeeperRoot,
      timeoutMs: Math.min(this.options.rpcTimeoutMs, this.options.operationTimeoutMs),
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  assertOpen(what: string): void {
    if (this.#closed) throw new StateError(`${what}: the HBase client was closed`);
  }

  connection(server: Pick<ServerAddress, 'host' | 'port'>, service: HBaseService): RpcConnection {
    this.assertOpen(`${service} call to ${server.host}:${server.port}`);
    const key = `${server.host}:${server.port}/${service}`;
    const existing = this.#connections.get(key);
    if (existing !== undefined && !existing.closed) return existing;
    const connection = new RpcConnection({
      host: server.host,
      port: server.port,
      service,
      user: this.options.user,
      connectTimeoutMs: this.options.connectTimeoutMs,
    });
    connection.onClose(() => {
      if (this.#connections.get(key) === connection) this.#connections.delete(key);
    });
    this.#connections.set(key, connection);
    return connection;
  }

  /** Calls ClientService on a region server. */
  call<R>(
    server: ServerAddress,
    method: string,
    requestType: string,
    request: object,
    timeoutMs: number,
  ): Promise<R> {
    return this.connection(server, 'ClientService').call<R>(
      method,
      requestType,
      request,
      `${method}Response`,
      timeoutMs,
    );
  }

  /** The location of the region of `table` that holds `row`; cached unless `reload`. */
  async locate(
    table: TableName,
    row: Uint8Array,
    timeoutMs: number,
    reload = false,
  ): Promise<RegionLocation> {
    if (!reload) {
      const cached = this.cache.find(table.metaPrefix, row);
      if (cached !== undefined) return cached;
    }
    const meta = await this.#metaServer();
    let response: { results: ResultMessage[] };
    try {
      response = await this.call<{ results: ResultMessage[] }>(
        meta,
        'Scan',
        'ScanRequest',
        {
          region: regionSpecifier(META_REGION_NAME),
          scan: {
            start_row: metaSearchRow(table, row),
            stop_row: metaStopRow(table),
            reversed: true,
            column: [{ family: Buffer.from('info') }],
            caching: 10,
          },
          number_of_rows: 10,
          close_scanner: true,
        },
        timeoutMs,
      );
    } catch (error) {
      // hbase:meta itself may have moved: read its location from ZooKeeper again next time.
      this.#meta = undefined;
      throw error;
    }
    for (const result of response.results) {
      const state = parseMetaRow(result, table);
      if (state.kind === 'skip') continue;
      const location = state.location;
      if (!regionContains(location, row)) {
        // The newest region at or before the row ends before it: a split or merge is in flight.
        throw new ConnectionError(
          `no region of ${table.metaPrefix} holds row ${JSON.stringify(Buffer.from(row).toString())} yet (hbase:meta has a hole after ${location.name.toString()})`,
        );
      }
      this.cache.add(location);
      return location;
    }
    if (response.results.length === 0) {
      throw new ConfigError(`HBase table ${table.metaPrefix} not found: no region of it in hbase:meta`);
    }
    throw new ConnectionError(
      `table ${table.metaPrefix} has no open region in hbase:meta for row ${JSON.stringify(Buffer.from(row).toString())}`,
    );
  }

  /** Every current region of a table, in key order (a forward scan of hbase:meta). */
  async regions(table: TableName, timeoutMs: number): Promise<RegionLocation[]> {
    const meta = await this.#metaServer();
    const found: RegionLocation[] = [];
    const response = await this.call<{ results: ResultMessage[]; more_results_in_region: boolean }>(
      meta,
      'Scan',
      'ScanRequest',
      {
        region: regionSpecifier(META_REGION_NAME),
        scan: {
          start_row: metaStopRow(table),
          // ' ' sorts below every character a table name may hold: just past the table's rows.
          stop_row: Buffer.from(`${table.metaPrefix} ,,`),
          column: [{ family: Buffer.from('info') }],
          caching: 10_000,
        },
        number_of_rows: 10_000,
        close_scanner: true,
      },
      timeoutMs,
    );
    for (const result of response.results) {
      const state = parseMetaRow(result, table);
      if (state.kind === 'region') found.push(state.location);
    }
    return found;
  }

  /** Forget a location after the server said the region is not (or no longer) there. */
  invalidate(location: RegionLocation | undefined, error: unknown): void {
    if (location === undefined) return;
    this.cache.remove(location);
    // A dead or restarted server took all its regions with it.
    if (!(error instanceof Error && 'className' in error)) {
      this.cache.removeServer(location.server.host, location.server.port);
    }
  }

  /** Runs `fn` against the region holding `row`, re-locating and retrying as HBase errors ask. */
  async withRegion<R>(
    table: TableName,
    row: Uint8Array,
    kind: OperationKind,
    what: string,
    fn: (location: RegionLocation, timeoutMs: number) => Promise<R>,
  ): Promise<R> {
    this.assertOpen(what);
    const budget = new RetryBudget(this.options, what);
    let reload = false;
    for (;;) {
      let location: RegionLocation | undefined;
      try {
        location = await this.locate(table, row.length === 0 ? EMPTY : row, budget.rpcTimeout(), reload);
        return await fn(location, budget.rpcTimeout());
      } catch (error) {
        if (this.#closed) throw new StateError(`${what}: the HBase client was closed`, { cause: error });
        const decision = retryDecision(error);
        if (decision === 'fail') throw toDStreamError(error, kind, what);
        this.invalidate(location, error);
        reload = decision !== 'retry';
        await budget.next(error, kind);
      }
    }
  }

  async #metaServerUncached(): Promise<ServerAddress> {
    return this.registry.metaLocation();
  }

  #metaServer(): Promise<ServerAddress> {
    if (this.#meta === undefined) {
      const lookup = this.#metaServerUncached();
      this.#meta = lookup;
      lookup.catch(() => {
        if (this.#meta === lookup) this.#meta = undefined;
      });
    }
    return this.#meta;
  }

  /** Ends every connection and the ZooKeeper session; later calls fail with a StateError. */
  close(): void {
    this.#closed = true;
    for (const connection of this.#connections.values()) connection.close();
    this.#connections.clear();
    this.registry.close();
  }

  /** Open connections, for tests of close(). */
  openConnections(): number {
    let open = 0;
    for (const connection of this.#connections.values()) if (!connection.closed) open++;
    return open;
  }
}
