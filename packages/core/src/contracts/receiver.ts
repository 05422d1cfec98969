/**
 * What a receiver is given while it runs: Spark's Receiver methods, passed in rather than inherited.
 */
export interface ReceiverContext<T> {
  /**
   * Buffers one record; the BlockGenerator cuts the buffer into a block every blockInterval (at
   * most `receiverMaxRate` records a second go into blocks). Returns a promise when the receiver
   * should slow down — too many records wait for batches (bounded memory) — that resolves once
   * there is room again: pause the upstream until then. The record is stored either way.
   * ```ts
   * const wait = context.store(line);
   * if (wait) { socket.pause(); void wait.then(() => socket.resume()); }
   * ```
   */
  store(record: T): void | Promise<void>;
  /**
   * Stores records as one block; resolves when the block is stored (durable with the WAL on), so a
   * reliable receiver acknowledges upstream only after it resolves. Waits first while the rate limit
   * or the bound on waiting records says so.
   * ```ts
   * await context.storeAll(messages); await ack(messages);
   * ```
   */
  storeAll(records: Iterable<T>): Promise<void>;
  /**
   * Stops the receiver, waits (with backoff) and starts it again: for lost connections.
   * ```ts
   * socket.on('close', () => context.restart('server closed the connection'));
   * ```
   */
  restart(reason: string, error?: unknown): void;
  /**
   * Reports an error to listeners without restarting.
   * ```ts
   * context.reportError('skipped a malformed line', err);
   * ```
   */
  reportError(message: string, error?: unknown): void;
  /**
   * True once the receiver was asked to stop: loops in the receiver should end.
   * ```ts
   * while (!context.isStopped()) await poll();
   * ```
   */
  isStopped(): boolean;
  /** The receiver's id within the context (0, 1, …). */
  readonly streamId: number;
}

/**
 * A push-based input that runs for the life of the context (Spark's Receiver). Register one with
 * `ctx.receiverStream(receiver)`.
 *
 * ```ts
 * const ticks: Receiver<number> = {
 *   name: 'ticks',
 *   onStart(context) { const t = setInterval(() => context.store(Date.now()), 10); this.timer = t; },
 *   onStop() { clearInterval(this.timer); },
 * };
 * ```
 */
export interface Receiver<T> {
  /** Shown in logs, listener events and `ctx.guarantees()`. */
  readonly name: string;
  /**
   * Whether the upstream re-sends what was not acknowledged (true for a reliable receiver whose
   * acks follow `storeAll`; replay across restarts also needs the WAL).
   */
  readonly reliable?: boolean;
  /**
   * Starts receiving. Must not block: start connections or loops and return.
   * ```ts
   * onStart(context) { connect().then((s) => s.on('data', (d) => context.store(d))); }
   * ```
   */
  onStart(context: ReceiverContext<T>): void | Promise<void>;
  /**
   * Stops receiving and releases what onStart made.
   * ```ts
   * onStop() { socket.destroy(); }
   * ```
   */
  onStop(): void | Promise<void>;
}
