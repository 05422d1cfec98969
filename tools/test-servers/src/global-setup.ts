import type { TestProject } from 'vitest/node';
import { startControlServer } from './control-server.js';
import type {} from './provided-context.js';

/**
 * Vitest global setup (root vitest.config.ts, `integration` project): starts the control server that
 * hands out the shared Kafka/HBase servers, and stops whatever they started at teardown.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const control = await startControlServer();
  project.provide('dstreamTestServersUrl', control.url);
  return () => control.close();
}
