/**
 * How a sink or source gets its client. Connections are never created on the driver and shipped:
 * a provider is declared at module scope of the job, so each executor (worker thread) that loads the
 * job module gets its own provider and therefore its own clients. See `perExecutor` and `pooled`.
 */
export interface ClientProviderStats {
  /** Clients created since the provider was made. */
  readonly created: number;
  /** Clients closed (on release with an error, on idle, or on close). */
  readonly closed: number;
  /** Clients currently lent out. */
  readonly inUse: number;
  /** Clients open and waiting to be lent. */
  readonly idle: number;
}

/**
 * ```ts
 * const redis = perExecutor(() => new Redis('redis://127.0.0.1:6379'), { close: (c) => c.quit() });
 * await redis.use(async (client) => client.incr('hits'));
 * ```
 */
export interface ClientProvider<C> {
  /** `per-executor`: one lazy client per executor; `pooled`: a small pool per executor. */
  readonly kind: 'per-executor' | 'pooled';
  /**
   * Lends a client, creating it on first use.
   * ```ts
   * const client = await provider.acquire();
   * ```
   */
  acquire(): Promise<C>;
  /**
   * Returns a client. Pass the error that made the client unusable (a dropped connection) and the
   * provider closes it instead of lending it again.
   * ```ts
   * provider.release(client, err);
   * ```
   */
  release(client: C, error?: unknown): void;
  /**
   * acquire → fn → release, releasing with the error if fn throws.
   * ```ts
   * await provider.use((client) => client.query('SELECT 1'));
   * ```
   */
  use<R>(fn: (client: C) => Promise<R>): Promise<R>;
  /**
   * Closes every client this provider created in this executor; a later acquire creates anew.
   * ```ts
   * await provider.close();
   * ```
   */
  close(): Promise<void>;
  /**
   * Counts, for tests and metrics.
   * ```ts
   * expect(provider.stats().created).toBe(1);
   * ```
   */
  stats(): ClientProviderStats;
}
