import zookeeper from 'node-zookeeper-client';

/** Runs `use` with a connected ZooKeeper session (what every HBase client does first). */
export async function withZooKeeper<T>(
  connect: string,
  use: (client: zookeeper.Client) => Promise<T>,
): Promise<T> {
  const client = zookeeper.createClient(connect, { sessionTimeout: 10_000, spinDelay: 200, retries: 5 });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ZooKeeper session with ${connect} within 10 s`)),
      10_000,
    );
    client.once('connected', () => {
      clearTimeout(timer);
      resolve();
    });
    client.connect();
  });
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

export function getData(client: zookeeper.Client, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.getData(path, (error, data) => (error ? reject(error) : resolve(data)));
  });
}

export function getChildren(client: zookeeper.Client, path: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    client.getChildren(path, (error, children) => (error ? reject(error) : resolve(children)));
  });
}

/**
 * `/hbase/meta-region-server` is `0xFF`, a 4-byte id length, the id, `PBUF`, then a protobuf
 * MetaRegionServer whose field 1 is a ServerName { host_name = 1, port = 2, start_code = 3 }. Reads just
 * enough of it to name the region server holding hbase:meta.
 */
export function metaLocation(data: Buffer): { host: string; port: number } {
  if (data[0] !== 0xff) throw new Error('meta-region-server znode lacks the 0xFF magic');
  const idLength = data.readInt32BE(1);
  let offset = 5 + idLength;
  if (data.toString('latin1', offset, offset + 4) !== 'PBUF') throw new Error('no PBUF marker');
  offset += 4;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = data[offset++] as number;
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
      shift += 7;
    }
  };
  if (varint() !== ((1 << 3) | 2)) throw new Error('MetaRegionServer.server missing');
  const end = varint() + offset;
  let host = '';
  let port = 0;
  while (offset < end) {
    const tag = varint();
    if (tag === ((1 << 3) | 2)) {
      const length = varint();
      host = data.toString('utf8', offset, offset + length);
      offset += length;
    } else if (tag === 2 << 3) port = varint();
    else if ((tag & 7) === 0) varint();
    else throw new Error(`unexpected ServerName tag ${tag}`);
  }
  return { host, port };
}
