/**
 * Keys of wide operations: primitives or arrays of primitives. Their hash decides the partition a
 * key lands in, so it must be the same in every process and after every restart: no object
 * identity, no per-process seed (FNV-1a over the key's canonical form).
 */
export type Key = string | number | boolean | bigint | null | undefined | readonly KeyPart[];
type KeyPart = string | number | boolean | bigint | null | undefined;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function hashString(s: string, h: number): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h;
}

function hashPart(value: unknown, h: number): number {
  switch (typeof value) {
    case 'string':
      return hashString(value, hashString('s', h));
    case 'number':
      // Integers and floats hash by their canonical decimal form, so 1 and 1.0 agree.
      return hashString(String(value), hashString('n', h));
    case 'boolean':
      return hashString(value ? 'T' : 'F', h);
    case 'bigint':
      return hashString(value.toString(), hashString('b', h));
    case 'undefined':
      return hashString('u', h);
    default:
      if (value === null) return hashString('z', h);
      if (Array.isArray(value)) {
        h = hashString('a', h);
        for (const part of value) h = hashPart(part, h);
        return h;
      }
      throw new TypeError(`a key must be a primitive or an array of primitives, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  try {
    return `${typeof value} ${JSON.stringify(value)?.slice(0, 80)}`;
  } catch {
    return typeof value;
  }
}

/** A stable 32-bit hash of a key. */
export function stableHash(key: unknown): number {
  return hashPart(key, FNV_OFFSET) >>> 0;
}

/** The partition (0..n-1) a key belongs to among n partitions. */
export function partitionOf(key: unknown, numPartitions: number): number {
  if (numPartitions === 1) return 0;
  return stableHash(key) % numPartitions;
}
