import { connect } from 'node:net';
import zookeeper from 'node-zookeeper-client';

/** ZooKeeper's `ruok` four-letter command: true once the server answers `imok`. */
export function zooKeeperIsOk(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.on('connect', () => socket.write('ruok'));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    socket.on('end', () => done(answer === 'imok'));
    socket.on('error', () => done(false));
  });
}

/** A ZooKeeper session used to watch HBase come up (what HBase clients themselves read first). */
export class ZooKeeperProbe {
  private client: zookeeper.Client;
  private connected = false;
  private waitingSince = Date.now();
  private closed = false;

  constructor(private readonly connectString: string) {
    this.client = this.open();
  }

  private open(): zookeeper.Client {
    const client = zookeeper.createClient(this.connectString, {
      sessionTimeout: 10_000,
      spinDelay: 200,
      retries: 2,
    });
    client.on('connected', () => {
      if (client === this.client) this.connected = true;
    });
    client.on('disconnected', () => {
      if (client !== this.client) return;
      this.connected = false;
      this.waitingSince = Date.now();
    });
    client.on('expired', () => {
      if (client !== this.client) return;
      this.connected = false;
      this.waitingSince = 0; // reopen at the next call
    });
    client.connect();
    return client;
  }

  /** A client that has not (re)connected for 10 s is replaced: it may have given up on a server that
   * was not listening yet when it first tried. */
  private usable(): boolean {
    if (this.connected) return true;
    if (!this.closed && Date.now() - this.waitingSince > 10_000) {
      this.client.close();
      this.waitingSince = Date.now();
      this.client = this.open();
    }
    return false;
  }

  /** Children of `path`, or undefined while it does not exist or the session is not up. */
  children(path: string): Promise<string[] | undefined> {
    if (!this.usable()) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.client.getChildren(path, (error, children) => resolve(error ? undefined : children));
    });
  }

  /** Data of `path`, or undefined. */
  data(path: string): Promise<Buffer | undefined> {
    if (!this.usable()) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.client.getData(path, (error, data) => resolve(error || !data ? undefined : data));
    });
  }

  close(): void {
    this.closed = true;
    this.client.close();
  }
}
