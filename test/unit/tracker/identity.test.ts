import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createIdentity } from '../../../tracker/src/identity.ts';
import { safeStore } from '../../../tracker/src/storage.ts';
import type { KeyValueStore } from '../../../tracker/src/types.ts';

const memory = (): KeyValueStore => {
  const map = new Map<string, string>();
  return { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
};
const counter = () => {
  let n = 0;
  return () => `id-${++n}`;
};
const minutes = (n: number) => n * 60_000;

test('the anonymous user id is created once and kept in storage', () => {
  const store = memory();
  const ids = counter();
  const first = createIdentity(store, ids, minutes(30));
  assert.equal(first.userId(), 'id-1');
  assert.equal(first.userId(), 'id-1');
  assert.equal(createIdentity(store, ids, minutes(30)).userId(), 'id-1', 'a later page load reads the same id');
  assert.equal(createIdentity(memory(), ids, minutes(30)).userId(), 'id-2', 'another browser gets another id');
});

test('a session lasts while events keep coming and is renewed after 30 minutes without one', () => {
  const identity = createIdentity(memory(), counter(), minutes(30));
  const start = Date.parse('2026-01-01T10:00:00Z');
  const s1 = identity.sessionId(start);
  assert.equal(identity.sessionId(start + minutes(29)), s1);
  assert.equal(identity.sessionId(start + minutes(58)), s1, 'each event extends the session');
  const s2 = identity.sessionId(start + minutes(58) + minutes(30));
  assert.notEqual(s2, s1, 'renewed after 30 minutes of inactivity');
  assert.deepEqual(identity.peek(), { userId: null, sessionId: s2 });
});

test('identify() switches the user id and returns the previous one; reset() forgets every id', () => {
  const store = memory();
  const identity = createIdentity(store, counter(), minutes(30));
  const anonymous = identity.userId();
  assert.equal(identity.identify('customer-42'), anonymous);
  assert.equal(identity.userId(), 'customer-42');
  assert.equal(createIdentity(store, counter(), minutes(30)).userId(), 'customer-42', 'kept across page loads');
  identity.sessionId(0);
  identity.reset();
  assert.deepEqual(identity.peek(), { userId: null, sessionId: null });
  assert.notEqual(identity.userId(), anonymous);
});

test('storage that throws (private mode, full quota) falls back to memory', () => {
  const broken: KeyValueStore = {
    getItem: () => {
      throw new Error('SecurityError');
    },
    setItem: () => {
      throw new Error('QuotaExceededError');
    },
    removeItem: () => {
      throw new Error('SecurityError');
    },
  };
  const store = safeStore(() => broken);
  store.setItem('k', 'v');
  assert.equal(store.getItem('k'), 'v');
  store.removeItem('k');
  assert.equal(store.getItem('k'), null);
  const unavailable = safeStore(() => {
    throw new Error('localStorage is not available');
  });
  unavailable.setItem('k', 'v');
  assert.equal(unavailable.getItem('k'), 'v');
});
