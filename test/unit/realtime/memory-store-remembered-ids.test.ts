import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryRealtimeStore } from '../../../src/stores/realtime/memory/memory-realtime-store.ts';
import { NOW, realtimeEvent } from '../../helpers/realtime-store-suite.ts';

/** The embedded store's duplicate memory is bounded by a count, so its size cannot follow the traffic. */
test('the memory store remembers the newest `rememberedIds` event ids and forgets older ones', async () => {
  const store = createMemoryRealtimeStore({ clock: () => 1_000_000, rememberedIds: 3 });
  const events = ['a', 'b', 'c', 'd'].map((user) => realtimeEvent('page_view', { site: 'demo', user, at: NOW - 1000, path: '/a' }));
  assert.deepEqual(await store.applyBatch(events.slice(0, 3)), { applied: 3, duplicates: 0 });
  // Within the bound: every id is still known.
  assert.deepEqual(await store.applyBatch(events.slice(0, 3)), { applied: 0, duplicates: 3 });
  assert.deepEqual(await store.applyBatch([events[3] as (typeof events)[number]]), { applied: 1, duplicates: 0 });
  // Four ids for three places: the oldest is forgotten before the next batch, the newest stay.
  assert.deepEqual(await store.applyBatch(events.slice(1)), { applied: 0, duplicates: 3 });
  assert.deepEqual(await store.applyBatch([events[0] as (typeof events)[number]]), { applied: 1, duplicates: 0 });
  await store.close();
});

test('rememberedIds must be a positive integer', () => {
  assert.throws(() => createMemoryRealtimeStore({ rememberedIds: 0 }), RangeError);
});
