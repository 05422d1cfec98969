import { ConfigError } from '@dstream/core';

/** A value Redis stores verbatim: strings and Buffers as bytes, numbers in their decimal form. */
export type RedisValue = string | number | Buffer;

/** SET key value [EX ttlSeconds]: idempotent. */
export interface SetCommand {
  readonly op: 'set';
  readonly key: string;
  readonly value: RedisValue;
  /** Expire the key after this many seconds (SET … EX). */
  readonly ttlSeconds?: number;
}

/** HSET key field value …: idempotent. */
export interface HsetCommand {
  readonly op: 'hset';
  readonly key: string;
  readonly fields: Readonly<Record<string, RedisValue>>;
}

/** INCRBY key increment: not idempotent (a replay adds again). */
export interface IncrbyCommand {
  readonly op: 'incrby';
  readonly key: string;
  /** A whole number (may be negative). */
  readonly increment: number;
}

/** HINCRBY key field increment: not idempotent. */
export interface HincrbyCommand {
  readonly op: 'hincrby';
  readonly key: string;
  readonly field: string;
  readonly increment: number;
}

/** ZINCRBY key increment member: not idempotent. */
export interface ZincrbyCommand {
  readonly op: 'zincrby';
  readonly key: string;
  readonly member: RedisValue;
  /** Any finite number (sorted-set scores are doubles). */
  readonly increment: number;
}

/** ZADD key score member …: sets absolute scores, so idempotent (a leaderboard of a window). */
export interface ZaddCommand {
  readonly op: 'zadd';
  readonly key: string;
  /** member → score (finite numbers). */
  readonly scores: Readonly<Record<string, number>>;
}

/** DEL key: idempotent; clears a key before it is rebuilt in the same partition's commands. */
export interface DelCommand {
  readonly op: 'del';
  readonly key: string;
}

/** XADD key [MAXLEN ~ n] id field value …: idempotent only with an explicit `id`. */
export interface XaddCommand {
  readonly op: 'xadd';
  readonly key: string;
  /** An explicit entry id (`<ms>-<seq>`); default `*` (Redis assigns one, so a replay appends again). */
  readonly id?: string;
  readonly fields: Readonly<Record<string, RedisValue>>;
  /** Trim the stream to about this many entries (MAXLEN ~). */
  readonly maxLen?: number;
}

/** EXPIRE key seconds: idempotent. */
export interface ExpireCommand {
  readonly op: 'expire';
  readonly key: string;
  readonly seconds: number;
}

/** One Redis write, built from a record by the sink's `commands` function. */
export type RedisCommand =
  | SetCommand
  | HsetCommand
  | IncrbyCommand
  | HincrbyCommand
  | ZincrbyCommand
  | ZaddCommand
  | DelCommand
  | XaddCommand
  | ExpireCommand;

export type RedisOp = RedisCommand['op'];

/** A command ready for the wire: the op, its single key, and the arguments after the key. */
export interface EncodedCommand {
  readonly op: RedisOp;
  readonly key: string;
  readonly args: RedisValue[];
  /** True when applying it twice leaves the same result as once. */
  readonly idempotent: boolean;
  /** XADD with an explicit id: a replay is rejected by Redis as "not newer", which means "already there". */
  readonly explicitStreamId: boolean;
}

/**
 * Commands with more fields than this are split (HSET) or rejected (XADD): the exactly-once script
 * passes a command's arguments to `redis.call` through Lua's `unpack`, which is bounded (~8000).
 */
export const maxFieldsPerCommand = 1000;

const streamId = /^\d+(-(\d+|\*))?$/;

/** Typed constructors, for builders that read better as calls than as object literals. */
export const redisCommands = {
  set: (key: string, value: RedisValue, ttlSeconds?: number): SetCommand =>
    ttlSeconds === undefined ? { op: 'set', key, value } : { op: 'set', key, value, ttlSeconds },
  hset: (key: string, fields: Record<string, RedisValue>): HsetCommand => ({ op: 'hset', key, fields }),
  incrby: (key: string, increment: number): IncrbyCommand => ({ op: 'incrby', key, increment }),
  hincrby: (key: string, field: string, increment: number): HincrbyCommand => ({
    op: 'hincrby',
    key,
    field,
    increment,
  }),
  zincrby: (key: string, member: RedisValue, increment: number): ZincrbyCommand => ({
    op: 'zincrby',
    key,
    member,
    increment,
  }),
  xadd: (key: string, fields: Record<string, RedisValue>, id?: string): XaddCommand =>
    id === undefined ? { op: 'xadd', key, fields } : { op: 'xadd', key, fields, id },
  expire: (key: string, seconds: number): ExpireCommand => ({ op: 'expire', key, seconds }),
  zadd: (key: string, scores: Record<string, number>): ZaddCommand => ({ op: 'zadd', key, scores }),
  del: (key: string): DelCommand => ({ op: 'del', key }),
} as const;

