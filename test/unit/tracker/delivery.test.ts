import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDelivery, type Clock, type DeliveryOptions, type Outgoing, type Transport } from '../../../tracker/src/delivery.ts';
import type { KeyValueStore, PulseEvent } from '../../../tracker/src/types.ts';

const queueKey = 'pulse:q';

const memory = (): KeyValueStore & { map: Map<string, string> } => {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
};

/** A clock whose timers run only when the test advances it. */
function fakeClock(): Clock & { advance(ms: number): Promise<void>; pending(): number[] } {
  let now = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; run: () => void }>();
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    now: () => now,
    setTimeout: (run, ms) => {
      seq += 1;
      timers.set(seq, { at: now + ms, run });
      return seq;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
    random: () => 0.5, // no jitter
    pending: () => [...timers.values()].map((t) => t.at - now).sort((a, b) => a - b),
    async advance(ms) {
      const until = now + ms;
      for (;;) {
        await settle();
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].run();
      }
      now = until;
      await settle();
    },
  };
}

interface Call {
  url: string;
  ids: string[];
}

/** A transport answering each request with the next status of `answers` (0: unreachable), then 202. */
function fakeTransport(answers: number[] = []): Transport & { posts: Call[]; beacons: Call[]; beaconResult: boolean } {
  const ids = (body: string) => (JSON.parse(body) as PulseEvent[]).map((e) => e.event_id);
  const transport = {
    posts: [] as Call[],
    beacons: [] as Call[],
    beaconResult: true,
    post(url: string, body: string) {
      transport.posts.push({ url, ids: ids(body) });
      const status = answers.shift() ?? 202;
      return status === 0 ? Promise.reject(new TypeError('Failed to fetch')) : Promise.resolve({ status });
    },
    beacon(url: string, body: string) {
      transport.beacons.push({ url, ids: ids(body) });
      return transport.beaconResult;
    },
  };
  return transport;
}

const options: DeliveryOptions = { batchSize: 3, flushInterval: 1000, maxQueue: 10, minBackoff: 1000, maxBackoff: 30_000 };
let n = 0;
const item = (url = '/api/events'): Outgoing => {
  n += 1;
  const type = url.endsWith('coordinates') ? 'mouse_move' : 'click';
  return {
    u: url,
    e: {
      type,
      event_id: `evt-${n}`,
      site: 'demo',
      user_id: 'u',
      session_id: 's',
      url: 'https://shop.example/',
      ts: '2026-01-01T00:00:00.000Z',
    },
  };
};
const stored = (store: KeyValueStore): string[] => (JSON.parse(store.getItem(queueKey) ?? '[]') as Outgoing[]).map((i) => i.e.event_id);

test('a full batch is sent at once; the rest waits for the flush interval', async () => {
  const clock = fakeClock();
  const transport = fakeTransport();
  const delivery = createDelivery(transport, clock, memory(), options);
  const items = Array.from({ length: 7 }, () => item());
  for (const i of items) delivery.enqueue(i);
  await clock.advance(0);
  assert.deepEqual(
    transport.posts.map((p) => p.ids.length),
    [3, 3],
  );
  await clock.advance(999);
  assert.equal(transport.posts.length, 2);
  await clock.advance(1);
  assert.deepEqual(
    transport.posts.flatMap((p) => p.ids),
    items.map((i) => i.e.event_id),
    'every event once, in order',
  );
  assert.deepEqual(delivery.stats(), { queued: 0, sent: 7, dropped: 0, failures: 0 });
});

test('events and mouse positions go to their own endpoints', async () => {
  const clock = fakeClock();
  const transport = fakeTransport();
  const delivery = createDelivery(transport, clock, memory(), options);
  delivery.enqueue(item('/api/events'));
  delivery.enqueue(item('/api/coordinates'));
  delivery.enqueue(item('/api/coordinates'));
  await clock.advance(1000);
  await clock.advance(0);
  assert.deepEqual(
    transport.posts.map((p) => [p.url, p.ids.length]),
    [
      ['/api/events', 1],
      ['/api/coordinates', 2],
    ],
  );
});

test('503, 429 and an unreachable ingest are retried with exponential backoff, same event ids, kept in storage meanwhile', async () => {
  const clock = fakeClock();
  const store = memory();
  const transport = fakeTransport([503, 0, 429, 0]);
  const delivery = createDelivery(transport, clock, store, options);
  const batch = [item(), item()];
  for (const i of batch) delivery.enqueue(i);
  await clock.advance(1000); // first attempt: 503
  assert.deepEqual(
    stored(store),
    batch.map((i) => i.e.event_id),
  );
  assert.deepEqual(clock.pending(), [1000]);
  await clock.advance(1000); // second: unreachable
  assert.deepEqual(clock.pending(), [2000]);
  await clock.advance(2000); // third: 429
  assert.deepEqual(clock.pending(), [4000]);
  const late = item();
  delivery.enqueue(late); // while failing: straight to storage, no extra request
  assert.equal(transport.posts.length, 3);
  assert.equal(stored(store).length, 3);
  await clock.advance(4000); // fourth: unreachable
  assert.deepEqual(clock.pending(), [8000]);
  await clock.advance(8000); // fifth: 202
  assert.equal(transport.posts.length, 5);
  const expected = [...batch, late].map((i) => i.e.event_id);
  assert.ok(
    transport.posts.every((p) => p.ids.join() === expected.slice(0, p.ids.length).join()),
    'every retry carries the same event ids',
  );
  assert.deepEqual(transport.posts.at(-1)?.ids, expected);
  assert.equal(store.getItem(queueKey), null, 'storage is emptied once delivered');
  assert.deepEqual(delivery.stats(), { queued: 0, sent: 3, dropped: 0, failures: 0 });
});

