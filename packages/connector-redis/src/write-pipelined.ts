import { ConfigError, SinkWriteError } from '@dstream/core';
import type { CommandChunk } from './command-chunks.js';
import type { RedisClient } from './redis-client.js';
import type { EncodedCommand } from './redis-command.js';
import { isConnectionFailure, replyText } from './redis-errors.js';

/** What Redis answers to an XADD whose explicit id is not newer than the stream's last entry. */
const staleStreamId = 'is equal or smaller than the target stream top item';

interface Rejection {
  readonly index: number;
  readonly command: EncodedCommand;
  readonly message: string;
}

async function flush(client: RedisClient, chunk: CommandChunk, base: number): Promise<Rejection[]> {
  const pipeline = client.pipeline();
  for (const command of chunk.commands) pipeline.call(command.op, command.key, ...command.args);
  const results = await pipeline.exec();
  if (results === null) throw new Error('Connection is closed. (pipeline discarded)');
  const rejections: Rejection[] = [];
  for (let i = 0; i < results.length; i++) {
    const error = results[i]?.[0];
    if (error === null || error === undefined) continue;
    // The first connection error says it all: the rest of the pipeline is in an unknown state.
    if (isConnectionFailure(error)) throw error;
    const command = chunk.commands[i] as EncodedCommand;
    const message = replyText(error);
    // A replayed XADD with an explicit id: the entry is already there, which is what idempotent means.
    if (command.explicitStreamId && message.includes(staleStreamId)) continue;
    rejections.push({ index: base + i, command, message });
  }
  return rejections;
}

/**
 * Sends a partition's commands in pipelines of at most `pipelineSize`, two in flight at a time so
 * that building the next chunk overlaps the server's work on the previous one.
 */
export async function writePipelined(
  client: RedisClient,
  chunks: Iterable<CommandChunk>,
  idempotent: boolean,
  doing: string,
): Promise<number> {
  const rejected: Rejection[] = [];
  let inFlight: Promise<Rejection[]> | undefined;
  let sent = 0;
  for (const chunk of chunks) {
    if (chunk.commands.length === 0) continue;
    if (idempotent) {
      const bad = chunk.commands.find((c) => !c.idempotent);
      if (bad !== undefined) {
        throw new ConfigError(
          `redisSink: ${bad.op} on key ${bad.key} is not idempotent but the sink was declared idempotent ` +
            "(use SET, HSET, EXPIRE or XADD with an explicit id, or mode 'exactly-once')",
        );
      }
    }
    const next = flush(client, chunk, sent);
    // Handled later by the await below; this only keeps Node from reporting it as unhandled meanwhile.
    next.catch(() => undefined);
    sent += chunk.commands.length;
    if (inFlight !== undefined) rejected.push(...(await inFlight));
    inFlight = next;
  }
  if (inFlight !== undefined) rejected.push(...(await inFlight));
  if (rejected.length > 0) {
    const first = rejected[0] as Rejection;
    throw new SinkWriteError(
      `${doing}: Redis rejected ${rejected.length} of ${sent} commands; first: #${first.index} ` +
        `${first.command.op} on key ${first.command.key}: ${first.message}. The other commands were applied.`,
      { retryable: false },
    );
  }
  return sent;
}
