import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, SerializationError } from '@dstream/core';
import type { Sink, SinkBatchInfo, SinkContext, Time } from '@dstream/core';
import { errnoCode, sinkError } from './file-errors.js';

export interface TextFileSinkOptions<T> {
  /** Output directories are `<prefix>-<batch time ms>[.<suffix>]`, as Spark's saveAsTextFiles. */
  prefix: string;
  suffix?: string;
  /** One line per record; default: strings as they are, anything else as JSON. */
  format?: (record: T) => string;
}

/** Hadoop's marker for a complete output directory. */
export const successMarker = '_SUCCESS';

const writeChunkChars = 256 * 1024;
const partPattern = /^part-(\d{5,})$/;
const tempPattern = /^\.(part-\d{5,}|_SUCCESS)\.[0-9a-f]+\.tmp$/;

/** The output directory of one batch. */
export function batchOutputPath(prefix: string, batchTime: Time, suffix?: string): string {
  return `${resolve(prefix)}-${batchTime}${suffix === undefined || suffix === '' ? '' : `.${suffix}`}`;
}

/** `part-00000`, Hadoop's name for partition 0's output. */
export function partFileName(partition: number): string {
  return `part-${String(partition).padStart(5, '0')}`;
}

/**
 * Spark's saveAsTextFiles as a sink: each batch goes to its own directory with one `part-NNNNN` per
 * partition and a `_SUCCESS` marker once every partition is in. Each file is written under a hidden
 * temporary name, fsynced and renamed, so readers never see half a file and a replayed batch
 * replaces the same names instead of adding to them: idempotent.
 *
 * ```ts
 * counts.to(textFileSink({ prefix: '/data/out/counts', suffix: 'txt' }));
 * ```
 */
export function textFileSink<T>(options: TextFileSinkOptions<T>): Sink<T> {
  if (typeof options.prefix !== 'string' || options.prefix.length === 0) {
    throw new ConfigError(
      `textFileSink: prefix must be a non-empty path, got ${JSON.stringify(options.prefix)}`,
    );
  }
  if (options.suffix !== undefined && (typeof options.suffix !== 'string' || options.suffix.includes('/'))) {
    throw new ConfigError(
      `textFileSink: suffix must be a file name suffix, got ${JSON.stringify(options.suffix)}`,
    );
  }
  const { prefix, suffix } = options;
  const format = options.format ?? defaultFormat;

  return {
    name: `textFileSink(${resolve(prefix)}-<time>${suffix ? `.${suffix}` : ''})`,
    guarantee: 'idempotent',
    mechanism: 'part files written to hidden temporary names, fsynced and renamed into prefix-<batch time>',

    async writePartition(records: readonly T[], context: SinkContext) {
      const dir = batchOutputPath(prefix, context.batchTime, suffix);
      await ensureDirectory(dir);
      // The batch is being (re)written: it is not complete until commitBatch says so again.
      await removeIfPresent(join(dir, successMarker));
      await writeAtomically(dir, partFileName(context.partition), async (write) => {
        let chunk = '';
        for (let i = 0; i < records.length; i++) {
          chunk += formatted(format, records[i]!, context, i) + '\n';
          if (chunk.length >= writeChunkChars) {
            await write(chunk);
            chunk = '';
          }
        }
        await write(chunk);
      });
    },

    async commitBatch(info: SinkBatchInfo) {
      const dir = batchOutputPath(prefix, info.batchTime, suffix);
      await ensureDirectory(dir);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (error) {
        throw sinkError(error, dir);
      }
      // Part files of an earlier attempt that had more partitions, and temporary files of
      // attempts that died before their rename, are not part of this batch.
      for (const name of names) {
        const part = partPattern.exec(name);
        const stale = part !== null ? Number(part[1]) >= info.numPartitions : tempPattern.test(name);
        if (stale) await removeIfPresent(join(dir, name));
      }
      await writeAtomically(dir, successMarker, (write) => write(''));
    },
  };
}

function formatted<T>(format: (record: T) => string, record: T, context: SinkContext, index: number): string {
  try {
    return format(record);
  } catch (error) {
    // The same record fails the same way on every attempt: not retryable.
    throw new SerializationError(
      `textFileSink: format failed on record ${index} of partition ${context.partition} of batch ${context.batchTime}: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
}

function defaultFormat(record: unknown): string {
  return typeof record === 'string' ? record : JSON.stringify(record);
}

async function ensureDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw sinkError(error, dir);
  }
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw sinkError(error, path);
  }
}

/** Temp file, fsync, rename, fsync of the directory: the name appears only with all its bytes. */
async function writeAtomically(
  dir: string,
  name: string,
  fill: (write: (text: string) => Promise<void>) => Promise<void>,
): Promise<void> {
  const target = join(dir, name);
  const temp = join(dir, `.${name}.${randomUUID().replaceAll('-', '').slice(0, 12)}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'w');
    const h = handle;
    await fill(async (text) => {
      if (text.length > 0) await h.write(text);
    });
    await h.sync();
    await h.close();
    handle = undefined;
    await rename(temp, target);
    await syncDirectory(dir);
  } catch (error) {
    await handle?.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw sinkError(error, target);
  }
}

/** Makes the rename durable. Windows cannot open a directory for fsync; its renames are journaled. */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
