import { describe, expect, it } from 'vitest';
import { ConfigError, closeExecutorClients, perExecutor, pooled } from '../src/index.js';
import { createTestContext } from '../src/testing/index.js';

class FakeConnection {
  static made = 0;
  closed = false;
  readonly id = ++FakeConnection.made;
}

describe('perExecutor', () => {
  it('creates one client lazily and shares it across tasks, closing it on stop', async () => {
    const closed: number[] = [];
    const provider = perExecutor(() => new FakeConnection(), { close: (c) => closed.push(c.id) });
    expect(provider.stats().created).toBe(0);
    const { ctx, advance, stop } = createTestContext();
    const used = new Set<number>();
    ctx.queueStream([[1, 2, 3, 4], [5, 6, 7, 8], [9]], { partitionSize: 1 }).foreachPartition(async () => {
      await provider.use(async (c) => used.add(c.id));
    });
    await advance(3);
    expect(used.size).toBe(1);
    expect(provider.stats()).toMatchObject({ created: 1, inUse: 0 });
    await stop();
    expect(closed).toEqual([...used]);
    expect(provider.stats().closed).toBe(1);
  });

  it('drops a client released with an error and creates a new one next time', async () => {
    const closed: number[] = [];
    const provider = perExecutor(() => new FakeConnection(), { close: (c) => closed.push(c.id) });
    const a = await provider.acquire();
    provider.release(a, new Error('connection reset'));
    // Dropped at once: an acquire in the same tick already gets a new client.
    const b = await provider.acquire();
    expect(b.id).not.toBe(a.id);
    expect(closed).toEqual([a.id]);
    provider.release(b);
    await provider.close();
  });

  it('does not cache a failed creation', async () => {
    let attempts = 0;
    const provider = perExecutor(() => {
      attempts++;
      if (attempts === 1) throw new Error('server down');
      return new FakeConnection();
    });
    await expect(provider.acquire()).rejects.toThrow('server down');
    await expect(provider.acquire()).resolves.toBeInstanceOf(FakeConnection);
    await closeExecutorClients();
    expect(provider.stats().created).toBe(2);
  });
});

describe('pooled', () => {
  it('never has more than max clients and reuses idle ones', async () => {
    const provider = pooled(() => new FakeConnection(), { max: 2 });
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        provider.use(async () => {
          peak = Math.max(peak, provider.stats().inUse);
          await new Promise((r) => setTimeout(r, 5));
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(provider.stats()).toMatchObject({ created: 2, inUse: 0, idle: 2 });
    await provider.close();
    expect(provider.stats()).toMatchObject({ closed: 2, idle: 0 });
  });

  it('closes clients released with an error and idle ones after idleTimeoutMs', async () => {
    const closed: number[] = [];
    const provider = pooled(() => new FakeConnection(), {
      max: 2,
      idleTimeoutMs: 20,
      close: (c) => closed.push(c.id),
    });
    const a = await provider.acquire();
    const b = await provider.acquire();
    provider.release(a, new Error('broken'));
    provider.release(b);
    await new Promise((r) => setTimeout(r, 5));
    expect(closed).toEqual([a.id]);
    await new Promise((r) => setTimeout(r, 40));
    expect(closed).toEqual([a.id, b.id]);
    await provider.close();
  });

  it('fails an acquire that waits longer than acquireTimeoutMs, and rejects a bad max', async () => {
    const provider = pooled(() => new FakeConnection(), { max: 1, acquireTimeoutMs: 20 });
    const held = await provider.acquire();
    await expect(provider.acquire()).rejects.toThrow(/no client free within acquireTimeoutMs=20/);
    provider.release(held);
    await provider.close();
    expect(() => pooled(() => 1, { max: 0 })).toThrow(ConfigError);
  });
});
