import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { platformaticSupported } from '../src/platformatic-api.js';

/**
 * The hand-written consume → produce loop of `@platformatic/kafka`, for the Kafka benchmark's
 * comparison of raw clients: the connector's optional dependency (2.x, Node >= 22.22), or the
 * `dist/index.js` of another install that PLATFORMATIC_KAFKA names (1.x runs on Node 20).
 */

interface Message {
  readonly key: Buffer | undefined;
  readonly value: Buffer | undefined;
}
interface MessagesStream extends AsyncIterable<Message> {
  readonly readableLength: number;
  close(): Promise<void>;
}
interface PlatformaticModule {
  Consumer: new (
    options: Record<string, unknown>,
  ) => {
    consume(options: Record<string, unknown>): Promise<MessagesStream>;
    close(force?: boolean): Promise<void>;
  };
  Producer: new (
    options: Record<string, unknown>,
  ) => {
    send(options: { messages: Array<{ topic: string; key?: Buffer; value: Buffer }> }): Promise<unknown>;
    close(force?: boolean): Promise<void>;
  };
}

export interface PlatformaticLoop {
  /** "@platformatic/kafka 2.12.1". */
  readonly name: string;
  /** Reads `count` records of `input`, maps each value, writes `output`; resolves with records/s. */
  run(input: string, output: string, count: number): Promise<number>;
}

/** The installed package's entry, or undefined where it is not installed or cannot run. */
function installed(): string | undefined {
  if (!platformaticSupported()) return undefined;
  try {
    return createRequire(import.meta.url).resolve('@platformatic/kafka');
  } catch {
    return undefined;
  }
}

/** The loop over PLATFORMATIC_KAFKA's install or the installed package; undefined without either. */
export async function platformaticLoop(
  bootstrap: readonly string[],
  transform: (value: string) => string,
): Promise<PlatformaticLoop | undefined> {
  const given = process.env.PLATFORMATIC_KAFKA;
  const path = given !== undefined && given !== '' ? given : installed();
  if (path === undefined) return undefined;
  const lib = (await import(path)) as PlatformaticModule;
  const { version } = JSON.parse(readFileSync(join(dirname(path), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return {
    name: `@platformatic/kafka ${version}`,
    async run(input, output, count) {
      const producer = new lib.Producer({
        clientId: 'bench',
        bootstrapBrokers: [...bootstrap],
        idempotent: true,
        acks: -1,
      });
      const consumer = new lib.Consumer({
        clientId: 'bench',
        groupId: `bench-platformatic-${randomUUID()}`,
        bootstrapBrokers: [...bootstrap],
        maxWaitTime: 100,
      });
      const started = performance.now();
      const stream = await consumer.consume({ topics: [input], mode: 'earliest', autocommit: false });
      let seen = 0;
      let pending: Array<{ topic: string; key?: Buffer; value: Buffer }> = [];
      // One send per fetched batch, as the kafkajs loop sends once per eachBatch: flush when the
      // stream has nothing more buffered.
      for await (const m of stream) {
        pending.push({
          topic: output,
          ...(m.key === undefined ? {} : { key: m.key }),
          value: Buffer.from(transform(m.value?.toString() ?? '')),
        });
        seen++;
        if (stream.readableLength === 0 || seen >= count) {
          await producer.send({ messages: pending });
          pending = [];
        }
        if (seen >= count) break;
      }
      const seconds = (performance.now() - started) / 1000;
      await stream.close().catch(() => undefined);
      await consumer.close(true);
      await producer.close(true);
      return count / seconds;
    },
  };
}
