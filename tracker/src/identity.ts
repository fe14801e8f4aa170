import { readJson } from './storage.ts';
import { storageKeys, type KeyValueStore } from './types.ts';

export interface Identity {
  /** The identified id if identify() was called, else the anonymous id (created on first use). */
  userId(): string;
  /** The session id at `now`: a new one after `timeoutMs` without events; records the activity. */
  sessionId(now: number): string;
  /** Sets the identified user id; returns the id events carried before. */
  identify(userId: string): string;
  /** Forgets every id (logout or opt-out); the next event starts a new visitor. */
  reset(): void;
  /** The ids in use, without creating any. */
  peek(): { userId: string | null; sessionId: string | null };
}

interface StoredSession {
  id: string;
  t: number;
}

const isSession = (value: unknown): value is StoredSession =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as StoredSession).id === 'string' &&
  typeof (value as StoredSession).t === 'number';

/** Anonymous visitor id and 30-minute-inactivity session, both kept in the browser's storage. */
export function createIdentity(store: KeyValueStore, newId: () => string, timeoutMs: number): Identity {
  const current = (): string | null => store.getItem(storageKeys.identified) ?? store.getItem(storageKeys.user);
  const userId = (): string => {
    const known = current();
    if (known !== null && known !== '') return known;
    const id = newId();
    store.setItem(storageKeys.user, id);
    return id;
  };
  return {
    userId,
    sessionId(now) {
      const stored = readJson(store, storageKeys.session);
      const id = isSession(stored) && now - stored.t < timeoutMs && now >= stored.t - timeoutMs ? stored.id : newId();
      store.setItem(storageKeys.session, JSON.stringify({ id, t: now }));
      return id;
    },
    identify(id) {
      const before = userId();
      store.setItem(storageKeys.identified, id);
      return before;
    },
    reset() {
      store.removeItem(storageKeys.identified);
      store.removeItem(storageKeys.user);
      store.removeItem(storageKeys.session);
    },
    peek() {
      const stored = readJson(store, storageKeys.session);
      return { userId: current(), sessionId: isSession(stored) ? stored.id : null };
    },
  };
}