function checkValue(value: unknown, what: string): RedisValue {
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new ConfigError(`redisSink: ${what} must be a string, Buffer or finite number, got ${typeof value}`);
}

function checkInteger(value: unknown, what: string, min = Number.MIN_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(`redisSink: ${what} must be a whole number >= ${min}, got ${String(value)}`);
  }
  return value;
}

function fieldArgs(fields: unknown, what: string): RedisValue[] {
  if (typeof fields !== 'object' || fields === null) {
    throw new ConfigError(`redisSink: ${what}.fields must be an object of field → value`);
  }
  const args: RedisValue[] = [];
  for (const [field, value] of Object.entries(fields)) args.push(field, checkValue(value, `${what} field`));
  if (args.length === 0) throw new ConfigError(`redisSink: ${what}.fields is empty`);
  return args;
}

/**
 * Validates one command and turns it into wire form. HSETs with many fields come back as several
 * HSETs on the same key (same effect), so that every command fits the exactly-once script.
 */
export function encodeCommand(command: RedisCommand, out: EncodedCommand[]): void {
  if (typeof command !== 'object' || command === null) {
    throw new ConfigError(`redisSink: the commands function returned ${String(command)}, not a command`);
  }
  const { op, key } = command;
  if (typeof key !== 'string' || key.length === 0) {
    throw new ConfigError(
      `redisSink: ${String(op)} needs a non-empty string key, got ${JSON.stringify(key)}`,
    );
  }
  const push = (args: RedisValue[], idempotent: boolean, explicitStreamId = false): void => {
    out.push({ op, key, args, idempotent, explicitStreamId });
  };
  switch (op) {
    case 'set': {
      const args = [checkValue(command.value, 'set value')];
      if (command.ttlSeconds !== undefined)
        args.push('EX', checkInteger(command.ttlSeconds, 'set ttlSeconds', 1));
      push(args, true);
      return;
    }
    case 'hset': {
      const args = fieldArgs(command.fields, 'hset');
      for (let i = 0; i < args.length; i += 2 * maxFieldsPerCommand) {
        push(args.slice(i, i + 2 * maxFieldsPerCommand), true);
      }
      return;
    }
    case 'incrby':
      push([checkInteger(command.increment, 'incrby increment')], false);
      return;
    case 'hincrby':
      if (typeof command.field !== 'string')
        throw new ConfigError('redisSink: hincrby field must be a string');
      push([command.field, checkInteger(command.increment, 'hincrby increment')], false);
      return;
    case 'zincrby':
      if (typeof command.increment !== 'number' || !Number.isFinite(command.increment)) {
        throw new ConfigError(
          `redisSink: zincrby increment must be a finite number, got ${command.increment}`,
        );
      }
      push([command.increment, checkValue(command.member, 'zincrby member')], false);
      return;
    case 'zadd': {
      if (typeof command.scores !== 'object' || command.scores === null)
        throw new ConfigError('redisSink: zadd.scores must be an object of member → score');
      const args: RedisValue[] = [];
      for (const [member, score] of Object.entries(command.scores)) {
        if (typeof score !== 'number' || !Number.isFinite(score))
          throw new ConfigError(
            `redisSink: zadd score of ${JSON.stringify(member)} must be a finite number, got ${String(score)}`,
          );
        args.push(score, member);
      }
      if (args.length === 0) throw new ConfigError('redisSink: zadd.scores is empty');
      for (let i = 0; i < args.length; i += 2 * maxFieldsPerCommand)
        push(args.slice(i, i + 2 * maxFieldsPerCommand), true);
      return;
    }
    case 'del':
      push([], true);
      return;
    case 'xadd': {
      const fields = fieldArgs(command.fields, 'xadd');
      if (fields.length > 2 * maxFieldsPerCommand) {
        throw new ConfigError(
          `redisSink: xadd has ${fields.length / 2} fields, more than ${maxFieldsPerCommand}`,
        );
      }
      const id = command.id ?? '*';
      if (id !== '*' && (typeof id !== 'string' || !streamId.test(id))) {
        throw new ConfigError(`redisSink: xadd id must be '*' or '<ms>-<seq>', got ${JSON.stringify(id)}`);
      }
      const args: RedisValue[] = [];
      if (command.maxLen !== undefined)
        args.push('MAXLEN', '~', checkInteger(command.maxLen, 'xadd maxLen', 0));
      args.push(id, ...fields);
      const explicit = id !== '*' && !id.endsWith('-*');
      push(args, explicit, explicit);
      return;
    }
    case 'expire':
      push([checkInteger(command.seconds, 'expire seconds')], true);
      return;
    default:
      throw new ConfigError(
        `redisSink: unknown op ${JSON.stringify(op)}; use set, hset, incrby, hincrby, zincrby, zadd, del, xadd or expire`,
      );
  }
}
