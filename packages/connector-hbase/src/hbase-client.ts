import { randomBytes } from 'node:crypto';
import { ConfigError } from '@dstream/core';
import { type Bytes, parseTableName, toBuffer } from './bytes.js';
import { HBaseAdmin } from './hbase-admin.js';
import type { HBaseClientOptions } from './hbase-client-options.js';
import { scanRows, type ScanOptions } from './hbase-scanner.js';
import { type MultiItem, runMulti } from './multi-request.js';
import {
  type DeleteColumn,
  type GetOptions,
  type HBaseRow,
  type IncrementAmount,
  type Mutation,
  type PutCell,
  fromResultProto,
  toGetProto,
  toMutationProto,
} from './mutations.js';
import { type UInt64Like, encodeMessage, fromBigInt } from './protocol/hbase-proto.js';
import type { ResultMessage } from './region-locator.js';
import { RegionTransport, regionSpecifier } from './region-transport.js';

/** How a condition compares the stored value with the given one: `stored <operator> value`. */
export type CompareOperator =
  | 'less'
  | 'less-or-equal'
  | 'equal'
  | 'not-equal'
  | 'greater-or-equal'
  | 'greater';

/**
 * HBase evaluates `compare(given, stored)`, so "stored < given" is its GREATER. We take the
 * natural reading and flip it here (CompareType numbers from HBase.proto).
 */
const serverCompareType: Record<CompareOperator, number> = {
  less: 5,
  'less-or-equal': 4,
  equal: 2,
  'not-equal': 3,
  'greater-or-equal': 1,
  greater: 0,
};

export interface CheckAndMutate {
  readonly row: Bytes;
  readonly family: Bytes;
  readonly qualifier: Bytes;
  /** Default `equal`. */
  readonly operator?: CompareOperator;
  /** The value to compare with; `null` checks that the cell does not exist. */
  readonly value: Bytes | null;
  /** Applied atomically when the condition holds; all for `row`. */
  readonly mutations: readonly Mutation[];
}

const BINARY_COMPARATOR = 'org.apache.hadoop.hbase.filter.BinaryComparator';

function conditionProto(check: CheckAndMutate): Record<string, unknown> {
  return {
    row: toBuffer(check.row),
    family: toBuffer(check.family),
    qualifier: toBuffer(check.qualifier),
    compare_type: serverCompareType[check.operator ?? 'equal'],
    comparator: {
      name: BINARY_COMPARATOR,
      // An empty comparable is HBase's "cell absent" check (as the Java client's ifNotExists).
      serialized_comparator: encodeMessage('BinaryComparator', {
        comparable: check.value === null ? {} : { value: toBuffer(check.value) },
      }),
    },
  };
}

/**
 * A small native HBase 2.x client: ZooKeeper for hbase:meta, protobuf RPC over TCP, region
 * location by reversed meta scans, cached and invalidated on region errors, bounded retries.
 *
 * ```ts
 * const client = createHBaseClient({ zookeeper: '127.0.0.1:2181' });
 * await client.put('pages', 'home', [{ family: 'f', qualifier: 'views', value: '1' }]);
 * await client.close();
 * ```
 */
export class HBaseClient {
  readonly #transport: RegionTransport;
  /** Server-side de-duplication of retried increments (HBase nonces). */
  readonly #nonceGroup: UInt64Like = fromBigInt(randomBytes(8).readBigUInt64BE(0) >> 1n);
  readonly admin: HBaseAdmin;

  constructor(options: HBaseClientOptions) {
    this.#transport = new RegionTransport(options);
    this.admin = new HBaseAdmin(this.#transport);
  }

  #nonce(): UInt64Like {
    return fromBigInt(randomBytes(8).readBigUInt64BE(0) >> 1n);
  }

  async put(
    table: string,
    row: Bytes,
    cells: readonly PutCell[],
    options: { timestamp?: number } = {},
  ): Promise<void> {
    await this.mutate(table, { type: 'put', row, cells, ...options });
  }

  async delete(table: string, row: Bytes, columns?: readonly DeleteColumn[]): Promise<void> {
    await this.mutate(table, { type: 'delete', row, ...(columns === undefined ? {} : { columns }) });
  }

  /** Adds to 8-byte counters; returns the row's new counter values. */
  async increment(
    table: string,
    row: Bytes,
    amounts: readonly IncrementAmount[],
  ): Promise<HBaseRow | undefined> {
    return this.mutate(table, { type: 'increment', row, amounts });
  }

