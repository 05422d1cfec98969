import {
  ConfigError,
  DStreamError,
  SerializationError,
  SinkWriteError,
  SourceReadError,
} from '@dstream/core';

/** The `code` of a Node.js system error (ENOENT, EACCES, ...), or undefined. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Errors that a second try may not see (a busy disk, too many open files). */
const transientCodes = new Set(['EAGAIN', 'EBUSY', 'EIO', 'EMFILE', 'ENFILE', 'ETIMEDOUT', 'EINTR']);

/**
 * Maps an error from reading the source directory or one of its files into core's taxonomy.
 * A missing or unreadable directory is a configuration problem: retrying will not create it.
 */
export function sourceError(error: unknown, directory: string, file?: string): DStreamError {
  if (DStreamError.isInstance(error)) return error;
  const code = errnoCode(error);
  if (file === undefined) {
    if (code === 'ENOENT') {
      return new ConfigError(`fileSource: directory ${directory} does not exist`, { cause: error });
    }
    if (code === 'ENOTDIR') {
      return new ConfigError(`fileSource: directory ${directory} is not a directory`, { cause: error });
    }
    if (code === 'EACCES' || code === 'EPERM') {
      return new ConfigError(`fileSource: no permission to list directory ${directory} (${code})`, {
        cause: error,
      });
    }
    return new SourceReadError(`fileSource: cannot list directory ${directory}: ${describe(error)}`, {
      cause: error,
      retryable: code !== undefined && transientCodes.has(code),
    });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new SourceReadError(`fileSource: no permission to read ${file} in ${directory} (${code})`, {
      cause: error,
    });
  }
  return new SourceReadError(`fileSource: cannot read ${file} in ${directory}: ${describe(error)}`, {
    cause: error,
    retryable: code !== undefined && transientCodes.has(code),
  });
}

/** A user `parse` function threw on a line. */
export function parseError(error: unknown, file: string, line: number): SerializationError {
  return new SerializationError(`fileSource: parse failed on ${file} line ${line}: ${describe(error)}`, {
    cause: error,
  });
}

/**
 * Maps an error from writing an output file. A full disk or a read-only target is not retryable by
 * the task; transient I/O errors are.
 */
export function sinkError(error: unknown, path: string): DStreamError {
  if (DStreamError.isInstance(error)) return error;
  const code = errnoCode(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new SinkWriteError(`textFileSink: no space left on the device while writing ${path} (${code})`, {
      cause: error,
    });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new SinkWriteError(`textFileSink: no permission to write ${path} (${code})`, { cause: error });
  }
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    return new SinkWriteError(`textFileSink: ${path} is in the way of the output directory (${code})`, {
      cause: error,
    });
  }
  return new SinkWriteError(`textFileSink: cannot write ${path}: ${describe(error)}`, {
    cause: error,
    retryable: code === undefined || transientCodes.has(code),
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
