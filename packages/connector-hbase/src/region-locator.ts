import { ConnectionError } from '@dstream/core';
import { type TableName, compareBytes, EMPTY } from './bytes.js';
import { decodeMessage } from './protocol/hbase-proto.js';
import type { ServerAddress } from './zookeeper-registry.js';

/** Where one region of a table lives. */
export interface RegionLocation {
  /** `<namespace:>table` as written in hbase:meta. */
  readonly table: string;
  /** The full region name (the region's row key in hbase:meta). */
  readonly name: Buffer;
  readonly startKey: Buffer;
  /** Empty for the table's last region. */
  readonly endKey: Buffer;
  readonly regionId: number;
  readonly server: ServerAddress;
  /** The RegionInfo as read from meta, for admin calls that take it back (split). */
  readonly info: RegionInfoMessage;
}

export interface RegionInfoMessage {
  region_id: unknown;
  table_name: { namespace: Buffer; qualifier: Buffer };
  start_key: Buffer;
  end_key: Buffer;
  offline: boolean;
  split: boolean;
  replica_id: number;
}

export interface CellMessage {
  row: Buffer;
  family: Buffer;
  qualifier: Buffer;
  timestamp: unknown;
  value: Buffer;
}

export interface ResultMessage {
  cell: CellMessage[];
}

/** hbase:meta's only region; its name never changes. */
export const META_REGION_NAME = Buffer.from('hbase:meta,,1');
const META_FAMILY = 'info';
const PB_MAGIC = Buffer.from('PBUF');

/** The encoded name of a region (the hash between the last two dots of its name). */
export function encodedRegionName(name: Buffer): string {
  const text = name.toString('latin1');
  const end = text.endsWith('.') ? text.length - 1 : text.length;
  const start = text.lastIndexOf('.', end - 1);
  return text.slice(start + 1, end);
}

export type MetaRowState = { kind: 'region'; location: RegionLocation } | { kind: 'skip'; reason: string };

/** Reads one hbase:meta row. Split parents and offline regions are skipped: they serve nothing. */
export function parseMetaRow(result: ResultMessage, table: TableName): MetaRowState {
  let info: RegionInfoMessage | undefined;
  let host: string | undefined;
  let startCode = 0;
  let name: Buffer = EMPTY;
  for (const cell of result.cell) {
    if (cell.family.toString() !== META_FAMILY) continue;
    name = cell.row;
    const qualifier = cell.qualifier.toString();
    if (qualifier === 'regioninfo') {
      const value = cell.value.subarray(0, 4).equals(PB_MAGIC) ? cell.value.subarray(4) : cell.value;
      info = decodeMessage<RegionInfoMessage>('RegionInfo', value);
    } else if (qualifier === 'server') {
      host = cell.value.toString();
    } else if (qualifier === 'serverstartcode' && cell.value.length === 8) {
      startCode = Number(cell.value.readBigInt64BE(0));
    }
  }
  if (info === undefined)
    return { kind: 'skip', reason: `meta row ${name.toString()} has no info:regioninfo` };
  const namespace = info.table_name.namespace.toString();
  const qualifier = info.table_name.qualifier.toString();
  if (namespace !== table.namespace || qualifier !== table.qualifier) {
    return { kind: 'skip', reason: `meta row ${name.toString()} belongs to ${namespace}:${qualifier}` };
  }
  if (info.split || info.offline)
    return { kind: 'skip', reason: `region ${name.toString()} is a split parent / offline` };
  if ((info.replica_id ?? 0) !== 0)
    return { kind: 'skip', reason: `region ${name.toString()} is a read replica` };
  if (host === undefined) {
    throw new ConnectionError(
      `region ${name.toString()} of ${table.metaPrefix} is not assigned to a server yet`,
    );
  }
  const colon = host.lastIndexOf(':');
  const server: ServerAddress = {
    host: host.slice(0, colon),
    port: Number(host.slice(colon + 1)),
    startCode,
  };
  return {
    kind: 'region',
    location: {
      table: table.metaPrefix,
      name,
      startKey: info.start_key ?? EMPTY,
      endKey: info.end_key ?? EMPTY,
      regionId: Number(String(info.region_id)),
      server,
      info,
    },
  };
}

/** True when `row` belongs to the region [startKey, endKey). */
export function regionContains(
  location: Pick<RegionLocation, 'startKey' | 'endKey'>,
  row: Uint8Array,
): boolean {
  if (compareBytes(location.startKey, row) > 0) return false;
  return location.endKey.length === 0 || compareBytes(row, location.endKey) < 0;
}

/** The meta row to start a reversed scan from: sorts after every region row of `table` that starts at or before `row`. */
export function metaSearchRow(table: TableName, row: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${table.metaPrefix},`), row, Buffer.from(',99999999999999')]);
}

/** The reversed scan's stop row: `"<table>,,"` sorts just below the table's first region row. */
export function metaStopRow(table: TableName): Buffer {
  return Buffer.from(`${table.metaPrefix},,`);
}

/**
 * Cached region locations of each table, sorted by start key. Entries are replaced when a newer
 * lookup overlaps them and dropped when a server says the region is not (or no longer) there.
 */
export class RegionCache {
  readonly #tables = new Map<string, RegionLocation[]>();

  find(table: string, row: Uint8Array): RegionLocation | undefined {
    const regions = this.#tables.get(table);
    if (regions === undefined) return undefined;
    let low = 0;
    let high = regions.length - 1;
    let found: RegionLocation | undefined;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const region = regions[mid]!;
      if (compareBytes(region.startKey, row) <= 0) {
        found = region;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found !== undefined && regionContains(found, row) ? found : undefined;
  }

  add(location: RegionLocation): void {
    const regions = (this.#tables.get(location.table) ?? []).filter((r) => !overlaps(r, location));
    let index = regions.findIndex((r) => compareBytes(r.startKey, location.startKey) > 0);
    if (index < 0) index = regions.length;
    regions.splice(index, 0, location);
    this.#tables.set(location.table, regions);
  }

  remove(location: RegionLocation): void {
    const regions = this.#tables.get(location.table);
    if (regions === undefined) return;
    const kept = regions.filter((r) => !r.name.equals(location.name));
    this.#tables.set(location.table, kept);
  }

  /** Drops every region cached on `server` (it died or restarted). */
  removeServer(host: string, port: number): void {
    for (const [table, regions] of this.#tables) {
      this.#tables.set(
        table,
        regions.filter((r) => r.server.host !== host || r.server.port !== port),
      );
    }
  }

  clear(table?: string): void {
    if (table === undefined) this.#tables.clear();
    else this.#tables.delete(table);
  }
}

function overlaps(a: RegionLocation, b: RegionLocation): boolean {
  const aEndsBeforeB = a.endKey.length > 0 && compareBytes(a.endKey, b.startKey) <= 0;
  const bEndsBeforeA = b.endKey.length > 0 && compareBytes(b.endKey, a.startKey) <= 0;
  return !aEndsBeforeB && !bEndsBeforeA;
}
