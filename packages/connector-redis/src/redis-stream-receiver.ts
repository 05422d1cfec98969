import { hostname } from 'node:os';
import { ConfigError, type Receiver, type ReceiverContext } from '@dstream/core';
import {
  type RedisClient,
  type RedisConnection,
  createRedisClient,
  describeConnection,
} from './redis-client.js';
import { mapRedisError, replyText } from './redis-errors.js';

/** One stream entry as read: its stream, id and fields (Redis keeps field order). */
export interface StreamEntry {
  readonly stream: string;
  readonly id: string;
  readonly fields: Readonly<Record<string, string>>;
}

export interface RedisStreamReceiverOptions<T = StreamEntry> {
  /** The stream key(s) to read. */
  readonly streams: string | readonly string[];
  /** The consumer group; created (with MKSTREAM) if missing. */
  readonly group: string;
  /**
   * This consumer's name in the group. Keep it stable across restarts of the same instance: on
   * start the receiver first re-reads its own pending (delivered, never acknowledged) entries.
   * Default `dstream-<host>-<pid>-<streamId>`.
   */
  readonly consumer?: string;
  /** Where a new group starts: `$` (only new entries, default) or `0` (the whole stream). */
  readonly startId?: string;
  /** Default 127.0.0.1:6379. The receiver has its own connection: XREADGROUP BLOCK holds it. */
  readonly connection?: RedisConnection;
  /** Entries per read (one stored block). Default 500. */
  readonly count?: number;
  /** How long one XREADGROUP blocks waiting for entries, ms. Default 1000. */
  readonly blockMs?: number;
  /**
   * Entries another consumer received but did not acknowledge for this long (ms) are claimed with
   * XAUTOCLAIM (that consumer died). Default 30 000.
   */
  readonly claimMinIdleMs?: number;
  /** How often to look for such entries, ms. Default 10 000. */
  readonly claimIntervalMs?: number;
  /** Turns an entry into a record. Default: the entry itself. */
  readonly decode?: (entry: StreamEntry) => T;
}

type RawEntry = [id: string, fields: string[] | null];

function toEntries(stream: string, raw: unknown): { entries: StreamEntry[]; deleted: string[] } {
  const entries: StreamEntry[] = [];
  const deleted: string[] = [];
  for (const item of Array.isArray(raw) ? (raw as RawEntry[]) : []) {
    const [id, list] = item;
    // An entry deleted (XDEL, trimming) while pending comes back without fields: acknowledge it only.
    if (list === null || list === undefined) {
      deleted.push(id);
      continue;
    }
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < list.length; i += 2) fields[list[i] as string] = list[i + 1] as string;
    entries.push({ stream, id, fields });
  }
  return { entries, deleted };
}

/**
 * A reliable receiver over Redis Streams consumer groups: XREADGROUP … BLOCK, `storeAll` of each
 * read, XACK only after the block is stored (durable once the WAL is on). On start it re-reads its
 * own pending entries (id 0) and claims entries left pending by dead consumers (XAUTOCLAIM), so a
 * crash between read and acknowledgement loses nothing (it may deliver an entry twice).
 *
 * ```ts
 * const clicks = ctx.receiverStream(redisStreamReceiver({ streams: 'clicks', group: 'counter' }));
 * ```
 */
