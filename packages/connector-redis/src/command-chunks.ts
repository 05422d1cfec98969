import { createHash } from 'node:crypto';
import { ConfigError, DStreamError, SerializationError } from '@dstream/core';
import { type EncodedCommand, type RedisCommand, encodeCommand } from './redis-command.js';

export interface CommandChunk {
  readonly commands: readonly EncodedCommand[];
  readonly index: number;
  /** True for the partition's last chunk (look-ahead: no command is left after it). */
  readonly last: boolean;
}

export type CommandBuilder<T> = (record: T) => RedisCommand | readonly RedisCommand[] | undefined | null;

function sizeOf(command: EncodedCommand): number {
  let size = command.key.length + 16;
  for (const arg of command.args) size += typeof arg === 'number' ? 8 : arg.length;
  return size;
}

/**
 * Turns a partition's records into chunks of at most `maxCommands` commands and about `maxBytes`
 * bytes (a single larger command gets a chunk of its own), building commands only as they are needed
 * so that memory stays bounded by one or two chunks, whatever the partition's size.
 */
export function* commandChunks<T>(
  records: readonly T[],
  build: CommandBuilder<T>,
  maxCommands: number,
  maxBytes: number,
): Generator<CommandChunk> {
  let next = 0;
  let pending: EncodedCommand[] = [];
  let pendingBytes = 0;
  const fill = (wantCommands: number, wantBytes: number): void => {
    while (next < records.length && pending.length < wantCommands && pendingBytes < wantBytes) {
      const record = records[next++] as T;
      let built: ReturnType<CommandBuilder<T>>;
      try {
        built = build(record);
      } catch (error) {
        if (DStreamError.isInstance(error)) throw error;
        throw new SerializationError(
          `redisSink: the commands function threw for record #${next - 1} of the partition: ${String(error)}`,
          { cause: error },
        );
      }
      if (built === undefined || built === null) continue;
      const start = pending.length;
      if (Array.isArray(built)) {
        for (const command of built as readonly RedisCommand[]) encodeCommand(command, pending);
      } else {
        encodeCommand(built as RedisCommand, pending);
      }
      for (let i = start; i < pending.length; i++) pendingBytes += sizeOf(pending[i] as EncodedCommand);
    }
  };
  let index = 0;
  for (;;) {
    fill(maxCommands, maxBytes);
    if (pending.length === 0 && index > 0) return;
    let take = 0;
    let bytes = 0;
    while (take < pending.length && take < maxCommands) {
      const size = sizeOf(pending[take] as EncodedCommand);
      if (take > 0 && bytes + size > maxBytes) break;
      bytes += size;
      take++;
    }
    const commands = pending.slice(0, take);
    pending = pending.slice(take);
    pendingBytes -= bytes;
    // Look ahead by one command so the caller knows whether this chunk is the last.
    fill(1, Number.POSITIVE_INFINITY);
    const last = pending.length === 0;
    yield { commands, index, last };
    index++;
    if (last) return;
  }
}

/** A digest of a chunk's content: equal on a replay that rebuilt the same commands in the same order. */
export function fingerprint(commands: readonly EncodedCommand[]): string {
  const hash = createHash('sha1');
  for (const command of commands) {
    hash.update(`${command.op}\u0000${command.key.length}:${command.key}\u0000${command.args.length}`);
    for (const arg of command.args) {
      const text = typeof arg === 'number' ? String(arg) : arg;
      hash.update(`\u0000${text.length}:`);
      hash.update(text);
    }
  }
  return hash.digest('hex');
}

export function checkPositive(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigError(`redisSink: ${what} must be a whole number >= 1, got ${String(value)}`);
  }
  return value;
}
