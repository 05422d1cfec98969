import net from 'node:net';
import { TimeoutError } from '@dstream/core';
import { afterEach, describe, expect, it } from 'vitest';
import { HBaseRemoteException, retryDecision } from '../src/hbase-errors.js';
import {
  decodeDelimitedAt,
  decodeMessage,
  encodeDelimited,
  encodeMessage,
  fromBigInt,
  readVarint,
  toBigInt,
} from '../src/protocol/hbase-proto.js';
import {
  CONNECTION_PREAMBLE,
  encodeCall,
  encodeConnectionHeader,
  RpcConnection,
} from '../src/rpc-connection.js';
import { unwrapZnode } from '../src/zookeeper-registry.js';

describe('HBase RPC framing', () => {
  it('starts a connection with HBas, version 0, SIMPLE auth, then a length-prefixed ConnectionHeader', () => {
    const bytes = encodeConnectionHeader('ClientService', 'alice');
    expect([...bytes.subarray(0, 6)]).toEqual([0x48, 0x42, 0x61, 0x73, 0x00, 0x50]);
    expect(CONNECTION_PREAMBLE.toString('latin1', 0, 4)).toBe('HBas');
    const length = bytes.readUInt32BE(6);
    expect(bytes.length).toBe(10 + length);
    const header = decodeMessage<{ user_info: { effective_user: string }; service_name: string }>(
      'ConnectionHeader',
      bytes.subarray(10),
    );
    expect(header.service_name).toBe('ClientService');
    expect(header.user_info.effective_user).toBe('alice');
  });

  it('frames a call as total length + delimited RequestHeader + delimited request', () => {
    const frame = encodeCall(
      42,
      'Get',
      'GetRequest',
      { region: { type: 1, value: Buffer.from('r') }, get: { row: Buffer.from('k') } },
      1500,
    );
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
    const body = frame.subarray(4);
    const [header, next] = decodeDelimitedAt<{
      call_id: number;
      method_name: string;
      request_param: boolean;
      timeout: number;
    }>('RequestHeader', body, 0);
    expect(header).toMatchObject({ call_id: 42, method_name: 'Get', request_param: true, timeout: 1500 });
    const [request, end] = decodeDelimitedAt<{ get: { row: Buffer } }>('GetRequest', body, next);
    expect(request.get.row.toString()).toBe('k');
    expect(end).toBe(body.length);
  });

  it('reads varints and rejects frames that end inside one', () => {
    expect(readVarint(Uint8Array.from([0xac, 0x02]), 0)).toEqual([300, 2]);
    expect(() => readVarint(Uint8Array.from([0xff]), 0)).toThrow(RangeError);
    expect(() => decodeDelimitedAt('ResponseHeader', Uint8Array.from([5, 1]), 0)).toThrow(
      /runs past the end/,
    );
  });

  it('keeps 64-bit scanner ids exact', () => {
    const id = 0xfedcba9876543210n;
    const encoded = encodeMessage('ScanRequest', { scanner_id: fromBigInt(id) });
    expect(
      toBigInt(
        decodeMessage<{ scanner_id: { low: number; high: number; unsigned: boolean; toString(): string } }>(
          'ScanRequest',
          encoded,
        ).scanner_id,
      ),
    ).toBe(id);
  });

  it('unwraps HBase znodes (0xFF, id length, id, PBUF, protobuf)', () => {
    const server = encodeMessage('MetaRegionServer', {
      server: { host_name: '127.0.0.1', port: 16020, start_code: 1700000000000 },
      state: 3,
    });
    const id = Buffer.from('master:16000abcdefgh');
    const head = Buffer.alloc(5);
    head[0] = 0xff;
    head.writeInt32BE(id.length, 1);
    const znode = Buffer.concat([head, id, Buffer.from('PBUF'), server]);
    const decoded = decodeMessage<{ server: { host_name: string; port: number } }>(
      'MetaRegionServer',
      unwrapZnode(znode, '/hbase/meta-region-server'),
    );
    expect(decoded.server).toMatchObject({ host_name: '127.0.0.1', port: 16020 });
    expect(() => unwrapZnode(Buffer.from('garbage'), '/x')).toThrow(/PBUF/);
  });
});

