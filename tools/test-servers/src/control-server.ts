import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hbaseArchiveFlags, startHBaseWith } from './start-hbase.js';
import { KAFKA_VERSIONS, type KafkaVersion, kafkaArchiveFlags, startKafkaWith } from './start-kafka.js';

// The shared servers are thrown away at the end of the run: they get a short grace before SIGKILL so
// that the global teardown stays well inside vitest's teardown timeout.
const SHARED_STOP_GRACE_MS = 1_500;

/** What a shared server tells the tests that asked for it. */
export type SharedServerInfo = Record<string, unknown> & { version: string };

interface SharedServer {
  info: SharedServerInfo;
  /** False once its JVM has died: callers then get an error instead of a dead address. */
  alive?(): boolean;
  stop(): Promise<void>;
}

type Factory = () => Promise<SharedServer>;

/**
 * The shared servers of one `vitest run`, behind a tiny HTTP server on 127.0.0.1. Test workers are
 * separate processes, so they ask over HTTP; a server starts on its first request (a run whose tests
 * never ask starts no JVM), later and concurrent requests get the same addresses, and `close()` stops
 * everything that was started.
 */
export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

const factories = new Map<string, Factory>();
for (const version of KAFKA_VERSIONS) {
  factories.set(`kafka-${version}`, async () => {
    const cluster = await startKafkaWith(
      { version: version as KafkaVersion, brokers: 1 },
      { jvmFlags: kafkaArchiveFlags, stopGraceMs: SHARED_STOP_GRACE_MS },
    );
    return {
      info: { bootstrap: cluster.bootstrap, version: cluster.version },
      alive: () => cluster.brokers.every((broker) => broker.alive),
      stop: () => cluster.stop(),
    };
  });
}

factories.set('hbase', async () => {
  const cluster = await startHBaseWith(
    { mode: 'local', regionServers: 2 },
    { jvmFlags: hbaseArchiveFlags, siteAsOptions: false, localStopGraceMs: SHARED_STOP_GRACE_MS },
  );
  const { zookeeper, zookeeperHost, zookeeperPort, version } = cluster;
  return {
    info: { zookeeper, zookeeperHost, zookeeperPort, version },
    alive: () => cluster.regionServers.every((regionServer) => regionServer.alive),
    stop: () => cluster.stop(),
  };
});

/** Adds a lazily started shared server (tests of the control server itself). */
export function registerSharedServer(name: string, factory: Factory): void {
  factories.set(name, factory);
}

export async function startControlServer(): Promise<ControlServer> {
  const started = new Map<string, Promise<SharedServer>>();
  let closing = false;

  const server: Server = createServer((request, response) => {
    const name = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname.slice(1));
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const factory = factories.get(name);
    if (!factory)
      return reply(404, { error: `unknown shared server ${name} (known: ${[...factories.keys()]})` });
    if (closing) return reply(503, { error: 'the test run is shutting down' });
    let pending = started.get(name);
    if (!pending) {
      // a failed start is remembered too: every test then fails fast with the same message
      pending = factory();
      started.set(name, pending);
    }
    pending.then(
      (shared) =>
        shared.alive?.() === false
          ? reply(500, {
              error: `the shared ${name} of this run has died (its JVM exited); see earlier failures`,
            })
          : reply(200, shared.info),
      (error: unknown) => reply(500, { error: error instanceof Error ? error.message : String(error) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      closing = true;
      await Promise.allSettled(
        [...started.values()].map(async (pending) => {
          const shared = await pending;
          await shared.stop();
        }),
      );
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
