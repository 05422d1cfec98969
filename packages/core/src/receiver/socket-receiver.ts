import { type Socket, connect } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { Receiver, ReceiverContext } from '../contracts/receiver.js';

/**
 * Reads UTF-8 lines from a TCP server (Spark's socketTextStream). When the server goes away the
 * receiver asks to be restarted, so it reconnects once the server is back.
 */
export function socketReceiver(host: string, port: number): Receiver<string> {
  let socket: Socket | undefined;
  return {
    name: `socketTextStream(${host}:${port})`,
    reliable: false,
    onStart(context: ReceiverContext<string>) {
      const decoder = new StringDecoder('utf8');
      let rest = '';
      let paused = false;
      // When too many records wait for batches, stop reading: TCP pushes back on the server.
      const store = (line: string): void => {
        const wait = context.store(line);
        if (wait !== undefined && !paused) {
          paused = true;
          s.pause();
          void wait.then(() => {
            paused = false;
            s.resume();
          });
        }
      };
      const s = connect({ host, port });
      socket = s;
      s.on('data', (chunk: Buffer) => {
        const text = rest + decoder.write(chunk);
        let start = 0;
        for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
          const end = i > start && text.charCodeAt(i - 1) === 13 ? i - 1 : i;
          store(text.slice(start, end));
          start = i + 1;
        }
        rest = text.slice(start);
      });
      s.on('error', (error) => context.restart(`error on connection to ${host}:${port}`, error));
      s.on('close', () => {
        const tail = rest + decoder.end();
        if (tail.length > 0) store(tail);
        rest = '';
        context.restart(`socket ${host}:${port} had no more data`);
      });
    },
    onStop() {
      socket?.destroy();
      socket = undefined;
    },
  };
}
