import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { createLiveHub, type LiveUpdate } from '../../../src/query/live-hub.ts';
import { afterApply } from '../../../src/stores/realtime/after-apply.ts';
import { createMemoryRealtimeStore } from '../../../src/stores/realtime/memory/memory-realtime-store.ts';
import type { RealtimeStore } from '../../../src/stores/realtime/realtime-store.ts';
import { openBus } from '../../helpers/embedded-bus.ts';
import { NOW, realtimeEvent } from '../../helpers/realtime-store-suite.ts';

/** An interval no test reaches: every push after the first comes from a wake. */
const NEVER = 3_600_000;

/** Counts the snapshots the hub reads, each one push. */
function counting(store: RealtimeStore): { store: RealtimeStore; reads: () => number } {
  let reads = 0;
  return {
    store: { ...store, snapshot: (site, now, options) => ((reads += 1), store.snapshot(site, now, options)) },
    reads: () => reads,
  };
}

/** Resolves with the n-th update a listener receives (bounded: fails after 5 s). */
function updates(t: TestContext) {
  const received: LiveUpdate[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const listener = (update: LiveUpdate) => {
    received.push(update);
    for (const waiter of waiters.filter((w) => received.length >= w.n)) waiter.resolve();
  };
  const nth = async (n: number): Promise<LiveUpdate> => {
    if (received.length < n) {
      const timeout = AbortSignal.timeout(5000);
      await new Promise<void>((resolve, reject) => {
        waiters.push({ n, resolve });
        timeout.addEventListener('abort', () => reject(new Error(`update ${n} never came (got ${received.length})`)));
      });
    }
    const update = received[n - 1];
    assert.ok(update !== undefined);
    return update;
  };
  t.after(() => waiters.splice(0));
  return { listener, nth, count: () => received.length };
}

test('a wake after an applied batch pushes the new figures without waiting for the interval', async (t) => {
  const bus = await openBus(t);
  const memory = createMemoryRealtimeStore();
  const hub = createLiveHub({ store: memory, bus, watches: [], intervalMs: NEVER, minGapMs: 0, now: () => NOW });
  t.after(() => hub.close());
  let wakes = 0;
  const store = afterApply(memory, () => {
    wakes += 1;
    hub.wake();
  });
  const seen = updates(t);
  hub.subscribe('demo', seen.listener);
  assert.equal((await seen.nth(1)).realtime.activeUsers, 0);

  await store.applyBatch([realtimeEvent('page_view', { site: 'demo', user: 'u1', at: NOW - 1000, path: '/a' })]);
  assert.equal((await seen.nth(2)).realtime.activeUsers, 1);
  assert.equal(wakes, 1);
});

test('a batch that applied nothing (a redelivery) wakes nobody', async () => {
  const memory = createMemoryRealtimeStore();
  let wakes = 0;
  const store = afterApply(memory, () => (wakes += 1));
  const event = realtimeEvent('page_view', { site: 'demo', user: 'u1', at: NOW - 1000, path: '/a' });
  assert.deepEqual(await store.applyBatch([event]), { applied: 1, duplicates: 0 });
  assert.deepEqual(await store.applyBatch([event]), { applied: 0, duplicates: 1 });
  assert.equal(wakes, 1);
  assert.equal((await store.snapshot('demo', NOW)).activeUsers, 1, 'every other call reaches the store');
  await store.close();
});

test('wakes during a push are folded into one more push, which reads the store after them', async (t) => {
  const bus = await openBus(t);
  const memory = createMemoryRealtimeStore();
  const { store, reads } = counting(memory);
  const hub = createLiveHub({ store, bus, watches: [], intervalMs: NEVER, minGapMs: 0, now: () => NOW });
  t.after(() => hub.close());
  const seen = updates(t);
  hub.subscribe('demo', seen.listener); // the first push starts reading now
  await memory.applyBatch([realtimeEvent('page_view', { site: 'demo', user: 'u1', at: NOW - 1000, path: '/a' })]);
  for (let i = 0; i < 50; i += 1) hub.wake();
  await seen.nth(2);
  assert.equal((await seen.nth(2)).realtime.activeUsers, 1);
  // Timers run in order: one set after the second push fires after any the hub set before it.
  await delay(20);
  assert.equal(seen.count(), 2);
  assert.equal(reads(), 2);
});

test('wakes closer together than minGapMs after a push bring one more push, not one each', async (t) => {
  const bus = await openBus(t);
  let clock = NOW;
  const { store, reads } = counting(createMemoryRealtimeStore());
  const hub = createLiveHub({ store, bus, watches: [], intervalMs: NEVER, minGapMs: 50, now: () => clock });
  t.after(() => hub.close());
  const seen = updates(t);
  hub.subscribe('demo', seen.listener);
  await seen.nth(1);
  clock += 10;
  hub.wake();
  hub.wake();
  hub.wake();
  await seen.nth(2);
  await delay(100);
  assert.equal(reads(), 2);
});

test('with nobody watching, a wake reads nothing', async (t) => {
  const bus = await openBus(t);
  const { store, reads } = counting(createMemoryRealtimeStore());
  const hub = createLiveHub({ store, bus, watches: [], intervalMs: NEVER, minGapMs: 0, now: () => NOW });
  t.after(() => hub.close());
  hub.wake();
  const seen = updates(t);
  const unsubscribe = hub.subscribe('demo', seen.listener);
  await seen.nth(1);
  unsubscribe();
  hub.wake();
  await delay(20);
  assert.equal(reads(), 1, 'only the push on subscribing');
});
