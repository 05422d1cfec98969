import { AsyncLocalStorage } from 'node:async_hooks';

/** The accumulator deltas of the task running in this async context (none outside tasks). */
export const taskAccumulators = new AsyncLocalStorage<Map<number, number>>();

/**
 * Spark's accumulator: a sum that tasks add to (on the driver or on executors) and the driver
 * reads. Additions made by a task count once, when the task succeeds: a failed or retried attempt's
 * additions are dropped.
 *
 * ```ts
 * const malformed = ctx.accumulator('malformed');
 * events.filter((e) => { if (!e.ok) malformed.add(1); return e.ok; });
 * ```
 */
export class Accumulator {
  private total = 0;

  constructor(
    readonly id: number,
    readonly name: string,
  ) {}

  /** Adds `amount`: to the running task's additions, or straight to the total outside tasks. */
  add(amount = 1): void {
    const deltas = taskAccumulators.getStore();
    if (deltas === undefined) this.total += amount;
    else deltas.set(this.id, (deltas.get(this.id) ?? 0) + amount);
  }

  /** The total on the driver (on an executor: what was added there outside tasks). */
  get value(): number {
    return this.total;
  }

  /** @internal Applies a successful task's additions. */
  merge(amount: number): void {
    this.total += amount;
  }
}

/** Runs `fn` as a task attempt; its accumulator additions are applied only if it succeeds. */
export async function withTaskAccumulators<R>(
  fn: () => Promise<R>,
): Promise<{ result: R; deltas: Map<number, number> }> {
  const deltas = new Map<number, number>();
  const result = await taskAccumulators.run(deltas, fn);
  return { result, deltas };
}

/** Applies additions reported by a successful task. */
export function applyDeltas(accumulators: readonly Accumulator[], deltas: Iterable<[number, number]>): void {
  for (const [id, amount] of deltas) accumulators[id]?.merge(amount);
}

/**
 * Spark's broadcast variable: a read-only value sent once to each executor (structured clone),
 * instead of once per task.
 *
 * ```ts
 * const blacklist = ctx.broadcast(new Set(['spam', 'bot']));
 * words.filter((w) => !blacklist.value.has(w));
 * ```
 */
export interface Broadcast<T> {
  readonly id: number;
  readonly value: T;
}
