// A least-recently-used map bounded by the bytes its values are counted as, each value gone at
// its own expiry: the shape of the isolate's memory tiers (decoded chunks, encoded answers).
// Pure data structure, no I/O; what a value is and what it costs is the caller's.

export interface ByteLru<V extends { expiresAt: number }> {
  /** The value if present and unexpired (and marks it recently used); an expired one is dropped. */
  get(key: string, now: number): V | undefined;
  /** Holds a value; one larger than the whole budget is not held (and replaces nothing). */
  set(key: string, value: V): void;
  delete(keys: Iterable<string>): void;
  /** Forgets every value the predicate picks. */
  deleteWhere(pick: (value: V) => boolean): void;
  size(): { entries: number; bytes: number };
}

export interface ByteLruOptions<V> {
  maxBytes: number;
  /** What a value is counted as against the budget. */
  sizeOf: (value: V) => number;
}

/** Creates an empty LRU. */
export function createByteLru<V extends { expiresAt: number }>(options: ByteLruOptions<V>): ByteLru<V> {
  // A Map iterates in insertion order: re-inserting on use keeps the least recent first.
  const entries = new Map<string, { value: V; bytes: number }>();
  let bytes = 0;

  const drop = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.bytes;
  };

  return {
    get(key, now) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.value.expiresAt <= now) {
        drop(key);
        return undefined;
      }
      entries.delete(key);
      entries.set(key, entry);
      return entry.value;
    },
    set(key, value) {
      const size = options.sizeOf(value);
      drop(key);
      if (size > options.maxBytes) return;
      entries.set(key, { value, bytes: size });
      bytes += size;
      for (const oldest of entries.keys()) {
        if (bytes <= options.maxBytes) break;
        drop(oldest);
      }
    },
    delete(keys) {
      for (const key of keys) drop(key);
    },
    deleteWhere(pick) {
      for (const [key, entry] of entries) if (pick(entry.value)) drop(key);
    },
    size: () => ({ entries: entries.size, bytes }),
  };
}
