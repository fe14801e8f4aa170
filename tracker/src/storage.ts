import type { KeyValueStore } from './types.ts';

/**
 * localStorage that never throws: private modes, full quotas and sandboxed
 * frames fall back to memory, so the page keeps working and the tracker only
 * loses what it would have persisted.
 */
export function safeStore(open: () => KeyValueStore | null | undefined): KeyValueStore {
  const memory = new Map<string, string>();
  let backing: KeyValueStore | null = null;
  try {
    backing = open() ?? null;
  } catch {
    backing = null;
  }
  return {
    getItem(key) {
      try {
        if (backing !== null) return backing.getItem(key);
      } catch {
        // fall through to memory
      }
      return memory.get(key) ?? null;
    },
    setItem(key, value) {
      memory.set(key, value);
      try {
        backing?.setItem(key, value);
      } catch {
        // quota or security error: memory keeps it for this page
      }
    },
    removeItem(key) {
      memory.delete(key);
      try {
        backing?.removeItem(key);
      } catch {
        // ignore
      }
    },
  };
}

export function readJson(store: KeyValueStore, key: string): unknown {
  const text = store.getItem(key);
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
