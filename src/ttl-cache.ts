/**
 * A per-process read-through cache whose entries live `ttlMs`: what another process (the
 * operator CLI, another worker) changes is seen here at most that long after. Concurrent
 * reads of one key share one load; a failed load is not kept; the oldest entries go first
 * when `maxEntries` is reached, so unknown keys cannot grow it without bound.
 */
export interface TtlCache<K, V> {
  get(key: K): Promise<V>;
  /** Forgets one key, or everything: for changes made in this process. */
  forget(key?: K): void;
}

export function createTtlCache<K, V>(load: (key: K) => Promise<V>, options: { ttlMs: number; maxEntries: number; now?: () => number }): TtlCache<K, V> {
  const now = options.now ?? Date.now;
  const entries = new Map<K, { value: Promise<V>; expires: number }>();
  return {
    get(key) {
      const hit = entries.get(key);
      if (hit && hit.expires > now()) return hit.value;
      if (hit) entries.delete(key);
      if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value as K);
      const value = load(key);
      const entry = { value, expires: now() + options.ttlMs };
      entries.set(key, entry);
      value.catch(() => {
        if (entries.get(key) === entry) entries.delete(key);
      });
      return value;
    },
    forget(key) {
      if (key === undefined) entries.clear();
      else entries.delete(key);
    },
  };
}
