import { type Consumer, type ConsumerConfig, Kafka, logLevel } from 'kafkajs';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function kafkaClient(bootstrap: string[]): Kafka {
  return new Kafka({
    clientId: 'dstream-scenario',
    brokers: bootstrap,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 50, retries: 20, maxRetryTime: 500 },
  });
}

/** Fast consumer settings: the default 5 s long-poll would make every scenario slow on real Kafka. */
export const fastConsumer = {
  maxWaitTimeInMs: 100,
  sessionTimeout: 6000,
  heartbeatInterval: 300,
  rebalanceTimeout: 6000,
} satisfies Partial<ConsumerConfig>;

/** Polls `check` every 50 ms until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export interface Consumed {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
}

/** Consumes `topic` from the beginning with a fresh group until `done` says so; returns what it saw. */
export async function consumeUntil(
  kafka: Kafka,
  topic: string,
  groupId: string,
  done: (seen: Consumed[]) => boolean,
  options: { readUncommitted?: boolean; timeoutMs?: number } = {},
): Promise<Consumed[]> {
  const consumer: Consumer = kafka.consumer({
    groupId,
    ...fastConsumer,
    readUncommitted: options.readUncommitted,
  });
  const seen: Consumed[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({
          partition,
          offset: Number(message.offset),
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
        });
      },
    });
    await waitFor(`records of ${topic}`, () => (done(seen) ? true : undefined), options.timeoutMs ?? 20_000);
    return seen.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  } finally {
    await consumer.disconnect();
  }
}

export function sortOffsets<T extends { partition: number }>(items: T[]): T[] {
  return [...items].sort((a, b) => a.partition - b.partition);
}

/** COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR. */
const COORDINATOR_WARMING = new Set([14, 15, 16]);

/**
 * Retries an admin call while a freshly started real broker is still creating or loading its
 * __consumer_offsets partition (kafkajs' admin does not retry these for fetchOffsets).
 */
export async function whenCoordinatorReady<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const code = (error as { code?: number }).code;
      if (code === undefined || !COORDINATOR_WARMING.has(code) || attempt >= 100) throw error;
      await sleep(100);
    }
  }
}
