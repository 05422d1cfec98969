import { createServer } from 'node:net';

// Below the kernel's ephemeral range (32768-60999 on Linux): a port handed out here cannot be taken by
// the local end of some outgoing connection between our check and the JVM's bind, nor later while a
// killed broker is down and waiting to be restarted on the same port.
const LOW = 20_000;
const HIGH = 32_000;
const handedOut = new Set<number>();

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** `count` distinct free TCP ports on 127.0.0.1, never handed out twice by this process. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let attempt = 0; ports.length < count && attempt < 1000; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      ports.push(port);
    }
  }
  if (ports.length < count) throw new Error(`no free loopback port found in ${LOW}-${HIGH}`);
  return ports;
}
