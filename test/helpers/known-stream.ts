import assert from 'node:assert/strict';
import type { OutgoingRecord } from '../../src/bus/bus.ts';
import { topicForEvent, topics, type TopicNames } from '../../src/bus/topics.ts';
import type { EnrichedEvent } from '../../src/contract/event-schema.ts';
import type { RealtimeStore } from '../../src/stores/realtime/realtime-store.ts';
import { random } from '../../src/generator/prng.ts';
import { realtimeEvent } from './realtime-store-suite.ts';

export interface KnownStream {
  /** What is sent, in order, with 1% of events sent twice (same event_id). */
  sent: EnrichedEvent[];
  unique: EnrichedEvent[];
  expected: {
    activeUsers: number;
    pageViews: Map<string, number>;
    eventsPerUser: Map<string, number>;
    lastPosition: Map<string, { x: number; y: number; ts: number }>;
  };
}

const paths = ['/', '/products', '/products/42', '/cart', '/checkout', '/about', '/blog/kafka', '/contact'];

/**
 * A realistic mix for one site: page views skewed to a few pages, clicks,
 * form submits, custom events and mouse moves, spread over the last
 * `spanMs` before `now`, with event times unique per user.
 */
export function knownStream(
  site: string,
  options: { count: number; users: number; seed: number; now: number; spanMs?: number },
): KnownStream {
  const rand = random(options.seed);
  const span = options.spanMs ?? 180_000;
  const users = Array.from({ length: options.users }, (_, i) => `${site}-u${i}`);
  const unique: EnrichedEvent[] = [];
  for (let i = 0; i < options.count; i += 1) {
    const user = users[Math.floor(rand() * users.length)] as string;
    const at = options.now - span + Math.floor((i / options.count) * (span - 5000)) + 1;
    const path = paths[Math.min(paths.length - 1, Math.floor(rand() ** 2 * paths.length))] as string;
    const roll = rand();
    const fields = { site, user, session: `${user}-s${Math.floor(rand() * 2)}`, at, path, id: `${site}-evt-${String(i).padStart(6, '0')}` };
    if (roll < 0.4) unique.push(realtimeEvent('page_view', fields));
    else if (roll < 0.55) unique.push(realtimeEvent('click', { ...fields, selector: 'button#buy', text: 'Buy' }));
    else if (roll < 0.6) unique.push(realtimeEvent('form_submit', { ...fields, form_id: 'contact' }));
    else if (roll < 0.65) unique.push(realtimeEvent('custom', { ...fields, name: 'signup' }));
    else {
      const x = Math.floor(rand() * 1280);
      const y = Math.floor(rand() * 800);
      unique.push(realtimeEvent('mouse_move', { ...fields, x, y, viewport_w: 1280, viewport_h: 800 }));
    }
  }
  const sent: EnrichedEvent[] = [];
  for (const event of unique) {
    sent.push(event);
    if (rand() < 0.01) sent.push({ ...event });
  }
  const expected: KnownStream['expected'] = { activeUsers: 0, pageViews: new Map(), eventsPerUser: new Map(), lastPosition: new Map() };
  for (const event of unique) {
    expected.eventsPerUser.set(event.user_id, (expected.eventsPerUser.get(event.user_id) ?? 0) + 1);
    if (event.type === 'page_view') expected.pageViews.set(event.path, (expected.pageViews.get(event.path) ?? 0) + 1);
    if (event.type === 'mouse_move') {
      const { x, y } = event as unknown as { x: number; y: number };
      expected.lastPosition.set(event.user_id, { x, y, ts: Date.parse(event.received_at) });
    }
  }
  expected.activeUsers = expected.eventsPerUser.size;
  return { sent, unique, expected };
}

/** The records a producer would write for these events: routed and keyed as ingest does. */
export function recordsOf(events: readonly EnrichedEvent[], names: TopicNames = topics): OutgoingRecord[] {
  return events.map((event) => ({
    topic: topicForEvent(event.type, names),
    key: event.user_id,
    value: JSON.stringify(event),
    headers: { 'event-type': event.type, 'event-id': event.event_id, site: event.site },
  }));
}

/** Compares what the store shows with what the stream predicts, figure by figure. */
export async function assertMatchesStream(store: RealtimeStore, site: string, stream: KnownStream, now: number): Promise<void> {
  const snapshot = await store.snapshot(site, now, { topN: 50 });
  assert.equal(snapshot.activeUsers, stream.expected.activeUsers, 'active users');
  assert.deepEqual(new Map(snapshot.topPages.map((p) => [p.path, p.views])), stream.expected.pageViews, 'top pages (all time)');
  assert.deepEqual(new Map(snapshot.topPagesLastHour.map((p) => [p.path, p.views])), stream.expected.pageViews, 'top pages (last hour)');
  const views = snapshot.topPages.map((p) => p.views);
  assert.deepEqual(
    views,
    [...views].sort((a, b) => b - a),
    'most viewed first',
  );
  for (const [user, count] of stream.expected.eventsPerUser) {
    const stats = await store.userStats(site, user, now);
    assert.equal(stats.eventsLastHour, count, `events of ${user}`);
    const position = stream.expected.lastPosition.get(user);
    if (position === undefined) assert.equal(stats.lastPosition, null);
    else
      assert.deepEqual({ x: stats.lastPosition?.x, y: stats.lastPosition?.y, ts: stats.lastPosition?.ts }, position, `position of ${user}`);
  }
}
