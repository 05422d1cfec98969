import { type Bytes, type TableName, EMPTY, compareBytes, toBuffer } from './bytes.js';
import { retryDecision, toDStreamError } from './hbase-errors.js';
import { type ColumnSelector, type HBaseRow, fromResultProto } from './mutations.js';
import type { UInt64 } from './protocol/hbase-proto.js';
import type { RegionLocation, ResultMessage } from './region-locator.js';
import { RetryBudget, type RegionTransport, regionSpecifier } from './region-transport.js';

export interface ScanOptions {
  /** First row (inclusive). Default: the table's first row. */
  readonly startRow?: Bytes;
  /** Row to stop before (exclusive). Default: the table's end. */
  readonly stopRow?: Bytes;
  readonly columns?: readonly ColumnSelector[];
  /** Rows fetched per round trip. Default 1000. */
  readonly caching?: number;
  /** Stop after this many rows. */
  readonly limit?: number;
}

interface ScanResponse {
  scanner_id: UInt64 | null;
  more_results: boolean;
  more_results_in_region: boolean | null;
  results: ResultMessage[];
}

function columnsProto(columns: readonly ColumnSelector[] | undefined): Record<string, unknown>[] {
  const families = new Map<string, { family: Buffer; qualifier: Buffer[] }>();
  for (const column of columns ?? []) {
    const family = toBuffer(column.family);
    const key = family.toString('latin1');
    let entry = families.get(key);
    if (entry === undefined) families.set(key, (entry = { family, qualifier: [] }));
    if (column.qualifier !== undefined) entry.qualifier.push(toBuffer(column.qualifier));
  }
  return [...families.values()];
}

/**
 * Scans region after region. Each region's scanner is read until the server says the region has
 * no more rows (`more_results_in_region`), then the next region starts at this one's end key. A
 * failure (region moved, server gone, scanner expired) re-opens the scan just after the last row
 * returned, so no row is lost or repeated.
 */
export async function* scanRows(
  transport: RegionTransport,
  table: TableName,
  options: ScanOptions,
): AsyncGenerator<HBaseRow> {
  const what = `HBase scan of ${table.metaPrefix}`;
  transport.assertOpen(what);
  const stopRow = options.stopRow === undefined ? EMPTY : toBuffer(options.stopRow);
  const caching = options.caching ?? 1000;
  const maxResultSize = 2 * 1024 * 1024;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const columns = columnsProto(options.columns);
  let start = options.startRow === undefined ? EMPTY : toBuffer(options.startRow);
  let includeStart = true;
  let returned = 0;
  let failures = 0;
  let budget = new RetryBudget(transport.options, what);

  while (returned < limit) {
    let location: RegionLocation | undefined;
    let scannerId: UInt64 | null = null;
    let sequence = 0;
    let regionDone = false;
    try {
      location = await transport.locate(table, start, budget.rpcTimeout(), failures > 0);
      const server = location.server;
      let response = await transport.call<ScanResponse>(
        server,
        'Scan',
        'ScanRequest',
        {
          region: regionSpecifier(location.name),
          scan: {
            start_row: start,
            ...(stopRow.length > 0 ? { stop_row: stopRow } : {}),
            column: columns,
            caching,
            // Like the Java client: the server stops a round trip at ~2 MiB (whole rows only).
            max_result_size: maxResultSize,
            include_start_row: includeStart,
          },
          number_of_rows: caching,
        },
        budget.rpcTimeout(),
      );
      for (;;) {
        scannerId = response.scanner_id ?? scannerId;
        for (const result of response.results) {
          const row = fromResultProto(result);
          if (row === undefined) continue;
          start = row.row;
          includeStart = false;
          returned++;
          yield row;
          if (returned >= limit) break;
        }
        // A fresh budget for each successful round trip: the bound is on consecutive failures.
        budget = new RetryBudget(transport.options, what);
        failures = 0;
        const moreInRegion = response.more_results_in_region ?? response.more_results;
        if (returned >= limit || !moreInRegion || !response.more_results) {
          regionDone = !moreInRegion || !response.more_results;
          break;
        }
        response = await transport.call<ScanResponse>(
          server,
          'Scan',
          'ScanRequest',
          { scanner_id: scannerId, number_of_rows: caching, next_call_seq: sequence },
          budget.rpcTimeout(),
        );
        sequence++;
      }
    } catch (error) {
      const decision = retryDecision(error);
      if (decision === 'fail') throw toDStreamError(error, 'read', what);
      transport.invalidate(location, error);
      failures++;
      await budget.next(error, 'read');
      continue;
    } finally {
      if (scannerId !== null && !regionDone && location !== undefined) {
        // Stopped early (limit or the consumer broke out): release the server's scanner.
        const server = location.server;
        void transport
          .call(
            server,
            'Scan',
            'ScanRequest',
            { scanner_id: scannerId, close_scanner: true, number_of_rows: 0 },
            5_000,
          )
          .catch(() => undefined);
      }
    }
    if (returned >= limit) return;
    // The region is exhausted: continue in the next one, if the scan reaches it.
    const end = location!.endKey;
    if (end.length === 0 || (stopRow.length > 0 && compareBytes(end, stopRow) >= 0)) return;
    start = end;
    includeStart = true;
  }
}
