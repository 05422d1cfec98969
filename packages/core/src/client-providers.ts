import type { ClientProvider, ClientProviderStats } from './contracts/client-provider.js';
import { ConfigError } from './errors.js';

/**
 * Providers that created a client in this executor. Module state is per worker thread, so each
 * executor closes exactly the clients it made when it stops (see closeExecutorClients).
 */
const openProviders = new Set<ClientProvider<unknown>>();

/** Closes every client created in this executor (thread). Called when the executor stops. */
export async function closeExecutorClients(): Promise<void> {
  const providers = [...openProviders];
  openProviders.clear();
  await Promise.allSettled(providers.map((p) => p.close()));
}

export interface PerExecutorOptions<C> {
  /** How to close a client: on stop, and when it was released with an error. */
  close?: (client: C) => unknown;
}

/**
 * One lazily created client per executor, shared by every task that runs there (Spark users write
 * this by hand as a lazy singleton object per JVM). Declare it at module scope of the job.
 *
 * ```ts
 * export const redis = perExecutor(() => new Redis(6379, '127.0.0.1'), { close: (c) => c.quit() });
 * ```
 */
export function perExecutor<C>(
  create: () => C | Promise<C>,
  options: PerExecutorOptions<C> = {},
): ClientProvider<C> {
  let current: Promise<C> | undefined;
  /** The client `current` resolved to, known synchronously so a broken one is dropped at once. */
  let resolved: C | undefined;
  let created = 0;
  let closed = 0;
  let inUse = 0;

  const closeClient = async (client: Promise<C>): Promise<void> => {
    closed++;
    const c = await client.catch(() => undefined);
    if (c !== undefined) await options.close?.(c as C);
  };

  const provider: ClientProvider<C> = {
    kind: 'per-executor',
    async acquire() {
      if (current === undefined) {
        created++;
        const attempt = Promise.resolve().then(create);
        current = attempt;
        openProviders.add(provider as ClientProvider<unknown>);
        // A failed creation is not cached: the next acquire tries again.
        attempt.then(
          (client) => {
            if (current === attempt) resolved = client;
          },
          () => {
            if (current === attempt) current = undefined;
            closed++;
          },
        );
      }
      const client = await current;
      inUse++;
      return client;
    },
    release(client, error) {
      inUse = Math.max(0, inUse - 1);
      // Dropped synchronously: the next acquire, even in the same tick, creates a new client.
      if (error !== undefined && current !== undefined && resolved === client) {
        const broken = current;
        current = undefined;
        resolved = undefined;
        void closeClient(broken);
      }
    },
    async use(fn) {
      const client = await provider.acquire();
      try {
        const result = await fn(client);
        provider.release(client);
        return result;
      } catch (error) {
        provider.release(client, error);
        throw error;
      }
    },
    async close() {
      openProviders.delete(provider as ClientProvider<unknown>);
      const client = current;
      current = undefined;
      resolved = undefined;
      if (client !== undefined) await closeClient(client);
    },
    stats: (): ClientProviderStats => ({
      created,
      closed,
      inUse,
      idle: current !== undefined && inUse === 0 ? 1 : 0,
    }),
  };
  return provider;
}

export interface PooledOptions<C> {
  /** Most clients open at once in one executor. */
  max: number;
  /** How to close a client. */
  close?: (client: C) => unknown;
  /** Close a client idle this long (ms). Default 30 000; 0 keeps idle clients until stop. */
  idleTimeoutMs?: number;
  /** Longest wait for a free client (ms) before `acquire` fails. Default 30 000. */
  acquireTimeoutMs?: number;
}

/**
 * A small pool of clients per executor: at most `max` open at once; idle ones are reused first.
 *
 * ```ts
 * export const mysql = pooled(() => createConnection(url), { max: 4, close: (c) => c.end() });
 * ```
 */
export function pooled<C>(create: () => C | Promise<C>, options: PooledOptions<C>): ClientProvider<C> {
  if (!Number.isInteger(options.max) || options.max < 1) {
    throw new ConfigError(`pooled: max must be a whole number >= 1, got ${String(options.max)}`);
  }
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const acquireTimeoutMs = options.acquireTimeoutMs ?? 30_000;
  const idle: Array<{ client: C; timer: NodeJS.Timeout | undefined }> = [];
  const lent = new Set<C>();
  const waiters: Array<{ resolve: (c: C) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }> = [];
  let opening = 0;
  let created = 0;
  let closed = 0;

  const destroy = (client: C): void => {
    closed++;
    void Promise.resolve()
      .then(() => options.close?.(client))
      .catch(() => undefined);
  };

  const open = async (): Promise<C> => {
    opening++;
    created++;
    try {
      const client = await create();
      openProviders.add(provider as ClientProvider<unknown>);
      return client;
    } catch (error) {
      closed++;
      throw error;
    } finally {
      opening--;
    }
  };

  const lend = (client: C): C => {
    lent.add(client);
    return client;
  };

  // When a slot frees up, hand a client (reused or new) to the oldest waiter.
  const serveWaiter = (): void => {
    const waiter = waiters.shift();
    if (waiter === undefined) return;
    clearTimeout(waiter.timer);
    const reused = idle.pop();
    if (reused !== undefined) {
      clearTimeout(reused.timer);
      waiter.resolve(lend(reused.client));
      return;
    }
    open().then((c) => waiter.resolve(lend(c)), waiter.reject);
  };

  const provider: ClientProvider<C> = {
    kind: 'pooled',
    async acquire() {
      const reused = idle.pop();
      if (reused !== undefined) {
        clearTimeout(reused.timer);
        return lend(reused.client);
      }
      if (lent.size + opening < options.max) return lend(await open());
      return new Promise<C>((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.findIndex((w) => w.timer === timer);
          if (i >= 0) waiters.splice(i, 1);
          reject(
            new ConfigError(
              `pooled: no client free within acquireTimeoutMs=${acquireTimeoutMs} (max=${options.max})`,
            ),
          );
        }, acquireTimeoutMs);
        waiters.push({ resolve, reject, timer });
      });
    },
    release(client, error) {
      if (!lent.delete(client)) return;
      if (error !== undefined) {
        destroy(client);
      } else if (waiters.length > 0) {
        const waiter = waiters.shift()!;
        clearTimeout(waiter.timer);
        waiter.resolve(lend(client));
        return;
      } else {
        const entry: { client: C; timer: NodeJS.Timeout | undefined } = { client, timer: undefined };
        if (idleTimeoutMs > 0) {
          entry.timer = setTimeout(() => {
            const i = idle.indexOf(entry);
            if (i >= 0) {
              idle.splice(i, 1);
              destroy(client);
            }
          }, idleTimeoutMs);
          entry.timer.unref();
        }
        idle.push(entry);
        return;
      }
      serveWaiter();
    },
    async use(fn) {
      const client = await provider.acquire();
      try {
        const result = await fn(client);
        provider.release(client);
        return result;
      } catch (error) {
        provider.release(client, error);
        throw error;
      }
    },
    async close() {
      openProviders.delete(provider as ClientProvider<unknown>);
      for (const entry of idle.splice(0)) {
        clearTimeout(entry.timer);
        closed++;
        await Promise.resolve(options.close?.(entry.client)).catch(() => undefined);
      }
      for (const client of lent) {
        closed++;
        await Promise.resolve(options.close?.(client)).catch(() => undefined);
      }
      lent.clear();
    },
    stats: () => ({ created, closed, inUse: lent.size, idle: idle.length }),
  };
  return provider;
}
