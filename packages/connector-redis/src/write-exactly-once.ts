import { createHash } from 'node:crypto';
import { type OffsetRange, type SinkContext, SinkWriteError } from '@dstream/core';
import { runApplyScript } from './apply-script.js';
import { type CommandChunk, fingerprint } from './command-chunks.js';
import type { RedisClient } from './redis-client.js';
import type { RedisValue } from './redis-command.js';
import { offsetField } from './redis-offset-store.js';

/** What one partition write did: script calls that applied a chunk, and those skipped as replays. */
export interface ExactlyOnceOutcome {
  applied: number;
  skipped: number;
  commands: number;
}

export interface ExactlyOnceTarget {
  /** `<keyPrefix>:batch:<outputId>`: the batch's identity is appended (see markerKeyOf). */
  readonly markerKeyPrefix: string;
  readonly offsetsKey: string;
  /** The output's own record of the last source offset applied per topic-partition. */
  readonly appliedKey: string;
  readonly markerTtlSeconds: number;
  readonly doing: string;
}

function nonEmpty(ranges: readonly OffsetRange[]): OffsetRange[] {
  return ranges.filter((r) => r.untilOffset > r.fromOffset);
}

/**
 * A batch with source offsets is named by them (and its partition count, which decides what each
 * partition holds after a shuffle): the same records recomputed under another batch time find their
 * marker. A batch without offsets (queue, receiver) is named by its time.
 */
export function markerKeyOf(target: { markerKeyPrefix: string }, context: SinkContext): string {
  const ranges = nonEmpty(context.offsetRanges);
  if (ranges.length === 0) return `${target.markerKeyPrefix}:${context.batchTime}`;
  const hash = createHash('sha1').update(String(context.numPartitions));
  for (const r of [...ranges].sort((a, b) =>
    a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition,
  )) {
    hash.update(`\u0000${offsetField(r.topic, r.partition)}:${r.fromOffset}-${r.untilOffset}`);
  }
  return `${target.markerKeyPrefix}:r${hash.digest('hex')}`;
}

/**
 * Applies a partition chunk by chunk, one script call per chunk (see apply-script.ts).
 *
 * A partition not aligned with a source partition that fits one chunk (the usual case) is one atomic unit: a replay skips it whatever
 * records it holds. A larger partition is applied as several atomic units, each with its own marker
 * field `<partition>:<chunk>`; that is exactly-once as long as a replay rebuilds the same commands in
 * the same order (a replayable source recomputing the same batch does), and the marker value holds a
 * digest of the chunk so that a replay with different content fails loudly instead of skipping or
 * applying the wrong chunk. The source offset is recorded with the last chunk only.
 *
 * A partition aligned with a source partition is identified by its offset range instead of its batch
 * time (see apply-script.ts), so a chunked one interrupted half-way resumes at the next chunk.
 */
export async function writeExactlyOnce(
  client: RedisClient,
  chunks: Iterable<CommandChunk>,
  context: SinkContext,
  target: ExactlyOnceTarget,
): Promise<ExactlyOnceOutcome> {
  const outcome: ExactlyOnceOutcome = { applied: 0, skipped: 0, commands: 0 };
  const range = context.partitionOffsetRange;
  const problems: string[] = [];
  let rejectedCount = 0;
  for (const chunk of chunks) {
    const single = chunk.index === 0 && chunk.last;
    // Nothing to write and no offset to record: no marker either.
    if (single && chunk.commands.length === 0 && range === undefined) return outcome;
    const keys: string[] = [markerKeyOf(target, context), target.offsetsKey, target.appliedKey];
    const args: RedisValue[] = [
      `${context.partition}:${chunk.index}`,
      single ? '1:-' : `m:${fingerprint(chunk.commands)}`,
      target.markerTtlSeconds,
      range === undefined ? '' : offsetField(range.topic, range.partition),
      range?.fromOffset ?? '',
      range?.untilOffset ?? '',
      chunk.index,
      chunk.last ? '1' : '0',
    ];
    const checked = range === undefined && chunk.index === 0 ? nonEmpty(context.offsetRanges) : [];
    args.push(checked.length);
    for (const r of checked) args.push(offsetField(r.topic, r.partition), r.fromOffset, r.untilOffset);
    for (const command of chunk.commands) {
      keys.push(command.key);
      args.push(command.op, command.args.length);
      for (const arg of command.args) args.push(arg);
    }
    const result = await runApplyScript(client, keys, args);
    if (result.kind === 'applied') {
      outcome.applied++;
      outcome.commands += chunk.commands.length;
    } else if (result.kind === 'skipped') {
      outcome.skipped++;
      // The whole source range (or batch) was applied before, under another batch time: nothing left.
      if (result.by === 'offsets') return outcome;
    }
    if (result.kind === 'conflict' && range === undefined) {
      throw new SinkWriteError(
        `${target.doing}: the batch's source ranges conflict with offsets this output already committed ` +
          `(${result.applied}); applying it could count records twice. Resume the source from sink.offsetStore.`,
        { retryable: false },
      );
    }
    if (result.kind === 'conflict' && range !== undefined) {
      const applied = /^\d+$/.test(result.applied)
        ? `up to ${result.applied}`
        : result.applied === ''
          ? 'nothing yet'
          : `range ${result.applied.replace(':', ', chunks done: ')}`;
      throw new SinkWriteError(
        `${target.doing}: source range ${range.topic}[${range.partition}] ${range.fromOffset}..${range.untilOffset} ` +
          `(chunk ${chunk.index}) conflicts with what this output already applied (${applied}); applying it ` +
          'could count records twice or skip some. Resume the source from sink.offsetStore.',
        { retryable: false },
      );
    }
    if (result.kind === 'mismatch') {
      problems.push(
        `chunk ${chunk.index} was applied earlier with different content (marker ${result.stored}); ` +
          'a partition larger than maxCommandsPerScript needs the same records in the same order on replay',
      );
    } else if (result.kind === 'applied' && result.failures > 0) {
      rejectedCount += result.failures;
      const first = result.reported[0] ?? '';
      const space = first.indexOf(' ');
      const index = Number(first.slice(0, space));
      const command = chunk.commands[index];
      problems.push(
        `chunk ${chunk.index}: Redis rejected ${result.failures} of ${chunk.commands.length} commands; first: ` +
          `${command?.op ?? '?'} on key ${command?.key ?? '?'}: ${first.slice(space + 1)}`,
      );
    }
  }
  if (problems.length > 0) {
    // Not retryable: the markers are written, so a retry would skip these chunks; the commands that
    // Redis rejected would be rejected again anyway.
    throw new SinkWriteError(
      `${target.doing}: ${problems.join('; ')}` +
        (rejectedCount > 0 ? '. The other commands and the batch marker were applied.' : ''),
      { retryable: false },
    );
  }
  return outcome;
}
