import zookeeper from 'node-zookeeper-client';

/** A ZooKeeper session used to watch HBase come up (what HBase clients themselves read first). */
export class ZooKeeperProbe {
  private readonly client: zookeeper.Client;
  private connected = false;

  constructor(connectString: string) {
    this.client = zookeeper.createClient(connectString, {
      sessionTimeout: 10_000,
      spinDelay: 200,
      retries: 1000,
    });
    this.client.on('connected', () => {
      this.connected = true;
    });
    this.client.on('disconnected', () => {
      this.connected = false;
    });
    this.client.connect();
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Children of `path`, or undefined while it does not exist or the session is not up. */
  children(path: string): Promise<string[] | undefined> {
    if (!this.connected) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.client.getChildren(path, (error, children) => resolve(error ? undefined : children));
    });
  }

  /** Data of `path`, or undefined. */
  data(path: string): Promise<Buffer | undefined> {
    if (!this.connected) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.client.getData(path, (error, data) => resolve(error || !data ? undefined : data));
    });
  }

  close(): void {
    this.client.close();
  }
}
