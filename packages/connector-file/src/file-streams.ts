import type { DStream, StreamingContext } from '@dstream/core';
import { fileSource } from './file-source.js';
import type { FileSourceOptions } from './file-source.js';
import type { LineParser } from './read-lines.js';
import { textFileSink } from './text-file-sink.js';
import type { TextFileSinkOptions } from './text-file-sink.js';

/** fileSource options other than the directory, which the stream functions take as an argument. */
export type FileStreamOptions<T> = Omit<FileSourceOptions<T>, 'directory'>;

/**
 * Spark's `ssc.textFileStream(dir)`: the lines of the files that appear in `directory`.
 *
 * ```ts
 * const lines = textFileStream(ctx, '/data/incoming');
 * ```
 */
export function textFileStream(
  ctx: StreamingContext,
  directory: string,
  options: Omit<FileStreamOptions<string>, 'parse'> = {},
): DStream<string> {
  return ctx.source(fileSource({ ...options, directory }));
}

/**
 * Spark's `ssc.fileStream(dir, ...)`: the files that appear in `directory`, each line turned into a
 * record by `parse`.
 *
 * ```ts
 * const events = fileStream(ctx, '/data/events', { parse: (line) => JSON.parse(line) as Event });
 * ```
 */
export function fileStream<T>(
  ctx: StreamingContext,
  directory: string,
  options: FileStreamOptions<T> & { parse: LineParser<T> },
): DStream<T> {
  return ctx.source(fileSource<T>({ ...options, directory }));
}

/**
 * Spark's `dstream.saveAsTextFiles(prefix, suffix)`: each batch to `prefix-<time ms>[.suffix]/`.
 *
 * ```ts
 * saveAsTextFiles(counts, '/data/out/counts', 'txt');
 * ```
 */
export function saveAsTextFiles<T>(
  stream: DStream<T>,
  prefix: string,
  suffix?: string,
  options: Omit<TextFileSinkOptions<T>, 'prefix' | 'suffix'> = {},
): void {
  stream.to(textFileSink<T>({ ...options, prefix, ...(suffix === undefined ? {} : { suffix }) }));
}
