/**
 * Runs calls with the same key one after another (a failed call does not stop the next): an
 * idempotent producer keeps one sequence per partition, and concurrent requests to one partition
 * could reach the broker out of order.
 */
export function perKeyQueue(): <R>(key: string, fn: () => Promise<R>) => Promise<R> {
  const tails = new Map<string, Promise<unknown>>();
  return <R>(key: string, fn: () => Promise<R>): Promise<R> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(fn);
    tails.set(key, next);
    void next
      .finally(() => {
        if (tails.get(key) === next) tails.delete(key);
      })
      .catch(() => undefined);
    return next;
  };
}
