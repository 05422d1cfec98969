import { ConfigError, ConnectionError, SinkWriteError, SourceReadError } from '@dstream/core';
import { describe, expect, it } from 'vitest';
import { isBrokenConnection, toDStreamError } from '../src/mysql-errors.js';

/** Errors shaped the way mysql2 builds them (an Error with code, errno, fatal). */
function nativeError(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${code} happened`), { code, ...extra });
}

describe('toDStreamError', () => {
  it.each(['ECONNREFUSED', 'PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'ER_CONNECTION_KILLED'])(
    'maps %s to a retryable ConnectionError',
    (code) => {
      const error = toDStreamError(nativeError(code), 'sink writing partition 0');
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error.retryable).toBe(true);
      expect(error.message).toContain('sink writing partition 0');
      expect(error.message).toContain(code);
    },
  );

  it('maps any fatal error to a ConnectionError', () => {
    const error = toDStreamError(nativeError('SOMETHING_NEW', { fatal: true }), 'x');
    expect(error).toBeInstanceOf(ConnectionError);
  });

  it.each(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT'])('maps %s to a retryable SinkWriteError', (code) => {
    const error = toDStreamError(nativeError(code), 'x');
    expect(error).toBeInstanceOf(SinkWriteError);
    expect(error.retryable).toBe(true);
  });

  it.each(['ER_DUP_ENTRY', 'ER_DATA_TOO_LONG', 'ER_BAD_NULL_ERROR', 'ER_NO_SUCH_TABLE'])(
    'maps %s to a SinkWriteError that is not retryable',
    (code) => {
      const error = toDStreamError(nativeError(code, { sqlMessage: `detail of ${code}` }), 'x');
      expect(error).toBeInstanceOf(SinkWriteError);
      expect(error.retryable).toBe(false);
      expect(error.message).toContain(`detail of ${code}`);
      expect(error.cause).toBeInstanceOf(Error);
    },
  );

  it('maps source errors to SourceReadError and passes dstream errors through', () => {
    expect(toDStreamError(nativeError('ER_PARSE_ERROR'), 'x', 'source')).toBeInstanceOf(SourceReadError);
    const config = new ConfigError('bad');
    expect(toDStreamError(config, 'x')).toBe(config);
  });
});

describe('isBrokenConnection', () => {
  it('is true for lost connections and false for statement errors', () => {
    expect(isBrokenConnection(nativeError('PROTOCOL_CONNECTION_LOST', { fatal: true }))).toBe(true);
    expect(isBrokenConnection(nativeError('ECONNREFUSED'))).toBe(true);
    expect(isBrokenConnection(new ConnectionError('gone'))).toBe(true);
    expect(isBrokenConnection(nativeError('ER_DUP_ENTRY'))).toBe(false);
    expect(isBrokenConnection(nativeError('ER_LOCK_DEADLOCK'))).toBe(false);
    expect(isBrokenConnection('text')).toBe(false);
  });
});
