import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { patchKafkajsRequestQueue } from '../src/kafkajs-internals.js';

const require = createRequire(import.meta.url);

interface Queue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: unknown;
  scheduleCheckPendingRequests(): void;
  checkPendingRequests(): void;
  destroy(): void;
}
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: object) => Queue;

function queue(): Queue {
  const logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  };
  return new RequestQueue({
    maxInFlightRequests: null,
    requestTimeout: 1000,
    clientId: 't',
    broker: 'b',
    logger,
  });
}

describe('kafkajs RequestQueue patch (no negative, idle 1 ms timer)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('arms no timer when nothing is queued, and never a negative delay', () => {
    patchKafkajsRequestQueue();
    const delays: number[] = [];
    const original = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return original(fn, 0);
    }) as typeof setTimeout);
    const q = queue();
    q.scheduleCheckPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.pending.push({});
    q.scheduleCheckPendingRequests();
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    q.destroy();
    q.throttledUntil = Date.now() + 5000;
    q.scheduleCheckPendingRequests();
    q.destroy();
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBe(10);
    expect(delays[1]).toBeGreaterThan(10);
    expect(delays.every((d) => d >= 0)).toBe(true);
  });
});
