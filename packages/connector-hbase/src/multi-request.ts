import { ConfigError } from '@dstream/core';
import type { TableName } from './bytes.js';
import { type OperationKind, HBaseRemoteException, retryDecision, toDStreamError } from './hbase-errors.js';
import type { RegionLocation, ResultMessage } from './region-locator.js';
import { RetryBudget, type RegionTransport, regionSpecifier } from './region-transport.js';

/**
 * One unit of a Multi call: either a plain action (several share one RegionAction) or an atomic
 * group with an optional condition (a RegionAction of its own: HBase's checkAndRowMutate).
 */
export interface MultiItem {
  readonly row: Buffer;
  /** `Action` messages without their index: `{ mutation }` or `{ get }`. */
  readonly actions: readonly Record<string, unknown>[];
  readonly atomic: boolean;
  readonly condition?: Record<string, unknown>;
}

export interface MultiItemResult {
  readonly result: ResultMessage | undefined;
  /** For conditional items: whether the condition held and the mutations were applied. */
  readonly processed: boolean;
}

interface NameBytesPair {
  name: string;
  value: Buffer;
}

interface MultiResponse {
  regionActionResult: Array<{
    resultOrException: Array<{
      index: number;
      result: ResultMessage | null;
      exception: NameBytesPair | null;
    }>;
    exception: NameBytesPair | null;
    processed: boolean;
  }>;
}

function remoteOf(pair: NameBytesPair, server: string): HBaseRemoteException {
  return new HBaseRemoteException(pair.name, pair.value?.toString() ?? '', server);
}

interface Batch {
  readonly location: RegionLocation;
  readonly items: number[];
}

/**
 * Sends items as Multi calls grouped per region server (one call per server, in parallel), and
 * retries only the items whose region moved or whose server failed, until every item succeeded or
 * the retry budget is spent. Results are returned in the items' order.
 */
export async function runMulti(
  transport: RegionTransport,
  table: TableName,
  items: readonly MultiItem[],
  kind: OperationKind,
  what: string,
  nonceGroup?: unknown,
): Promise<MultiItemResult[]> {
  transport.assertOpen(what);
  const results: Array<MultiItemResult | undefined> = new Array(items.length);
  let pending = items.map((_, i) => i);
  const budget = new RetryBudget(transport.options, what);
  while (pending.length > 0) {
    const retry: number[] = [];
    let retryError: unknown;
    let failure: unknown;
    // Group pending items by server, then by region.
    const servers = new Map<string, Map<string, Batch>>();
    const timeout = budget.rpcTimeout();
    for (const index of pending) {
      const item = items[index]!;
      let location: RegionLocation;
      try {
        // Invalidated locations are looked up again; the rest come from the cache.
        location = await transport.locate(table, item.row, timeout);
      } catch (error) {
        if (retryDecision(error) === 'fail') throw toDStreamError(error, kind, what);
        retry.push(index);
        retryError = error;
        continue;
      }
      const serverKey = `${location.server.host}:${location.server.port}`;
      let regions = servers.get(serverKey);
      if (regions === undefined) servers.set(serverKey, (regions = new Map()));
      const regionKey = location.name.toString('latin1');
      let batch = regions.get(regionKey);
      if (batch === undefined) regions.set(regionKey, (batch = { location, items: [] }));
      batch.items.push(index);
    }
    await Promise.all(
      [...servers.values()].map(async (regions) => {
        const batches = [...regions.values()];
        const regionActions: Record<string, unknown>[] = [];
        // Which items each RegionAction carries, in request order.
        const owners: Array<{ batch: Batch; items: number[] }> = [];
        for (const batch of batches) {
          const plain = batch.items.filter((i) => !items[i]!.atomic);
          if (plain.length > 0) {
            regionActions.push({
              region: regionSpecifier(batch.location.name),
              action: plain.map((i) => ({ ...items[i]!.actions[0], index: i })),
            });
            owners.push({ batch, items: plain });
          }
          for (const i of batch.items.filter((j) => items[j]!.atomic)) {
            const item = items[i]!;
            regionActions.push({
              region: regionSpecifier(batch.location.name),
              atomic: true,
              action: item.actions.map((action, k) => ({ ...action, index: k })),
              ...(item.condition === undefined ? {} : { condition: item.condition }),
            });
            owners.push({ batch, items: [i] });
          }
        }
        const server = batches[0]!.location.server;
        let response: MultiResponse;
        try {
          response = await transport.call<MultiResponse>(
            server,
            'Multi',
            'MultiRequest',
            { regionAction: regionActions, ...(nonceGroup === undefined ? {} : { nonceGroup }) },
            timeout,
          );
        } catch (error) {
          const decision = retryDecision(error);
          if (decision === 'fail') {
            failure ??= error;
            return;
          }
          for (const batch of batches) transport.invalidate(batch.location, error);
          for (const owner of owners) retry.push(...owner.items);
          retryError = error;
          return;
        }
        const address = `${server.host}:${server.port}`;
        response.regionActionResult.forEach((regionResult, r) => {
          const owner = owners[r];
          if (owner === undefined) return;
          if (regionResult.exception) {
            const remote = remoteOf(regionResult.exception, address);
            const decision = retryDecision(remote);
            if (decision === 'fail') failure ??= remote;
            else {
              if (decision !== 'retry') transport.invalidate(owner.batch.location, remote);
              retry.push(...owner.items);
              retryError = remote;
            }
            return;
          }
          const atomic = owner.items.length === 1 && items[owner.items[0]!]!.atomic;
          if (atomic) {
            const index = owner.items[0]!;
            const first = regionResult.resultOrException.find((r) => r.exception);
            if (first?.exception) {
              const remote = remoteOf(first.exception, address);
              const decision = retryDecision(remote);
              if (decision === 'fail') failure ??= remote;
              else {
                if (decision !== 'retry') transport.invalidate(owner.batch.location, remote);
                retry.push(index);
                retryError = remote;
              }
              return;
            }
            const processed = items[index]!.condition === undefined ? true : regionResult.processed;
            results[index] = { result: regionResult.resultOrException[0]?.result ?? undefined, processed };
            return;
          }
          for (const entry of regionResult.resultOrException) {
            if (entry.exception) {
              const remote = remoteOf(entry.exception, address);
              const decision = retryDecision(remote);
              if (decision === 'fail') failure ??= remote;
              else {
                if (decision !== 'retry') transport.invalidate(owner.batch.location, remote);
                retry.push(entry.index);
                retryError = remote;
              }
            } else {
              results[entry.index] = { result: entry.result ?? undefined, processed: true };
            }
          }
          // An action the server did not answer at all is retried, never assumed done.
          for (const index of owner.items) {
            if (results[index] === undefined && !retry.includes(index)) {
              retry.push(index);
              retryError = new HBaseRemoteException(
                'MissingActionResult',
                `no result for action ${index}`,
                address,
              );
            }
          }
        });
      }),
    );
    if (failure !== undefined) throw toDStreamError(failure, kind, what);
    pending = retry;
    if (pending.length > 0) {
      await budget.next(retryError, kind);
    }
  }
  return results.map((result, i) => {
    if (result === undefined) throw new ConfigError(`${what}: item ${i} has no result`);
    return result;
  });
}
