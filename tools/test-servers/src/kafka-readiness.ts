import { Kafka, logLevel } from 'kafkajs';
import type { JvmProcess } from './jvm-process.js';
import { logTail } from './jvm-process.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Node ids that a Metadata (describeCluster) request through `bootstrap` reports, or undefined. */
export async function describeBrokerIds(bootstrap: string[]): Promise<number[] | undefined> {
  const kafka = new Kafka({
    clientId: 'dstream-test-servers',
    brokers: bootstrap,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const { brokers } = await admin.describeCluster();
    return brokers.map((broker) => broker.nodeId);
  } catch {
    return undefined;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Polls Metadata every 250 ms until every id in `expectedIds` is listed. Port-open is not enough
 * (a broker accepts connections before it has registered with the controller). Fails fast, with the
 * log tail, when a watched JVM exits.
 */
export async function waitForBrokers(
  bootstrap: string[],
  expectedIds: number[],
  watched: JvmProcess[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const jvm of watched) if (!jvm.alive) throw new Error(jvm.crashMessage());
    const ids = await describeBrokerIds(bootstrap);
    if (ids && expectedIds.every((id) => ids.includes(id))) return;
    if (Date.now() > deadline) {
      const logs = watched
        .map((jvm) => `--- ${jvm.spec.label} (${jvm.spec.logFile}):\n${logTail(jvm.spec.logFile, 25)}`)
        .join('\n');
      throw new Error(
        `Kafka at ${bootstrap.join(',')} did not list brokers [${expectedIds.join(', ')}] within ` +
          `${timeoutMs / 1000} s (last answer: ${ids ? `[${ids.join(', ')}]` : 'none'})\n${logs}`,
      );
    }
    await sleep(250);
  }
}