test('the backoff stops growing at its maximum and honours Retry-After', async () => {
  const clock = fakeClock();
  const failures = Array.from({ length: 8 }, () => 503);
  const transport = fakeTransport(failures);
  const delivery = createDelivery(transport, clock, memory(), { ...options, maxBackoff: 10_000 });
  delivery.enqueue(item());
  await clock.advance(1000);
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    const [next = 0] = clock.pending();
    delays.push(next);
    await clock.advance(next);
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 10_000]);

  const clock2 = fakeClock();
  const slow: Transport = { post: () => Promise.resolve({ status: 503, retryAfter: 7 }), beacon: () => true };
  const delivery2 = createDelivery(slow, clock2, memory(), options);
  delivery2.enqueue(item());
  await clock2.advance(1000);
  assert.deepEqual(clock2.pending(), [7000]);
});

test('other 4xx answers are final: the batch is dropped, not retried', async () => {
  const clock = fakeClock();
  const store = memory();
  const transport = fakeTransport([400, 403, 413]);
  const delivery = createDelivery(transport, clock, store, { ...options, batchSize: 1 });
  for (let i = 0; i < 4; i++) delivery.enqueue(item());
  await clock.advance(0);
  await clock.advance(0);
  await clock.advance(0);
  await clock.advance(0);
  assert.equal(transport.posts.length, 4);
  assert.deepEqual(delivery.stats(), { queued: 0, sent: 1, dropped: 3, failures: 0 });
  assert.deepEqual(clock.pending(), []);
  assert.equal(store.getItem(queueKey), null);
});

test('what could not be delivered survives a reload: the next page sends it first', async () => {
  const clock = fakeClock();
  const store = memory();
  const down = createDelivery(fakeTransport([0, 0, 0]), clock, store, options);
  const before = [item(), item()];
  for (const i of before) down.enqueue(i);
  await clock.advance(1000);
  down.pageHidden(); // leaving the page while ingest is down: no beacon, the queue stays
  assert.deepEqual(
    stored(store),
    before.map((i) => i.e.event_id),
  );

  const transport = fakeTransport();
  const nextPage = createDelivery(transport, clock, store, options);
  assert.equal(store.getItem(queueKey), null, 'the next page took the queue over');
  nextPage.enqueue(item());
  await clock.advance(0);
  assert.deepEqual(
    transport.posts[0]?.ids.slice(0, 2),
    before.map((i) => i.e.event_id),
  );
});

test('on page hide, what is queued goes by beacon; a refused beacon keeps it in storage', async () => {
  const clock = fakeClock();
  const store = memory();
  const transport = fakeTransport();
  const delivery = createDelivery(transport, clock, store, options);
  const events = [item(), item('/api/coordinates')];
  for (const i of events) delivery.enqueue(i);
  delivery.pageHidden();
  assert.deepEqual(
    transport.beacons.map((b) => [b.url, b.ids]),
    [
      ['/api/events', [events[0]?.e.event_id]],
      ['/api/coordinates', [events[1]?.e.event_id]],
    ],
  );
  assert.equal(store.getItem(queueKey), null);
  assert.equal(delivery.stats().queued, 0);

  transport.beaconResult = false;
  const refused = item();
  delivery.enqueue(refused);
  delivery.pageHidden();
  assert.deepEqual(stored(store), [refused.e.event_id]);
});

test('the queue is bounded: the oldest events are dropped first', async () => {
  const clock = fakeClock();
  const store = memory();
  const delivery = createDelivery(fakeTransport(Array.from({ length: 20 }, () => 0)), clock, store, options);
  const items = Array.from({ length: 14 }, () => item());
  for (const i of items) delivery.enqueue(i);
  await clock.advance(1000);
  await clock.advance(0);
  assert.equal(delivery.stats().queued, 10);
  assert.equal(delivery.stats().dropped, 4);
  assert.deepEqual(
    stored(store),
    items.slice(4).map((i) => i.e.event_id),
  );
});

test('storage written by another tab is kept when this tab updates its own entries', async () => {
  const clock = fakeClock();
  const store = memory();
  const answers = [0];
  const delivery = createDelivery(fakeTransport(answers), clock, store, options);
  const mine = item();
  delivery.enqueue(mine);
  const theirs = item();
  store.setItem(queueKey, JSON.stringify([theirs])); // another tab, also failing, saved its queue
  await clock.advance(1000); // this tab fails too and saves
  assert.deepEqual(stored(store).sort(), [mine.e.event_id, theirs.e.event_id].sort());
  await clock.advance(1000); // delivered
  assert.deepEqual(stored(store), [theirs.e.event_id]);
});
