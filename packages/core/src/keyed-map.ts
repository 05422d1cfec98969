/**
 * A Map whose keys may be arrays compared by content (composite keys of wide operations).
 * Primitive keys go straight into a native Map (the hot path); array keys are encoded to a string
 * and the original array kept for iteration.
 */
export class KeyedMap<K, V> {
  /** @internal Primitive keys; hot loops use it directly after their own typeof check. */
  readonly primitives = new Map<unknown, V>();
  private composites: Map<string, { key: K; value: V }> | undefined;

  get size(): number {
    return this.primitives.size + (this.composites?.size ?? 0);
  }

  get(key: K): V | undefined {
    if (typeof key !== 'object' || key === null) return this.primitives.get(key);
    return this.composites?.get(encodeComposite(key))?.value;
  }

  has(key: K): boolean {
    if (typeof key !== 'object' || key === null) return this.primitives.has(key);
    return this.composites?.has(encodeComposite(key)) ?? false;
  }

  set(key: K, value: V): void {
    if (typeof key !== 'object' || key === null) {
      this.primitives.set(key, value);
      return;
    }
    this.composites ??= new Map();
    this.composites.set(encodeComposite(key), { key, value });
  }

  delete(key: K): boolean {
    if (typeof key !== 'object' || key === null) return this.primitives.delete(key);
    return this.composites?.delete(encodeComposite(key)) ?? false;
  }

  forEach(fn: (value: V, key: K) => void): void {
    this.primitives.forEach(fn as (value: V, key: unknown) => void);
    this.composites?.forEach((entry) => fn(entry.value, entry.key));
  }

  *entries(): IterableIterator<[K, V]> {
    yield* this.primitives.entries() as IterableIterator<[K, V]>;
    if (this.composites) for (const { key, value } of this.composites.values()) yield [key, value];
  }
}

function encodeComposite(key: object): string {
  if (!Array.isArray(key)) {
    throw new TypeError(
      `a key must be a primitive or an array of primitives, got ${Object.prototype.toString.call(key)}`,
    );
  }
  let out = '';
  for (const part of key) {
    const t = typeof part;
    if (t === 'object' && part !== null) {
      throw new TypeError('a composite key may only hold primitives (no nested arrays or objects)');
    }
    // Type tag + length prefix keeps ['a,b'] and ['a', 'b'] apart.
    const s = t === 'bigint' ? (part as bigint).toString() : String(part);
    out += `${t[0]}${s.length}:${s}`;
  }
  return out;
}
