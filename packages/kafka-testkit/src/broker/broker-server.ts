import { createServer, type Server, type Socket } from 'node:net';
import type { ApiHandler } from '../apis/api-handler.js';
import { sleep } from '../apis/api-handler.js';
import { ApiKey } from '../protocol/api-keys.js';
import { Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';
import type { BrokerNode, ClusterState } from './cluster-state.js';

/**
 * One broker's listener. Requests of a connection are handled one after another and answered in order,
 * as Kafka does by muting a channel until its response is sent; different connections run concurrently.
 */
export class BrokerServer {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly cluster: ClusterState,
    readonly node: BrokerNode,
    private readonly handlers: ReadonlyMap<number, ApiHandler>,
    private readonly onError: (error: unknown) => void,
  ) {}

  async listen(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.node.port, this.node.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address && typeof address === 'object') this.node.port = address.port;
    this.server = server;
    this.node.up = true;
  }

  async close(): Promise<void> {
    this.node.up = false;
    this.dropConnections();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (size < 0 || size > 100 * 1024 * 1024) {
          socket.destroy();
          return;
        }
        if (pending.length < 4 + size) break;
        const frame = pending.subarray(4, 4 + size);
        pending = pending.subarray(4 + size);
        queue = queue.then(() => this.serve(socket, frame));
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }

  private async serve(socket: Socket, frame: Buffer): Promise<void> {
    if (socket.destroyed) return;
    try {
      const response = await this.respond(socket, frame);
      if (response && !socket.destroyed) socket.write(response);
    } catch (error) {
      // Kafka closes a connection whose request it cannot parse; the client reconnects.
      this.onError(error);
      socket.destroy();
    }
  }

  private async respond(socket: Socket, frame: Buffer): Promise<Buffer | null> {
    const reader = new Reader(frame);
    const apiKey = reader.int16();
    const version = reader.int16();
    const correlationId = reader.int32();
    const handler = this.handlers.get(apiKey);
    const isApiVersions = apiKey === ApiKey.ApiVersions;
    if (!handler || (!isApiVersions && (version < handler.minVersion || version > handler.maxVersion))) {
      throw new Error(`unsupported request: api key ${apiKey} version ${version}`);
    }
    const clientId = reader.nullableString() ?? '';
    if (handler.flexibleFrom !== undefined && version >= handler.flexibleFrom) reader.taggedFields();
    const delay = this.cluster.takeDelay(apiKey);
    if (delay > 0) await sleep(delay);
    const body = await handler.handle({
      cluster: this.cluster,
      nodeId: this.node.nodeId,
      version,
      reader,
      clientId,
      clientHost: `/${socket.remoteAddress ?? '127.0.0.1'}`,
      forcedError: this.cluster.takeFault(apiKey),
    });
    if (body === null) return null;
    // ApiVersions always answers with header v0; every other served version is non-flexible (header v0).
    const header = new Writer()
      .int32(4 + body.length)
      .int32(correlationId)
      .toBuffer();
    return Buffer.concat([header, body]);
  }
}
