import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMemoryRealtimeStore } from '../../../src/stores/realtime/memory/memory-realtime-store.ts';
import { defineRealtimeStoreSuite, NOW, realtimeEvent } from '../../helpers/realtime-store-suite.ts';

defineRealtimeStoreSuite('memory realtime store', async (options) => ({ store: createMemoryRealtimeStore(options) }));

describe('memory realtime store: what Redis would expire', () => {
  const DAY = 24 * 3600 * 1000;

  test('event ids are remembered for 2 days of wall clock, then a redelivery applies again', async () => {
    let wall = 1_000_000;
    const store = createMemoryRealtimeStore({ clock: () => wall });
    const event = realtimeEvent('page_view', { site: 'demo', user: 'u', at: NOW - 1000, path: '/a' });
    assert.deepEqual(await store.applyBatch([event]), { applied: 1, duplicates: 0 });
    wall += 2 * DAY - 1;
    assert.deepEqual(await store.applyBatch([event]), { applied: 0, duplicates: 1 });
    wall += 1;
    assert.deepEqual(await store.applyBatch([event]), { applied: 1, duplicates: 0 });
    await store.close();
  });

  test('a last position lapses after a day without moves, like the Redis hash with EXPIRE', async () => {
    let wall = 1_000_000;
    const store = createMemoryRealtimeStore({ clock: () => wall });
    await store.applyBatch([realtimeEvent('mouse_move', { site: 'demo', user: 'u', at: NOW - 1000, path: '/a', x: 1, y: 2 })]);
    wall += DAY - 1;
    assert.notEqual((await store.userStats('demo', 'u', NOW)).lastPosition, null);
    wall += 1;
    assert.equal((await store.userStats('demo', 'u', NOW)).lastPosition, null);
    await store.close();
  });

  test('a closed store refuses work', async () => {
    const store = createMemoryRealtimeStore();
    await store.close();
    await assert.rejects(store.ping());
    await assert.rejects(store.applyBatch([]));
  });
});
