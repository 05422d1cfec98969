import { type Server, type Socket, createServer } from 'node:net';

const WORDS = [
  'spark',
  'stream',
  'node',
  'kafka',
  'batch',
  'window',
  'state',
  'redis',
  'mysql',
  'hbase',
  'offset',
  'sink',
];

export interface LineGenerator {
  readonly host: string;
  readonly port: number;
  /** Lines written so far, and how often each word appeared in them (to check the job's counts). */
  readonly linesWritten: number;
  readonly wordsWritten: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

/**
 * A local TCP server that writes lines of random words to every client, like `nc -lk 9999` in
 * Spark's NetworkWordCount example: the demo's embedded input.
 */
export async function startLineGenerator(
  options: { linesPerSecond?: number; port?: number; seed?: number } = {},
): Promise<LineGenerator> {
  const rate = options.linesPerSecond ?? 50;
  let seed = options.seed ?? 7;
  const random = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 0x1_0000_0000;
  };
  const clients = new Set<Socket>();
  const counts = new Map<string, number>();
  let lines = 0;
  const server: Server = createServer((socket) => {
    clients.add(socket);
    socket.on('close', () => clients.delete(socket));
    socket.on('error', () => clients.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // Lines are only produced while a client listens, so the counts match what the job received.
  const perTick = Math.max(1, Math.round(rate / 20));
  const timer = setInterval(() => {
    if (clients.size === 0) return;
    let text = '';
    for (let i = 0; i < perTick; i++) {
      const n = 1 + Math.floor(random() * 5);
      const words: string[] = [];
      for (let w = 0; w < n; w++) {
        const word = WORDS[Math.floor(random() * WORDS.length)]!;
        words.push(word);
        counts.set(word, (counts.get(word) ?? 0) + 1);
      }
      text += `${words.join(' ')}\n`;
      lines++;
    }
    for (const c of clients) c.write(text);
  }, 50);
  return {
    host: '127.0.0.1',
    port,
    get linesWritten() {
      return lines;
    },
    wordsWritten: counts,
    async close() {
      clearInterval(timer);
      for (const c of clients) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
