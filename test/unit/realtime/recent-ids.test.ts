import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRecentIds } from '../../../src/stores/realtime/memory/recent-ids.ts';

const TTL = 1_000;

test('an id is a duplicate while remembered: per site, until its time-to-live ends or newer ids take its place', () => {
  const ids = createRecentIds(3, TTL);
  assert.equal(ids.firstSeen('a', 'event-1', 0), true);
  assert.equal(ids.firstSeen('a', 'event-1', 10), false);
  assert.equal(ids.firstSeen('b', 'event-1', 10), true, 'another site’s id');
  assert.equal(ids.firstSeen('a', 'event-2', 20), true);
  assert.equal(ids.size, 3);
  // Full: the oldest (a, event-1) makes room.
  assert.equal(ids.firstSeen('a', 'event-3', 30), true);
  assert.equal(ids.size, 3);
  assert.equal(ids.firstSeen('b', 'event-1', 40), false);
  assert.equal(ids.firstSeen('a', 'event-1', 40), true, 'forgotten, so new again');
  // A duplicate keeps its first time: (b, event-1) from 10 expires at 10 + TTL.
  ids.expire(10 + TTL);
  assert.equal(ids.firstSeen('b', 'event-1', 10 + TTL), true);
  ids.expire(5 * TTL);
  assert.equal(ids.size, 0);
  ids.firstSeen('a', 'event-9', 5 * TTL);
  ids.clear();
  assert.equal(ids.size, 0);
  assert.equal(ids.firstSeen('a', 'event-9', 5 * TTL), true);
});

test('an id seen before a clock that went back is remembered again from the new time', () => {
  const ids = createRecentIds(4, TTL);
  assert.equal(ids.firstSeen('a', 'x', 5_000), true);
  assert.equal(ids.firstSeen('a', 'y', 5_100), true);
  // Without an expire call, an entry past its time-to-live is new again, once.
  assert.equal(ids.firstSeen('a', 'x', 7_000), true);
  assert.equal(ids.firstSeen('a', 'x', 7_001), false);
  assert.equal(ids.firstSeen('a', 'y', 7_002), true);
  ids.expire(7_500);
  assert.equal(ids.firstSeen('a', 'x', 7_500), false, 'its old place was forgotten, its new one is kept');
  assert.equal(ids.firstSeen('a', 'y', 7_500), false);
});

test('over 200,000 random operations the ids agree with a plain Map of the same rules', () => {
  // A small capacity and few distinct ids make evictions, re-insertions and long probe runs frequent.
  const capacity = 257;
  const ids = createRecentIds(capacity, TTL);
  const model = new Map<string, number>();
  let seed = 42;
  const random = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  let now = 0;
  for (let step = 0; step < 200_000; step++) {
    if (random(50) === 0) {
      now += random(3) === 0 ? random(TTL) : random(20);
      for (const [key, at] of model) {
        if (at > now - TTL) break;
        model.delete(key);
      }
      ids.expire(now);
    }
    const site = `s${random(3)}`;
    const id = `evt-${random(600)}`;
    const key = `${site}\u0000${id}`;
    const at = model.get(key);
    const expected = at === undefined || at <= now - TTL;
    if (expected) {
      model.delete(key);
      if (model.size === capacity) model.delete(model.keys().next().value as string);
      model.set(key, now);
    }
    assert.equal(ids.firstSeen(site, id, now), expected, `step ${step}: ${key} at ${now}`);
    assert.ok(ids.size >= model.size && ids.size <= capacity, `step ${step}: size ${ids.size}, model ${model.size}`);
  }
});