export function redisStreamReceiver<T = StreamEntry>(options: RedisStreamReceiverOptions<T>): Receiver<T> {
  const streams = typeof options.streams === 'string' ? [options.streams] : [...options.streams];
  if (streams.length === 0 || streams.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new ConfigError(
      `redisStreamReceiver: streams must be non-empty names, got ${JSON.stringify(streams)}`,
    );
  }
  if (typeof options.group !== 'string' || options.group.length === 0) {
    throw new ConfigError(
      `redisStreamReceiver: group must be a non-empty string, got ${JSON.stringify(options.group)}`,
    );
  }
  const group = options.group;
  const whole = (name: string, value: number | undefined, fallback: number, min: number): number => {
    const v = value ?? fallback;
    if (!Number.isSafeInteger(v) || v < min) {
      throw new ConfigError(
        `redisStreamReceiver: ${name} must be a whole number >= ${min}, got ${String(value)}`,
      );
    }
    return v;
  };
  const count = whole('count', options.count, 500, 1);
  const blockMs = whole('blockMs', options.blockMs, 1000, 1);
  const claimMinIdleMs = whole('claimMinIdleMs', options.claimMinIdleMs, 30_000, 0);
  const claimIntervalMs = whole('claimIntervalMs', options.claimIntervalMs, 10_000, 1);
  if (
    options.consumer !== undefined &&
    (typeof options.consumer !== 'string' || options.consumer.length === 0)
  ) {
    throw new ConfigError(
      `redisStreamReceiver: consumer must be a non-empty string, got ${JSON.stringify(options.consumer)}`,
    );
  }
  const decode = options.decode ?? ((entry: StreamEntry) => entry as unknown as T);
  const where = describeConnection(options.connection);

  let client: RedisClient | undefined;
  let loop: Promise<void> | undefined;
  let stopped = true;

  const run = async (context: ReceiverContext<T>, consumer: string): Promise<void> => {
    const c = await createRedisClient(options.connection, `dstream-receiver-${consumer}`);
    client = c;
    if (stopped) {
      c.disconnect();
      return;
    }
    for (const stream of streams) {
      await c
        .call('xgroup', 'CREATE', stream, group, options.startId ?? '$', 'MKSTREAM')
        .catch((error: unknown) => {
          if (!replyText(error).startsWith('BUSYGROUP')) throw error;
        });
    }
    const deliver = async (stream: string, raw: unknown): Promise<number> => {
      const { entries, deleted } = toEntries(stream, raw);
      if (entries.length > 0) await context.storeAll(entries.map(decode));
      const ids = [...entries.map((e) => e.id), ...deleted];
      // Acknowledge only what storeAll made durable: a crash before this line re-delivers.
      if (ids.length > 0 && !stopped) await c.call('xack', stream, group, ...ids);
      return ids.length;
    };
    // 1. Our own pending entries (a previous run of this consumer died before acknowledging).
    for (const stream of streams) {
      let from = '0';
      while (!stopped) {
        const reply = (await c.call(
          'xreadgroup',
          'GROUP',
          group,
          consumer,
          'COUNT',
          count,
          'STREAMS',
          stream,
          from,
        )) as Array<[string, RawEntry[]]> | null;
        const raw = reply?.[0]?.[1] ?? [];
        if (raw.length === 0) break;
        await deliver(stream, raw);
        from = raw[raw.length - 1]?.[0] ?? from;
      }
    }
    // 2. Entries other (dead) consumers left pending, then again every claimIntervalMs.
    const claim = async (): Promise<void> => {
      for (const stream of streams) {
        let cursor = '0-0';
        do {
          const reply = (await c.call(
            'xautoclaim',
            stream,
            group,
            consumer,
            claimMinIdleMs,
            cursor,
            'COUNT',
            count,
          )) as [string, RawEntry[]];
          cursor = reply[0];
          // Entries deleted while pending are dropped from the pending list by XAUTOCLAIM itself.
          await deliver(stream, reply[1]);
        } while (cursor !== '0-0' && !stopped);
      }
    };
    let lastClaim = Date.now();
    await claim();
    // 3. New entries.
    const newIds = streams.map(() => '>');
    while (!stopped) {
      const reply = (await c.call(
        'xreadgroup',
        'GROUP',
        group,
        consumer,
        'COUNT',
        count,
        'BLOCK',
        blockMs,
        'STREAMS',
        ...streams,
        ...newIds,
      )) as Array<[string, RawEntry[]]> | null;
      for (const [stream, raw] of reply ?? []) await deliver(stream, raw);
      if (Date.now() - lastClaim >= claimIntervalMs) {
        lastClaim = Date.now();
        await claim();
      }
    }
  };

  return {
    name: `redis streams ${streams.join(',')} (group ${group}, ${where})`,
    reliable: true,
    onStart(context) {
      stopped = false;
      const consumer = options.consumer ?? `dstream-${hostname()}-${process.pid}-${context.streamId}`;
      loop = run(context, consumer).catch((error: unknown) => {
        if (stopped || context.isStopped()) return;
        context.restart(
          `redis stream receiver ${group}/${consumer} failed`,
          mapRedisError(error, 'source', `reading ${streams.join(',')}`, where),
        );
      });
    },
    async onStop() {
      stopped = true;
      // Disconnecting ends a pending XREADGROUP BLOCK at once; the loop then sees `stopped`.
      client?.disconnect();
      client = undefined;
      await loop;
      loop = undefined;
    },
  };
}