  /** One mutation through ClientService.Mutate. */
  async mutate(table: string, mutation: Mutation): Promise<HBaseRow | undefined> {
    const name = parseTableName(table);
    const row = toBuffer(mutation.row);
    const nonce = mutation.type === 'increment' ? this.#nonce() : undefined;
    const what = `HBase ${mutation.type} on ${table}`;
    const response = await this.#transport.withRegion(name, row, 'write', what, (location, timeout) =>
      this.#transport.call<{ result: ResultMessage | null }>(
        location.server,
        'Mutate',
        'MutateRequest',
        {
          region: regionSpecifier(location.name),
          mutation: toMutationProto(mutation, nonce),
          ...(nonce === undefined ? {} : { nonce_group: this.#nonceGroup }),
        },
        timeout,
      ),
    );
    return fromResultProto(response.result);
  }

  /** Many mutations, as Multi calls grouped per region server; resolves once HBase took all of them. */
  async mutateMany(table: string, mutations: readonly Mutation[]): Promise<void> {
    if (mutations.length === 0) return;
    const name = parseTableName(table);
    const items: MultiItem[] = mutations.map((mutation) => ({
      row: toBuffer(mutation.row),
      actions: [
        { mutation: toMutationProto(mutation, mutation.type === 'increment' ? this.#nonce() : undefined) },
      ],
      atomic: false,
    }));
    await runMulti(
      this.#transport,
      name,
      items,
      'write',
      `HBase multi-mutate of ${mutations.length} on ${table}`,
      this.#nonceGroup,
    );
  }

  /** Applies the mutations atomically if the condition on the row holds; true when applied. */
  async checkAndMutate(table: string, check: CheckAndMutate): Promise<boolean> {
    const [applied] = await this.checkAndMutateMany(table, [check]);
    return applied ?? false;
  }

  /**
   * Many independent checkAndMutates in Multi calls (one atomic RegionAction with a condition
   * each: HBase 2.4+). Returns, in order, whether each was applied.
   */
  async checkAndMutateMany(table: string, checks: readonly CheckAndMutate[]): Promise<boolean[]> {
    if (checks.length === 0) return [];
    const name = parseTableName(table);
    const items: MultiItem[] = checks.map((check) => {
      const row = toBuffer(check.row);
      if (check.mutations.length === 0)
        throw new ConfigError(`checkAndMutate on ${table}: no mutations given`);
      for (const mutation of check.mutations) {
        if (!toBuffer(mutation.row).equals(row)) {
          throw new ConfigError(
            `checkAndMutate on ${table}: a mutation's row differs from the checked row ${row.toString()}`,
          );
        }
      }
      return {
        row,
        actions: check.mutations.map((mutation) => ({
          mutation: toMutationProto(mutation, mutation.type === 'increment' ? this.#nonce() : undefined),
        })),
        atomic: true,
        condition: conditionProto(check),
      };
    });
    const results = await runMulti(
      this.#transport,
      name,
      items,
      'write',
      `HBase checkAndMutate on ${table}`,
      this.#nonceGroup,
    );
    return results.map((r) => r.processed);
  }

  /** One row, or undefined when it does not exist. */
  async get(table: string, row: Bytes, options: GetOptions = {}): Promise<HBaseRow | undefined> {
    const name = parseTableName(table);
    const key = toBuffer(row);
    const response = await this.#transport.withRegion(
      name,
      key,
      'read',
      `HBase get on ${table}`,
      (location, timeout) =>
        this.#transport.call<{ result: ResultMessage | null }>(
          location.server,
          'Get',
          'GetRequest',
          { region: regionSpecifier(location.name), get: toGetProto(key, options) },
          timeout,
        ),
    );
    return fromResultProto(response.result);
  }

  /** Many rows in Multi calls; results in the order of `rows`, undefined for missing rows. */
  async getMany(
    table: string,
    rows: readonly Bytes[],
    options: GetOptions = {},
  ): Promise<Array<HBaseRow | undefined>> {
    if (rows.length === 0) return [];
    const name = parseTableName(table);
    const items: MultiItem[] = rows.map((row) => ({
      row: toBuffer(row),
      actions: [{ get: toGetProto(row, options) }],
      atomic: false,
    }));
    const results = await runMulti(
      this.#transport,
      name,
      items,
      'read',
      `HBase multi-get of ${rows.length} on ${table}`,
    );
    return results.map((r) => fromResultProto(r.result));
  }

  /** Rows in key order, region after region; stops early when the loop breaks. */
  scan(table: string, options: ScanOptions = {}): AsyncIterable<HBaseRow> {
    return scanRows(this.#transport, parseTableName(table), options);
  }

  /** A whole scan as an array. */
  async scanAll(table: string, options: ScanOptions = {}): Promise<HBaseRow[]> {
    const rows: HBaseRow[] = [];
    for await (const row of this.scan(table, options)) rows.push(row);
    return rows;
  }

  /** Connections currently open (to region servers and the master). */
  openConnections(): number {
    return this.#transport.openConnections();
  }

  /** Ends every connection and the ZooKeeper session. */
  async close(): Promise<void> {
    this.#transport.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

export function createHBaseClient(options: HBaseClientOptions): HBaseClient {
  return new HBaseClient(options);
}
