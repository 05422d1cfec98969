import { ConnectionError, TimeoutError } from '@dstream/core';
import zookeeper from 'node-zookeeper-client';
import { decodeMessage } from './protocol/hbase-proto.js';

/** A region server or master address as HBase names it (host, port, start code). */
export interface ServerAddress {
  readonly host: string;
  readonly port: number;
  /** The server's start time in ms: tells a restarted server on the same port from the old one. */
  readonly startCode: number;
}

interface ServerNameMessage {
  host_name: string;
  port: number;
  start_code: { toString(): string } | number;
}

const PB_MAGIC = Buffer.from('PBUF');
const META_STATE_OPEN = 3;

/**
 * Strips HBase's znode envelope: 0xFF, a 4-byte big-endian id length, the id, then `PBUF` and the
 * protobuf message.
 */
export function unwrapZnode(data: Buffer, path: string): Buffer {
  let offset = 0;
  if (data.length > 0 && data[0] === 0xff) {
    if (data.length < 5) throw new ConnectionError(`znode ${path}: ${data.length} bytes, too short`);
    offset = 5 + data.readInt32BE(1);
  }
  if (data.length < offset + 4 || !data.subarray(offset, offset + 4).equals(PB_MAGIC)) {
    throw new ConnectionError(`znode ${path}: no PBUF magic at byte ${offset}; not an HBase 0.96+ cluster?`);
  }
  return data.subarray(offset + 4);
}

export function toServerAddress(message: ServerNameMessage): ServerAddress {
  return { host: message.host_name, port: message.port, startCode: Number(message.start_code.toString()) };
}

export interface ZookeeperRegistryOptions {
  /** `host:port[,host:port]` of the ZooKeeper quorum. */
  readonly quorum: string;
  /** HBase's parent znode (`zookeeper.znode.parent`), default `/hbase`. */
  readonly root?: string;
  readonly timeoutMs: number;
}

/** Finds hbase:meta and the active master through ZooKeeper, as HBase 2.x clients do. */
export class ZookeeperRegistry {
  readonly #options: ZookeeperRegistryOptions;
  #client: zookeeper.Client | undefined;
  #connected: Promise<zookeeper.Client> | undefined;

  constructor(options: ZookeeperRegistryOptions) {
    this.#options = options;
  }

  /** The region server that holds hbase:meta, once meta is open. */
  async metaLocation(): Promise<ServerAddress> {
    const path = `${this.#root()}/meta-region-server`;
    const data = await this.#read(path);
    const message = decodeMessage<{ server: ServerNameMessage; state: number | null }>(
      'MetaRegionServer',
      unwrapZnode(data, path),
    );
    if (message.state !== null && message.state !== undefined && message.state !== META_STATE_OPEN) {
      throw new ConnectionError(`hbase:meta is not open yet (state ${message.state} in ${path})`);
    }
    return toServerAddress(message.server);
  }

  /** The active master. */
  async masterLocation(): Promise<ServerAddress> {
    const path = `${this.#root()}/master`;
    const data = await this.#read(path);
    return toServerAddress(
      decodeMessage<{ master: ServerNameMessage }>('Master', unwrapZnode(data, path)).master,
    );
  }

  /** Live region servers: the children of `/hbase/rs`, named `host,port,startcode`. */
  async regionServers(): Promise<ServerAddress[]> {
    const client = await this.#connect();
    const path = `${this.#root()}/rs`;
    const children = await new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#drop(client);
        reject(
          new TimeoutError(
            `ZooKeeper ${this.#options.quorum}: listing ${path} took over ${this.#options.timeoutMs} ms`,
          ),
        );
      }, this.#options.timeoutMs);
      client.getChildren(path, (error, names) => {
        clearTimeout(timer);
        if (error)
          reject(
            new ConnectionError(`ZooKeeper ${this.#options.quorum}: cannot list ${path}: ${String(error)}`),
          );
        else resolve(names);
      });
    });
    return children.map((name) => {
      const [host = '', port = '0', startCode = '0'] = name.split(',');
      return { host, port: Number(port), startCode: Number(startCode) };
    });
  }

  close(): void {
    this.#client?.close();
    this.#client = undefined;
    this.#connected = undefined;
  }

  /** Forgets a session that expired or stopped answering: the next read opens a new one. */
  #drop(client: zookeeper.Client): void {
    if (this.#client === client) this.close();
    else client.close();
  }

  #root(): string {
    return this.#options.root ?? '/hbase';
  }

  #connect(): Promise<zookeeper.Client> {
    if (this.#connected !== undefined) return this.#connected;
    const client = zookeeper.createClient(this.#options.quorum, {
      sessionTimeout: Math.max(this.#options.timeoutMs, 4000),
      spinDelay: 200,
      retries: 2,
    });
    this.#client = client;
    const connected = new Promise<zookeeper.Client>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new TimeoutError(
            `ZooKeeper ${this.#options.quorum}: no session within ${this.#options.timeoutMs} ms; is HBase's ZooKeeper running there?`,
          ),
        );
      }, this.#options.timeoutMs);
      client.once('connected', () => {
        clearTimeout(timer);
        resolve(client);
      });
    });
    connected.catch(() => this.#drop(client));
    // node-zookeeper-client does not come back from an expired session by itself.
    client.once('expired', () => this.#drop(client));
    client.connect();
    this.#connected = connected;
    return connected;
  }

  async #read(path: string): Promise<Buffer> {
    const client = await this.#connect();
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#drop(client);
        reject(
          new TimeoutError(
            `ZooKeeper ${this.#options.quorum}: reading ${path} took over ${this.#options.timeoutMs} ms`,
          ),
        );
      }, this.#options.timeoutMs);
      client.getData(path, (error, data) => {
        clearTimeout(timer);
        if (error) {
          reject(
            new ConnectionError(`ZooKeeper ${this.#options.quorum}: cannot read ${path}: ${String(error)}`, {
              cause: error,
            }),
          );
        } else if (data === undefined || data === null) {
          reject(new ConnectionError(`ZooKeeper ${this.#options.quorum}: ${path} is empty`));
        } else {
          resolve(data);
        }
      });
    });
  }
}
