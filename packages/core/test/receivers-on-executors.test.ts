import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Logger, type ReceiverInfo, StreamingContext } from '../src/index.js';
import { startAckingSource } from './fixtures/acking-source.js';
import { received, settings } from './fixtures/receiver-job.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const jobUrl = new URL('./fixtures/receiver-job.ts', import.meta.url);
const TOTAL = 3000;

describe('receivers on executors', () => {
  it('a receiver whose executor dies starts on another one; nothing acknowledged is lost (WAL on)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dstream-receiver-executors-'));
    const source = await startAckingSource(TOTAL, 20);
    const started: ReceiverInfo[] = [];
    const errors: ReceiverInfo[] = [];
    try {
      settings.port = source.port;
      settings.crashAt = 1000;
      received.length = 0;
      const ctx = await StreamingContext.fromModule(jobUrl, 'receiverOnExecutors', {
        batchInterval: 100,
        executors: 2,
        writeAheadLog: { directory: dir },
        receiverRestartDelay: 50,
        logger: quiet,
        listeners: [
          { onReceiverStarted: (info) => started.push(info), onReceiverError: (info) => errors.push(info) },
        ],
      });
      await ctx.start();
      for (let i = 0; i < 600 && source.acked() < TOTAL - 1; i++) await new Promise((r) => setTimeout(r, 25));
      await ctx.stop({ graceful: true });
    } finally {
      await source.close();
      await rm(dir, { recursive: true, force: true });
    }
    const flags = new Int32Array(settings.shared);
    expect(flags[0]).toBe(1); // the hosting executor died
    expect(flags[1]).toBe(2); // and the receiver started once more, elsewhere
    expect(errors.map((e) => e.message)).toContainEqual(expect.stringMatching(/its executor died/));
    expect(started.length).toBe(2);
    expect(source.acked()).toBe(TOTAL - 1);
    const seen = new Set(received);
    const missing = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => !seen.has(i));
    expect(missing).toEqual([]);
  }, 60_000);
});
