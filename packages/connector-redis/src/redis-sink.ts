import { type ClientProvider, ConfigError, type Sink, type SinkContext } from '@dstream/core';
import { evalCached, raiseOffsetsScript, raiseOffsetsScriptSha } from './apply-script.js';
import { type CommandBuilder, checkPositive, commandChunks } from './command-chunks.js';
import {
  type RedisClient,
  type RedisConnection,
  describeConnection,
  isClientBroken,
  redisProvider,
} from './redis-client.js';
import { mapRedisError } from './redis-errors.js';
import { checkKeyPrefix, offsetField, redisOffsetStore } from './redis-offset-store.js';
import { writeExactlyOnce } from './write-exactly-once.js';
import { writePipelined } from './write-pipelined.js';

export type RedisSinkMode = 'pipelined' | 'exactly-once';

export interface RedisSinkOptions<T> {
  /** The Redis writes for one record: one command, several, or none (undefined/null). */
  readonly commands: CommandBuilder<T>;
  /**
   * `pipelined`: commands sent in pipelines, a replay writes again (at-least-once, or idempotent
   * with `idempotent: true`). `exactly-once`: a Lua script per partition applies the commands and a
   * batch marker atomically; a replayed batch is skipped (transactional).
   */
  readonly mode: RedisSinkMode;
  /**
   * Pipelined mode only: declare that every command is idempotent (SET, HSET, EXPIRE, XADD with an
   * explicit id); the sink then declares `idempotent` and rejects any other command with a ConfigError.
   */
  readonly idempotent?: boolean;
  /** Where clients come from; default one client per executor for `connection`. */
  readonly provider?: ClientProvider<RedisClient>;
  /** Used when no provider is given; default 127.0.0.1:6379. */
  readonly connection?: RedisConnection;
  /** CLIENT SETNAME of the default provider's client. Default `dstream-redis-sink`. */
  readonly connectionName?: string;
  /** Prefix of the sink's own keys (batch markers, offsets). Default `dstream`. */
  readonly keyPrefix?: string;
  /** The job id offsets are stored under (what the source passes to `offsetStore.load`). Default outputId. */
  readonly jobId?: string;
  /** How long a batch marker lives. Default 86 400 (a day); see the README for the trade-off. */
  readonly markerTtlSeconds?: number;
  /** Pipelined mode: commands per pipeline flush. Default 1000. */
  readonly pipelineSize?: number;
  /** Exactly-once mode: most commands in one script call (one atomic unit). Default 5000. */
  readonly maxCommandsPerScript?: number;
  /** Exactly-once mode: about the most argument bytes in one script call. Default 8 MiB. */
  readonly maxBytesPerScript?: number;
}

/** Counts of completed partition writes since the sink was made, in this executor: for tests and metrics. */
export interface RedisSinkStats {
  /** Partition writes that completed. */
  readonly partitions: number;
  /** Commands sent to Redis (replayed chunks that were skipped not included). */
  readonly commands: number;
  /** Exactly-once: script calls that applied a chunk. */
  readonly chunksApplied: number;
  /** Exactly-once: script calls that found their marker and skipped a replayed chunk. */
  readonly chunksSkipped: number;
}

/** A Sink with counts. */
export interface RedisSink<T> extends Sink<T> {
  stats(): RedisSinkStats;
}

/** The sink's own keys: one marker hash per output and batch time, one offsets hash per job. */
export function markerKey(keyPrefix: string, outputId: string, batchTime: number): string {
  return `${keyPrefix}:batch:${outputId}:${batchTime}`;
}

/**
 * A Redis sink. Each partition's commands go over the executor's client, in bounded chunks.
 *
 * ```ts
 * const views = redisSink<[string, number]>({
 *   mode: 'exactly-once',
 *   connection: 'redis://127.0.0.1:6379',
 *   commands: ([page, n]) => ({ op: 'incrby', key: `views:${page}`, increment: n }),
 * });
 * counts.to(views);
 * ```
 */
