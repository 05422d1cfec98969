import { connect, type Socket } from 'node:net';
import { Reader } from '../../src/protocol/reader.js';
import { Writer } from '../../src/protocol/writer.js';

/**
 * A minimal Kafka protocol client for scenarios that must see exact error codes and generations,
 * which kafkajs retries or hides. One connection; requests are answered in order.
 */
export class RawClient {
  private correlationId = 0;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly waiting = new Map<number, { resolve: (r: Reader) => void; reject: (e: Error) => void }>();

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 4 && this.buffer.length >= 4 + this.buffer.readInt32BE(0)) {
        const size = this.buffer.readInt32BE(0);
        const frame = this.buffer.subarray(4, 4 + size);
        this.buffer = this.buffer.subarray(4 + size);
        const reader = new Reader(frame);
        const id = reader.int32();
        this.waiting.get(id)?.resolve(reader);
        this.waiting.delete(id);
      }
    });
    socket.on('close', () => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error('connection closed'));
      this.waiting.clear();
    });
  }

  static connect(address: string): Promise<RawClient> {
    const [host, port] = address.split(':') as [string, string];
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port: Number(port) }, () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Sends a non-flexible request (header v1) and resolves with a reader positioned at the body. */
  request(
    apiKey: number,
    version: number,
    body: (w: Writer) => void,
    options: { flexibleHeader?: boolean } = {},
  ) {
    const id = ++this.correlationId;
    const w = new Writer().int16(apiKey).int16(version).int32(id).string('raw-scenario');
    if (options.flexibleHeader) w.taggedFields();
    body(w);
    const payload = w.toBuffer();
    const framed = Buffer.concat([new Writer().int32(payload.length).toBuffer(), payload]);
    return new Promise<Reader>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.socket.write(framed);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** FindCoordinator v1 → the coordinator's address. */
export async function findCoordinator(client: RawClient, key: string, keyType: 0 | 1): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const r = await client.request(10, 1, (w) => w.string(key).int8(keyType));
    r.int32();
    const error = r.int16();
    r.nullableString();
    const nodeId = r.int32();
    const host = r.string();
    const port = r.int32();
    if (error === 0 && nodeId >= 0) return `${host}:${port}`;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no coordinator for ${key}`);
}

/**
 * Metadata v1 → leader address of each partition of `topic`, waiting until every partition has a
 * leader (a real broker learns of a new topic from its controller a moment after CreateTopics).
 */
export async function partitionLeaders(client: RawClient, topic: string): Promise<Map<number, string>> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const leaders = await readLeaders(client, topic);
    if (leaders.size > 0 && [...leaders.values()].every((address) => address !== '')) return leaders;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no leaders for ${topic}`);
}

async function readLeaders(client: RawClient, topic: string): Promise<Map<number, string>> {
  const r = await client.request(3, 1, (w) => w.array([topic], (x, t) => x.string(t)));
  const brokers = new Map<number, string>();
  r.array((b) => {
    const id = b.int32();
    brokers.set(id, `${b.string()}:${b.int32()}`);
    b.nullableString();
  });
  r.int32();
  const leaders = new Map<number, string>();
  r.array((t) => {
    t.int16();
    t.string();
    t.bool();
    t.array((p) => {
      p.int16();
      const partition = p.int32();
      const leader = p.int32();
      p.array((x) => x.int32());
      p.array((x) => x.int32());
      leaders.set(partition, brokers.get(leader) ?? '');
    });
  });
  return leaders;
}