describe('retry decisions', () => {
  const remote = (name: string) => new HBaseRemoteException(name, 'detail', 'rs:1');
  it('re-locates the region on region errors, waits on busy servers, fails on the rest', () => {
    expect(retryDecision(remote('org.apache.hadoop.hbase.NotServingRegionException'))).toBe('relocate');
    expect(retryDecision(remote('org.apache.hadoop.hbase.exceptions.RegionMovedException'))).toBe('relocate');
    expect(retryDecision(remote('org.apache.hadoop.hbase.exceptions.RegionOpeningException'))).toBe(
      'relocate',
    );
    expect(retryDecision(remote('org.apache.hadoop.hbase.regionserver.WrongRegionException'))).toBe(
      'relocate',
    );
    expect(retryDecision(remote('org.apache.hadoop.hbase.RegionTooBusyException'))).toBe('retry');
    expect(retryDecision(remote('org.apache.hadoop.hbase.UnknownScannerException'))).toBe('reopen-scanner');
    expect(retryDecision(remote('org.apache.hadoop.hbase.DoNotRetryIOException'))).toBe('fail');
    expect(retryDecision(new TimeoutError('slow'))).toBe('relocate');
    expect(retryDecision(new Error('bug'))).toBe('fail');
  });
});

describe('RpcConnection', () => {
  let server: net.Server | undefined;
  afterEach(() => {
    server?.close();
  });

  it('fails a call that gets no answer within its timeout, and closes the connection', async () => {
    // A peer that accepts and reads, but never answers: a hung region server.
    const sockets: net.Socket[] = [];
    server = net.createServer((socket) => {
      sockets.push(socket);
      socket.resume();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const connection = new RpcConnection({
      host: '127.0.0.1',
      port,
      service: 'ClientService',
      user: 'u',
      connectTimeoutMs: 1000,
    });
    const started = Date.now();
    const error = await connection
      .call(
        'Get',
        'GetRequest',
        { region: { type: 1, value: Buffer.from('r') }, get: { row: Buffer.from('k') } },
        'GetResponse',
        300,
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(connection.closed).toBe(true);
    for (const socket of sockets) socket.destroy();
  });

  it('reassembles responses split across many chunks, and several responses in one chunk', async () => {
    const big = Buffer.alloc(300_000, 9);
    const frameFor = (callId: number, value: Buffer): Buffer => {
      const header = encodeDelimited('ResponseHeader', { call_id: callId });
      const body = encodeDelimited('GetResponse', {
        result: {
          cell: [{ row: Buffer.from('r'), family: Buffer.from('f'), qualifier: Buffer.from('q'), value }],
        },
      });
      const length = Buffer.alloc(4);
      length.writeUInt32BE(header.length + body.length);
      return Buffer.concat([length, header, body]);
    };
    server = net.createServer((socket) => {
      let seen = 0;
      socket.on('data', async () => {
        if (++seen > 1) return;
        // Answer calls 1 and 2 as soon as anything arrives (the calls follow the header at once).
        const first = frameFor(1, big);
        for (let offset = 0; offset < first.length; offset += 7_000) {
          socket.write(first.subarray(offset, offset + 7_000));
          await new Promise((resolve) => setImmediate(resolve));
        }
        socket.write(Buffer.concat([frameFor(2, Buffer.from('small')), frameFor(3, Buffer.from('third'))]));
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const connection = new RpcConnection({
      host: '127.0.0.1',
      port,
      service: 'ClientService',
      user: 'u',
      connectTimeoutMs: 1000,
    });
    const request = { region: { type: 1, value: Buffer.from('r') }, get: { row: Buffer.from('k') } };
    type Response = { result: { cell: Array<{ value: Buffer }> } };
    const [a, b, c] = await Promise.all([
      connection.call<Response>('Get', 'GetRequest', request, 'GetResponse', 5000),
      connection.call<Response>('Get', 'GetRequest', request, 'GetResponse', 5000),
      connection.call<Response>('Get', 'GetRequest', request, 'GetResponse', 5000),
    ]);
    expect(a.result.cell[0]?.value.equals(big)).toBe(true);
    expect(b.result.cell[0]?.value.toString()).toBe('small');
    expect(c.result.cell[0]?.value.toString()).toBe('third');
    connection.close();
  });

  it('fails pending calls at once when the server drops the connection', async () => {
    server = net.createServer((socket) => socket.once('data', () => socket.destroy()));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const connection = new RpcConnection({
      host: '127.0.0.1',
      port,
      service: 'ClientService',
      user: 'u',
      connectTimeoutMs: 1000,
    });
    await expect(
      connection.call(
        'Get',
        'GetRequest',
        { region: { type: 1, value: Buffer.from('r') }, get: { row: Buffer.from('k') } },
        'GetResponse',
        5000,
      ),
    ).rejects.toMatchObject({ code: 'CONNECTION' });
  });
});
