/**
 * A bounded memo for pure functions of a string (User-Agent parsing, URL parts): at most `2 × limit`
 * entries, and what was used recently stays. Two generations instead of a strict LRU list: a hit
 * in the young map costs one lookup (no reordering on the hot path); a hit in the old one moves the
 * entry to the young map; when the young map is full it becomes the old one and the previous old
 * one is dropped. So an entry used at least once per `limit` new keys is never evicted, and a flood
 * of distinct keys (random User-Agents) costs a bounded amount of memory.
 */
export interface RecentCache<V> {
  get(key: string): V;
  /** Entries held now (at most 2 × limit). */
  readonly size: number;
}

export function recentCache<V>(limit: number, compute: (key: string) => V): RecentCache<V> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a cache needs a positive integer limit, got ${limit}`);
  let young = new Map<string, V>();
  let old = new Map<string, V>();
  const remember = (key: string, value: V): V => {
    if (young.size >= limit) {
      old = young;
      young = new Map();
    }
    young.set(key, value);
    return value;
  };
  return {
    get(key) {
      const hit = young.get(key);
      if (hit !== undefined || young.has(key)) return hit as V;
      if (old.has(key)) {
        const value = old.get(key) as V;
        old.delete(key);
        return remember(key, value);
      }
      return remember(key, compute(key));
    },
    get size() {
      return young.size + old.size;
    },
  };
}
