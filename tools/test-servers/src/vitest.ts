import { request } from 'node:http';
import { inject } from 'vitest';
import type { KafkaVersion } from './start-kafka.js';
import type {} from './provided-context.js';

export interface SharedKafka {
  bootstrap: string[];
  version: string;
}

export interface SharedHBase {
  zookeeper: string;
  zookeeperHost: string;
  zookeeperPort: number;
  version: string;
}

const SETUP_HINT =
  'useKafka/useHBase work only in the integration project (<pkg>/test/integration/**/*.test.ts) of the root ' +
  "vitest.config.ts, whose globalSetup is 'tools/test-servers/src/global-setup.ts': run the test from the " +
  'repo root with `npx vitest run <path>`';

function ask<T>(name: string): Promise<T> {
  const base = inject('dstreamTestServersUrl');
  if (!base) throw new Error(`@dstream/test-servers: no control server in this test run; ${SETUP_HINT}`);
  return new Promise((resolve, reject) => {
    const req = request(`${base}/${encodeURIComponent(name)}`, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => {
        try {
          const parsed = JSON.parse(body) as T & { error?: string };
          if (response.statusCode === 200) resolve(parsed);
          else reject(new Error(`@dstream/test-servers could not start the shared ${name}: ${parsed.error}`));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('error', (error) =>
      reject(new Error(`@dstream/test-servers control server at ${base} unreachable: ${error.message}`)),
    );
    req.end();
  });
}

/**
 * The shared one-broker Kafka of this test run (one per version), started on the first call of the
 * whole run and stopped when the run ends. Tests must use fresh topic and group names and must not
 * kill it: call `startKafka()` for a cluster of your own instead.
 */
export function useKafka(options: { version?: KafkaVersion } = {}): Promise<SharedKafka> {
  return ask<SharedKafka>(`kafka-${options.version ?? '3.9.1'}`);
}

/**
 * The shared HBase of this test run (local mode, two region servers), started on the first call and
 * stopped when the run ends. Use fresh table names; call `startHBase()` to kill region servers.
 */
export function useHBase(): Promise<SharedHBase> {
  return ask<SharedHBase>('hbase');
}