export function redisSink<T>(options: RedisSinkOptions<T>): RedisSink<T> {
  if (typeof options.commands !== 'function') {
    throw new ConfigError('redisSink: commands must be a function (record) => command | command[]');
  }
  const mode = options.mode;
  if (mode !== 'pipelined' && mode !== 'exactly-once') {
    throw new ConfigError(
      `redisSink: mode must be 'pipelined' or 'exactly-once', got ${JSON.stringify(mode)}`,
    );
  }
  if (mode === 'exactly-once' && options.idempotent !== undefined) {
    throw new ConfigError("redisSink: idempotent applies to mode 'pipelined' only");
  }
  const keyPrefix = checkKeyPrefix(options.keyPrefix ?? 'dstream', 'redisSink');
  const markerTtlSeconds = checkPositive(options.markerTtlSeconds, 86_400, 'markerTtlSeconds');
  const pipelineSize = checkPositive(options.pipelineSize, 1000, 'pipelineSize');
  const maxCommandsPerScript = checkPositive(options.maxCommandsPerScript, 5000, 'maxCommandsPerScript');
  const maxBytesPerScript = checkPositive(options.maxBytesPerScript, 8 * 1024 * 1024, 'maxBytesPerScript');
  const ownsProvider = options.provider === undefined;
  const provider =
    options.provider ?? redisProvider(options.connection, options.connectionName ?? 'dstream-redis-sink');
  const where = describeConnection(options.connection);
  const idempotent = options.idempotent === true;
  const offsetStore = mode === 'exactly-once' ? redisOffsetStore({ keyPrefix, provider }) : undefined;

  const acquire = async (doing: string): Promise<RedisClient> => {
    try {
      let client = await provider.acquire();
      for (let tries = 0; isClientBroken(client) && tries < 3; tries++) {
        // The connection died while idle: the provider closes it and makes a new one. perExecutor
        // forgets a broken client a tick after the release, hence the wait before acquiring again.
        provider.release(client, new Error('Connection is closed.'));
        await new Promise((resolve) => setImmediate(resolve));
        client = await provider.acquire();
      }
      return client;
    } catch (error) {
      throw mapRedisError(error, 'sink', doing, where);
    }
  };

  const counts = { partitions: 0, commands: 0, chunksApplied: 0, chunksSkipped: 0 };
  const sink: RedisSink<T> = {
    name: `redis ${mode} sink (${where})`,
    guarantee: mode === 'exactly-once' ? 'transactional' : idempotent ? 'idempotent' : 'at-least-once',
    mechanism:
      mode === 'exactly-once'
        ? `Lua script (EVALSHA) per partition chunk of <= ${maxCommandsPerScript} commands, applying them atomically with a record of them (the source offset range when partitions are aligned, else a batch marker ${keyPrefix}:batch:<output>:<time>) and the offsets; replays skipped`
        : idempotent
          ? 'pipelined idempotent commands (SET/HSET/EXPIRE/XADD with explicit ids)'
          : 'pipelined commands; a replay applies them again',
    ...(offsetStore === undefined ? {} : { offsetStore }),

    async writePartition(records: readonly T[], context: SinkContext): Promise<void> {
      const doing = `writing partition ${context.partition} of batch ${context.batchTime} (output ${context.outputId})`;
      const client = await acquire(doing);
      try {
        if (mode === 'pipelined') {
          const chunks = commandChunks(records, options.commands, pipelineSize, maxBytesPerScript);
          counts.commands += await writePipelined(client, chunks, idempotent, doing);
        } else {
          const chunks = commandChunks(records, options.commands, maxCommandsPerScript, maxBytesPerScript);
          const outcome = await writeExactlyOnce(client, chunks, context, {
            markerKeyPrefix: `${keyPrefix}:batch:${context.outputId}`,
            offsetsKey: `${keyPrefix}:offsets:${options.jobId ?? context.outputId}`,
            appliedKey: `${keyPrefix}:applied:${context.outputId}`,
            markerTtlSeconds,
            doing,
          });
          counts.commands += outcome.commands;
          counts.chunksApplied += outcome.applied;
          counts.chunksSkipped += outcome.skipped;
        }
        counts.partitions++;
        provider.release(client);
      } catch (error) {
        const mapped = mapRedisError(error, 'sink', doing, where);
        // A connection failure makes the client useless: hand it back with the error so the provider
        // closes it and the retry gets a fresh one. Other errors leave the connection healthy.
        provider.release(client, mapped.code === 'CONNECTION' ? mapped : undefined);
        throw mapped;
      }
    },

    async close() {
      if (ownsProvider) await provider.close();
    },

    stats: () => ({ ...counts }),
  };
  if (offsetStore !== undefined) {
    // The driver calls this once every partition is written: the batch's full offsets, so that
    // `offsetStore.load` answers where to resume even when partitions were not aligned with the source.
    sink.commitBatch = async (info) => {
      // The output's own record first (what replays are checked against), then the job's offsets.
      const fields: Array<string | number> = [];
      for (const r of info.offsetRanges) fields.push(offsetField(r.topic, r.partition), r.untilOffset);
      if (fields.length > 0) {
        try {
          const applied = `${keyPrefix}:applied:${info.outputId}`;
          await provider.use((c) =>
            evalCached(c, raiseOffsetsScript, raiseOffsetsScriptSha, [applied], fields),
          );
        } catch (error) {
          throw mapRedisError(error, 'sink', `recording the offsets of batch ${info.batchTime}`, where);
        }
      }
      await offsetStore.save(options.jobId ?? info.outputId, info.offsetRanges);
    };
  }
  return sink;
}
