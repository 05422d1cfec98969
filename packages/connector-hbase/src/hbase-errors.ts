import {
  ConfigError,
  ConnectionError,
  DStreamError,
  SinkWriteError,
  SourceReadError,
  TimeoutError,
} from '@dstream/core';

/**
 * An exception raised inside HBase and sent back in a ResponseHeader (or per action in a Multi):
 * the client's native error, kept as the `cause` of the DStreamError it is mapped to.
 */
export class HBaseRemoteException extends Error {
  readonly className: string;
  readonly doNotRetry: boolean;
  readonly server: string;

  constructor(className: string, detail: string, server: string, doNotRetry = false) {
    const firstLine = detail.split('\n', 1)[0] ?? '';
    super(`${className} from ${server}: ${firstLine}`);
    this.name = 'HBaseRemoteException';
    this.className = className;
    this.doNotRetry = doNotRetry;
    this.server = server;
  }

  /** The class's simple name (after the last dot), e.g. `NotServingRegionException`. */
  get simpleName(): string {
    return this.className.slice(this.className.lastIndexOf('.') + 1);
  }
}

/** The region is not (or no longer) where we sent the call: drop the cached location, look it up again. */
const relocate = new Set([
  'NotServingRegionException',
  'RegionMovedException',
  'RegionOpeningException',
  'WrongRegionException',
  'RegionServerStoppedException',
  'RegionServerAbortedException',
  'ServerNotRunningYetException',
  'RegionOfflineException',
  'NoServerForRegionException',
]);

/** The server is alive but busy or not ready: retry the same location after a pause. */
const retrySame = new Set([
  'RegionTooBusyException',
  'CallQueueTooBigException',
  'ServerTooBusyException',
  'RetryImmediatelyException',
  'PleaseHoldException',
  'CallDroppedException',
  'MultiActionResultTooLarge',
]);

/** A scanner that the server forgot or whose sequence broke: reopen it after the last row seen. */
const reopenScanner = new Set([
  'UnknownScannerException',
  'OutOfOrderScannerNextException',
  'ScannerResetException',
  'LeaseException',
]);

/** The request names something that does not exist: retrying cannot help. */
const configuration = new Set([
  'TableNotFoundException',
  'NoSuchColumnFamilyException',
  'NamespaceNotFoundException',
  'TableExistsException',
  'TableNotEnabledException',
  'TableNotDisabledException',
]);

export type RetryDecision = 'relocate' | 'retry' | 'reopen-scanner' | 'fail';

/** Finds the HBaseRemoteException in an error's cause chain. */
export function remoteExceptionOf(error: unknown): HBaseRemoteException | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    if (current instanceof HBaseRemoteException) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** What the client's retry loop does after `error`. */
export function retryDecision(error: unknown): RetryDecision {
  const remote = remoteExceptionOf(error);
  if (remote !== undefined) {
    const name = remote.simpleName;
    if (relocate.has(name)) return 'relocate';
    if (retrySame.has(name)) return 'retry';
    if (reopenScanner.has(name)) return 'reopen-scanner';
    if (name === 'CallTimeoutException') return 'relocate';
    return 'fail';
  }
  // Our own connection failures and timeouts: the server may be gone; look the region up again.
  if (DStreamError.isInstance(error) && error.retryable) return 'relocate';
  return 'fail';
}

export type OperationKind = 'read' | 'write' | 'admin';

/** Maps an HBase exception into core's taxonomy; the message names the table/operation. */
export function mapRemoteException(
  remote: HBaseRemoteException,
  kind: OperationKind,
  what: string,
): DStreamError {
  const name = remote.simpleName;
  const message = `${what}: ${remote.message}`;
  if (configuration.has(name)) return new ConfigError(message, { cause: remote });
  if (relocate.has(name) || retrySame.has(name) || reopenScanner.has(name)) {
    return new ConnectionError(message, { cause: remote });
  }
  if (name === 'CallTimeoutException') return new TimeoutError(message, { cause: remote });
  if (kind === 'read') return new SourceReadError(message, { cause: remote, retryable: !remote.doNotRetry });
  return new SinkWriteError(message, { cause: remote, retryable: !remote.doNotRetry });
}

/** Wraps any error thrown inside the client so callers only ever see DStreamErrors. */
export function toDStreamError(error: unknown, kind: OperationKind, what: string): DStreamError {
  if (DStreamError.isInstance(error)) return error;
  if (error instanceof HBaseRemoteException) return mapRemoteException(error, kind, what);
  const message = error instanceof Error ? error.message : String(error);
  if (kind === 'read') return new SourceReadError(`${what}: ${message}`, { cause: error });
  return new SinkWriteError(`${what}: ${message}`, { cause: error });
}
