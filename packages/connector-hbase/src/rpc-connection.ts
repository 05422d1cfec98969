import net from 'node:net';
import { ConnectionError, TimeoutError } from '@dstream/core';
import { HBaseRemoteException } from './hbase-errors.js';
import { decodeDelimitedAt, encodeDelimited, encodeMessage } from './protocol/hbase-proto.js';

/** `HBas`, RPC version 0, auth method SIMPLE (0x50): the first 6 bytes of every connection. */
export const CONNECTION_PREAMBLE = Buffer.from([0x48, 0x42, 0x61, 0x73, 0x00, 0x50]);

export type HBaseService = 'ClientService' | 'MasterService' | 'AdminService';

interface ResponseHeader {
  call_id: number;
  exception?: {
    exception_class_name: string;
    stack_trace: string;
    do_not_retry: boolean;
  } | null;
  cell_block_meta?: { length: number } | null;
}

interface PendingCall {
  readonly responseType: string;
  readonly method: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** The bytes sent right after connecting: preamble, then a length-prefixed ConnectionHeader. */
export function encodeConnectionHeader(service: HBaseService, user: string): Buffer {
  const header = encodeMessage('ConnectionHeader', {
    user_info: { effective_user: user },
    service_name: service,
  });
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.length);
  return Buffer.concat([CONNECTION_PREAMBLE, length, header]);
}

/** One call: 4-byte total length, then the delimited RequestHeader and the delimited request. */
export function encodeCall(
  callId: number,
  method: string,
  requestType: string,
  request: object,
  timeoutMs: number,
): Buffer {
  const header = encodeDelimited('RequestHeader', {
    call_id: callId,
    method_name: method,
    request_param: true,
    timeout: timeoutMs,
  });
  const param = encodeDelimited(requestType, request);
  const frame = Buffer.allocUnsafe(4 + header.length + param.length);
  frame.writeUInt32BE(header.length + param.length, 0);
  frame.set(header, 4);
  frame.set(param, 4 + header.length);
  return frame;
}

export interface RpcConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly service: HBaseService;
  readonly user: string;
  readonly connectTimeoutMs: number;
}

/**
 * One TCP connection to one HBase server for one service. Calls are multiplexed by call id; each
 * has its own timer. A timeout or socket error fails the call and closes the connection (a server
 * that stopped answering is not trusted again); the owner opens a new one for the next call.
 */
export class RpcConnection {
  readonly address: string;
  #socket: net.Socket;
  #pending = new Map<number, PendingCall>();
  #nextCallId = 1;
  #buffer: Buffer = Buffer.alloc(0);
  /** Chunks of a large frame still arriving: joined once the frame is complete, not per chunk. */
  #pendingChunks: Buffer[] = [];
  #pendingBytes = 0;
  #needed = 0;
  #closedError: Error | undefined;
  #connectTimer: NodeJS.Timeout | undefined;
  readonly #closeListeners: Array<() => void> = [];

  constructor(options: RpcConnectionOptions) {
    this.address = `${options.host}:${options.port}`;
    this.#socket = net.connect({ host: options.host, port: options.port });
    this.#socket.setNoDelay(true);
    this.#connectTimer = setTimeout(() => {
      this.#fail(
        new TimeoutError(
          `HBase ${options.service} at ${this.address}: no connection within ${options.connectTimeoutMs} ms`,
        ),
      );
    }, options.connectTimeoutMs);
    this.#socket.once('connect', () => {
      clearTimeout(this.#connectTimer);
      this.#connectTimer = undefined;
    });
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on('error', (error) => {
      this.#fail(
        new ConnectionError(`HBase ${options.service} at ${this.address}: ${error.message}`, {
          cause: error,
        }),
      );
    });
    this.#socket.on('close', () => {
      this.#fail(
        new ConnectionError(`HBase ${options.service} at ${this.address}: connection closed by the server`),
      );
    });
    this.#socket.write(encodeConnectionHeader(options.service, options.user));
  }

  get closed(): boolean {
    return this.#closedError !== undefined;
  }

  /** Runs `fn` once when the connection closes, for whatever reason. */
  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.#closeListeners.push(fn);
  }

  call<R>(
    method: string,
    requestType: string,
    request: object,
    responseType: string,
    timeoutMs: number,
  ): Promise<R> {
    if (this.#closedError !== undefined) return Promise.reject(this.#closedError);
    const callId = this.#nextCallId;
    this.#nextCallId = this.#nextCallId >= 0x7fffffff ? 1 : this.#nextCallId + 1;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(callId);
        const error = new TimeoutError(
          `HBase ${method} on ${this.address}: no answer within ${timeoutMs} ms`,
        );
        reject(error);
        this.#fail(new ConnectionError(`HBase connection to ${this.address} dropped after a call timed out`));
      }, timeoutMs);
      this.#pending.set(callId, {
        responseType,
        method,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer,
      });
      this.#socket.write(encodeCall(callId, method, requestType, request, timeoutMs));
    });
  }

  close(): void {
    this.#fail(new ConnectionError(`HBase connection to ${this.address} was closed by the client`));
  }

  #onData(chunk: Buffer): void {
    if (this.#needed > 0) {
      this.#pendingChunks.push(chunk);
      this.#pendingBytes += chunk.length;
      if (this.#pendingBytes < this.#needed) return;
      chunk = Buffer.concat(this.#pendingChunks, this.#pendingBytes);
      this.#pendingChunks = [];
      this.#pendingBytes = 0;
      this.#needed = 0;
    }
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 4) {
      const length = this.#buffer.readUInt32BE(0);
      if (this.#buffer.length < 4 + length) {
        // Wait for the rest of this frame without copying what arrived so far on every chunk.
        this.#pendingChunks = [this.#buffer];
        this.#pendingBytes = this.#buffer.length;
        this.#needed = 4 + length;
        this.#buffer = Buffer.alloc(0);
        return;
      }
      const frame = this.#buffer.subarray(4, 4 + length);
      this.#buffer = this.#buffer.subarray(4 + length);
      try {
        this.#onFrame(frame);
      } catch (error) {
        this.#fail(
          new ConnectionError(`HBase ${this.address}: undecodable response (${(error as Error).message})`, {
            cause: error,
          }),
        );
        return;
      }
    }
  }

  #onFrame(frame: Buffer): void {
    const [header, offset] = decodeDelimitedAt<ResponseHeader>('ResponseHeader', frame, 0);
    const pending = this.#pending.get(header.call_id);
    if (pending === undefined) return; // timed out already
    this.#pending.delete(header.call_id);
    clearTimeout(pending.timer);
    const exception = header.exception;
    if (exception !== null && exception !== undefined) {
      pending.reject(
        new HBaseRemoteException(
          exception.exception_class_name,
          exception.stack_trace,
          this.address,
          exception.do_not_retry,
        ),
      );
      return;
    }
    if (header.cell_block_meta?.length) {
      // We never announce a cell block codec, so the server must answer in plain protobuf.
      pending.reject(
        new ConnectionError(`HBase ${pending.method} on ${this.address}: unexpected cell block`),
      );
      return;
    }
    const [response] = decodeDelimitedAt<unknown>(pending.responseType, frame, offset);
    pending.resolve(response);
  }

  #fail(error: Error): void {
    if (this.#closedError !== undefined) return;
    this.#closedError = error;
    clearTimeout(this.#connectTimer);
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#pending.clear();
    this.#socket.destroy();
    for (const listener of this.#closeListeners.splice(0)) listener();
  }
}
