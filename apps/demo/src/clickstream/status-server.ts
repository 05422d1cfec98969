import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { statusPageHtml } from './status-page.js';
import type { StatusModel } from './status-model.js';

export interface StatusServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the status page and its JSON (on 127.0.0.1 by default; a busy port falls back to a free one). */
export async function startStatusServer(
  model: StatusModel,
  appName: string,
  port: number,
  host = '127.0.0.1',
): Promise<StatusServer> {
  const html = statusPageHtml(appName);
  const server: Server = createServer((req, res) => {
    if (req.url === '/api/status') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(model.snapshot()));
    } else if (req.url === '/' || req.url === '/streaming') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  const listen = (p: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw error;
    await listen(0);
  }
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actual}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
