import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AUTOMATED_BROWSER, countBotsIn, NO_USER_AGENT } from '../../src/contract/bot-traffic.ts';
import { enrichEvent } from '../../src/contract/enrich-event.ts';
import type { EnrichedEvent, EventType, WireEvent } from '../../src/contract/event-schema.ts';
import type { RealtimeSnapshot, RealtimeStore, RealtimeStoreOptions } from '../../src/stores/realtime/realtime-store.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** A fixed reading time, half-way through a second and a minute, so bucket edges are visible. */
export const NOW = Date.parse('2025-03-10T12:00:30.500Z');

export interface RealtimeEventFields {
  site: string;
  user: string;
  session?: string;
  /** Epoch ms of received_at. */
  at: number;
  path?: string;
  id?: string;
  [field: string]: unknown;
}

/** An enriched event as ingest would put it on a topic. */
export function realtimeEvent(type: EventType, fields: RealtimeEventFields): EnrichedEvent {
  const { site, user, session, at, path = '/', id, ...rest } = fields;
  return {
    v: 1,
    type,
    site,
    user_id: user,
    session_id: session ?? `s-${user}`,
    url: `https://shop.example${path}`,
    event_id: id ?? `e-${randomUUID()}`,
    received_at: new Date(at).toISOString(),
    ip: null,
    user_agent: 'test',
    browser: 'Chrome',
    browser_version: '126',
    os: 'Linux',
    device: 'desktop',
    is_bot: false,
    host: 'shop.example',
    path,
    referrer_host: null,
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
    utm_term: null,
    utm_content: null,
    ...rest,
  } as EnrichedEvent;
}

export const GOOGLEBOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
export const CHROME_DESKTOP_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** How a bot is recognised: its User-Agent (Googlebot), no User-Agent at all, or the tracker's automation flag (a Chrome UA). */
export type BotKind = 'user-agent' | 'no-user-agent' | 'automated';
export const botKinds: readonly BotKind[] = ['user-agent', 'no-user-agent', 'automated'];

/** The name each kind is counted under in the bot figures. */
export const botNameOfKind: Record<BotKind, string> = {
  'user-agent': 'Googlebot',
  'no-user-agent': NO_USER_AGENT,
  automated: AUTOMATED_BROWSER,
};

/**
 * `event` as it is when its request was a bot's: ingest's own enrichment decides is_bot and
 * bot_name from the request's User-Agent and the tracker's `automated` flag; the rest is kept.
 */
export function asBot(event: EnrichedEvent, kind: BotKind): EnrichedEvent {
  const wire = (kind === 'automated' ? { ...event, automated: true } : event) as WireEvent;
  const userAgent = kind === 'user-agent' ? GOOGLEBOT_UA : kind === 'no-user-agent' ? '' : CHROME_DESKTOP_UA;
  const enriched = enrichEvent(wire, { ip: null, userAgent, now: new Date(event.received_at), anonymizeIp: false });
  const { user_agent, browser, browser_version, os, device, is_bot, bot_name } = enriched;
  return {
    ...event,
    ...(kind === 'automated' ? { automated: true } : {}),
    user_agent,
    browser,
    browser_version,
    os,
    device,
    is_bot,
    bot_name,
  } as EnrichedEvent;
}

/** An event of a bot of `kind`. */
export const botEvent = (type: EventType, fields: RealtimeEventFields, kind: BotKind): EnrichedEvent =>
  asBot(realtimeEvent(type, fields), kind);

/** A record written before bot names were kept: flagged, with a bot User-Agent and no bot_name (counted as `curl`). */
export const legacyBotEvent = (type: EventType, fields: RealtimeEventFields): EnrichedEvent =>
  realtimeEvent(type, { ...fields, user_agent: 'curl/8.0', is_bot: true, device: 'bot', browser: null, os: null });

/** The same event on another site (same event_id: dedupe is per site). */
const onSite = (site: string) => (event: EnrichedEvent) => ({ ...event, site });

/** The figures of a snapshot, without its site and bot figures. */
const figuresOf = ({ site: _site, bots: _bots, ...figures }: RealtimeSnapshot) => figures;

const newSite = () => `site-${randomUUID().slice(0, 8)}`;

export interface RealtimeStoreHandle {
  store: RealtimeStore;
  cleanup?: () => Promise<void>;
}

/**
 * The RealtimeStore contract, written once and run over each adapter: the same
 * stream gives the same figures from Redis and from memory. Each test writes to
 * its own site and event ids, so tests share one store without seeing each other.
 * `makeStore` passes the options on to the adapter: they carry the per-site bot switch, a set
 * the tests add their sites to.
 */
export function defineRealtimeStoreSuite(name: string, makeStore: (options: RealtimeStoreOptions) => Promise<RealtimeStoreHandle>): void {
  describe(name, () => {
    let handle: RealtimeStoreHandle;
    let store: RealtimeStore;
    /** The sites that count bots in their figures (PULSE_COUNT_BOTS_SITES). */
    const countingBots = new Set<string>();

    before(async () => {
      handle = await makeStore({ countBots: countBotsIn(countingBots) });
      store = handle.store;
      await store.ping();
    });
    after(async () => {
      await store.close();
      await handle.cleanup?.();
    });

    /** Five visitors over the last 70 minutes, applied out of order in three batches. */
    const knownStream = (site: string) => {
      const e = (type: EventType, fields: Omit<RealtimeEventFields, 'site'> & { user: string; at: number }) =>
        realtimeEvent(type, { ...fields, site });
      return [
        // u1: two page views and a click in one session (first −2 min, last −30 s).
        e('page_view', { user: 'u1', session: 's1', at: NOW - 2 * MINUTE, path: '/a' }),
        e('page_view', { user: 'u1', session: 's1', at: NOW - 1 * MINUTE, path: '/b' }),
        e('click', { user: 'u1', session: 's1', at: NOW - 30 * SECOND, path: '/b', text: 'Buy', selector: '#buy' }),
        // u2: a page view 70 minutes ago (its own session) and one 10 minutes ago.
        e('page_view', { user: 'u2', session: 's2-old', at: NOW - 70 * MINUTE, path: '/a' }),
        e('page_view', { user: 'u2', session: 's2', at: NOW - 10 * MINUTE, path: '/a' }),
        // u3: a page view, then two mouse moves on /a; the newer one arrives first.
        e('mouse_move', {
          user: 'u3',
          session: 's3',
          at: NOW - 20 * SECOND,
          path: '/a',
          x: 990,
          y: 499,
          viewport_w: 1000,
          viewport_h: 500,
        }),
        e('page_view', { user: 'u3', session: 's3', at: NOW - 3 * MINUTE, path: '/c' }),
        e('mouse_move', { user: 'u3', session: 's3', at: NOW - 1 * MINUTE, path: '/a', x: 100, y: 50, viewport_w: 1000, viewport_h: 500 }),
        // u4: one custom event just inside the 5-minute window.
        e('custom', { user: 'u4', session: 's4', at: NOW - 5 * MINUTE + SECOND, path: '/c', name: 'signup' }),
        // u5: a mouse move six minutes ago on /b.
        e('mouse_move', { user: 'u5', session: 's5', at: NOW - 6 * MINUTE, path: '/b', x: 0, y: 0, viewport_w: 800, viewport_h: 600 }),
      ];
    };

    test('a known stream gives exact active users, top pages, sessions, per-user counts and positions', async () => {
      const site = newSite();
      const stream = knownStream(site);
      const batches = [stream.slice(5, 8), stream.slice(0, 3), [...stream.slice(8), ...stream.slice(3, 5)]];
      for (const batch of batches) assert.deepEqual(await store.applyBatch(batch), { applied: batch.length, duplicates: 0 });

      const snapshot = await store.snapshot(site, NOW);
      assert.equal(snapshot.site, site);
      assert.equal(snapshot.activeUsers, 3, 'u1, u3, u4 were seen in the last 5 minutes');
      assert.deepEqual(snapshot.topPages, [
        { path: '/a', views: 3 },
        { path: '/c', views: 1 },
        { path: '/b', views: 1 },
      ]);
      assert.deepEqual(snapshot.topPagesLastHour, [
        { path: '/a', views: 2 },
        { path: '/c', views: 1 },
        { path: '/b', views: 1 },
      ]);
      // Sessions whose last event is in the last hour: s1 (2 views, 90 s), s2 (1 view), s3 (1 view, 160 s), s4 and s5 (none).
      assert.deepEqual(snapshot.sessions, { count: 5, bounceRate: 0.8, avgDurationSeconds: 50 });
      assert.equal(snapshot.newestEventTs, NOW - 20 * SECOND);

      const counts = await Promise.all(['u1', 'u2', 'u3', 'u4', 'u5', 'nobody'].map((u) => store.userStats(site, u, NOW)));
      assert.deepEqual(
        counts.map((c) => c.eventsLastHour),
        [3, 1, 3, 1, 1, 0],
      );
      assert.deepEqual(counts[2], {
        user_id: 'u3',
        site,
        eventsLastHour: 3,
        lastPosition: { x: 990, y: 499, ts: NOW - 20 * SECOND, path: '/a' },
      });
      assert.equal(counts[0]?.lastPosition, null);
      assert.deepEqual(counts[4]?.lastPosition, { x: 0, y: 0, ts: NOW - 6 * MINUTE, path: '/b' }, 'the last position has no window');

      assert.deepEqual(await store.lastPositions(site, '/a', NOW), [
        { user_id: 'u3', path: '/a', x: 990, y: 499, viewport_w: 1000, viewport_h: 500, ts: NOW - 20 * SECOND },
      ]);
      assert.deepEqual(await store.lastPositions(site, '/b', NOW), [], 'u5 moved 6 minutes ago');

      assert.deepEqual(await store.heatmap(site, '/a'), [
        { cx: 5, cy: 5, count: 1 },
        { cx: 49, cy: 49, count: 1 },
      ]);
      assert.deepEqual(await store.heatmap(site, '/b'), [{ cx: 0, cy: 0, count: 1 }]);
    });

    test('the feed lists applied events newest first with their labels', async () => {
      const site = newSite();
      const stream = knownStream(site);
      await store.applyBatch(stream);
      const { feed } = await store.snapshot(site, NOW, { feedSize: 100 });
      // The stream's mouse moves (5, 7 and 9) are left out; the other seven come newest applied first.
      assert.deepEqual(
        feed.map((item) => item.event_id),
        [8, 6, 4, 3, 2, 1, 0].map((i) => stream[i]?.event_id),
      );
      const click = stream[2] as EnrichedEvent;
      assert.deepEqual(feed[4], {
        event_id: click.event_id,
        type: 'click',
        user_id: 'u1',
        session_id: 's1',
        path: '/b',
        ts: NOW - 30 * SECOND,
        label: 'Buy',
      });
      assert.deepEqual(
        feed.map((item) => item.type),
        ['custom', 'page_view', 'page_view', 'page_view', 'click', 'page_view', 'page_view'],
      );
      assert.deepEqual(
        feed.map((item) => item.label),
        ['signup', null, null, null, 'Buy', null, null],
      );
    });

    test('cursor moves are not in the feed but still update positions and the heat map', async () => {
      const site = newSite();
      const move = (user: string, at: number, x: number, y: number) =>
        realtimeEvent('mouse_move', { site, user, at, path: '/p', x, y, viewport_w: 100, viewport_h: 100 });
      const pageView = realtimeEvent('page_view', { site, user: 'u1', at: NOW - 10 * SECOND, path: '/p' });
      const click = realtimeEvent('click', { site, user: 'u2', at: NOW - 4 * SECOND, path: '/p', text: 'Go' });
      assert.deepEqual(
        await store.applyBatch([pageView, move('u1', NOW - 5 * SECOND, 50, 20), click, move('u2', NOW - 3 * SECOND, 99, 99)]),
        { applied: 4, duplicates: 0 },
      );
      // A batch of nothing but cursor moves leaves the feed as it was.
      assert.deepEqual(await store.applyBatch([move('u1', NOW - 2 * SECOND, 10, 10)]), { applied: 1, duplicates: 0 });

      const snapshot = await store.snapshot(site, NOW, { feedSize: 100 });
      assert.deepEqual(snapshot.feed, [
        { event_id: click.event_id, type: 'click', user_id: 'u2', session_id: 's-u2', path: '/p', ts: NOW - 4 * SECOND, label: 'Go' },
        {
          event_id: pageView.event_id,
          type: 'page_view',
          user_id: 'u1',
          session_id: 's-u1',
          path: '/p',
          ts: NOW - 10 * SECOND,
          label: null,
        },
      ]);
      // Everything else still counts the moves: the newest event, events per second, active users.
      assert.equal(snapshot.newestEventTs, NOW - 2 * SECOND);
      assert.equal(snapshot.eventsPerSecond, 0.5, '5 events, 3 of them moves, in the 10 whole seconds before now');
      assert.equal(snapshot.activeUsers, 2);
      assert.deepEqual(snapshot.topPages, [{ path: '/p', views: 1 }]);

      assert.deepEqual(await store.lastPositions(site, '/p', NOW), [
        { user_id: 'u1', path: '/p', x: 10, y: 10, viewport_w: 100, viewport_h: 100, ts: NOW - 2 * SECOND },
        { user_id: 'u2', path: '/p', x: 99, y: 99, viewport_w: 100, viewport_h: 100, ts: NOW - 3 * SECOND },
      ]);
      assert.deepEqual(await store.userStats(site, 'u1', NOW), {
        user_id: 'u1',
        site,
        eventsLastHour: 3,
        lastPosition: { x: 10, y: 10, ts: NOW - 2 * SECOND, path: '/p' },
      });
      assert.deepEqual(await store.heatmap(site, '/p'), [
        { cx: 5, cy: 5, count: 1 },
        { cx: 25, cy: 10, count: 1 },
        { cx: 49, cy: 49, count: 1 },
      ]);

      // A site that only ever saw cursor moves has an empty feed, and nothing else missing.
      const movesOnly = newSite();
      await store.applyBatch([
        realtimeEvent('mouse_move', {
          site: movesOnly,
          user: 'm',
          at: NOW - SECOND,
          path: '/p',
          x: 0,
          y: 0,
          viewport_w: 10,
          viewport_h: 10,
        }),
      ]);
      const quiet = await store.snapshot(movesOnly, NOW, { feedSize: 100 });
      assert.deepEqual(quiet.feed, []);
      assert.equal(quiet.activeUsers, 1);
      assert.equal(quiet.newestEventTs, NOW - SECOND);
      assert.deepEqual(await store.heatmap(movesOnly, '/p'), [{ cx: 0, cy: 0, count: 1 }]);
      assert.equal((await store.lastPositions(movesOnly, '/p', NOW)).length, 1);
    });

    test('feed labels: custom name, click text or selector, form id or name', async () => {
      const site = newSite();
      const at = NOW - SECOND;
      await store.applyBatch([
        realtimeEvent('click', { site, user: 'u', at, selector: 'button.buy' }),
        realtimeEvent('click', { site, user: 'u', at, text: '', selector: '#x' }),
        realtimeEvent('form_submit', { site, user: 'u', at, form_id: 'signup', form_name: 'ignored' }),
        realtimeEvent('form_submit', { site, user: 'u', at, form_name: 'newsletter' }),
        realtimeEvent('form_submit', { site, user: 'u', at }),
        realtimeEvent('custom', { site, user: 'u', at, name: 'video_play' }),
      ]);
      const { feed } = await store.snapshot(site, NOW);
      assert.deepEqual(
        feed.map((item) => item.label),
        ['video_play', null, 'newsletter', 'signup', '#x', 'button.buy'],
      );
    });

    test('the feed keeps the newest 100 events; feedSize picks how many a snapshot returns', async () => {
      const site = newSite();
      const events = Array.from({ length: 130 }, (_, i) =>
        realtimeEvent('custom', { site, user: `u${i % 7}`, at: NOW - 130 * SECOND + i * SECOND, name: `n${i}` }),
      );
      for (let i = 0; i < events.length; i += 40) await store.applyBatch(events.slice(i, i + 40));
      const newestFirst = events.map((event) => event.event_id).reverse();
      const full = await store.snapshot(site, NOW, { feedSize: 100 });
      assert.deepEqual(
        full.feed.map((item) => item.event_id),
        newestFirst.slice(0, 100),
      );
      assert.equal((await store.snapshot(site, NOW, { feedSize: 1000 })).feed.length, 100, 'never more than the cap');
      assert.deepEqual(
        (await store.snapshot(site, NOW, { feedSize: 5 })).feed.map((item) => item.label),
        ['n129', 'n128', 'n127', 'n126', 'n125'],
      );
      assert.equal((await store.snapshot(site, NOW)).feed.length, 50, 'default feed size');
      assert.deepEqual((await store.snapshot(site, NOW, { feedSize: 0 })).feed, []);
    });

    test('events per second: the last 10 whole seconds, and a 60-second series oldest first', async () => {
      const site = newSite();
      const second = Math.floor(NOW / SECOND);
      const at = (s: number, ms = 0) => s * SECOND + ms;
      const events = [
        ...[0, 1, 999].map((ms) => realtimeEvent('custom', { site, user: 'a', at: at(second - 1, ms), name: 'x' })),
        ...[0, 500].map((ms) => realtimeEvent('click', { site, user: 'b', at: at(second - 10, ms) })),
        realtimeEvent('page_view', { site, user: 'c', at: at(second - 11) }),
        realtimeEvent('page_view', { site, user: 'c', at: at(second - 60, 999) }),
        realtimeEvent('page_view', { site, user: 'c', at: at(second - 61) }),
        realtimeEvent('page_view', { site, user: 'c', at: at(second, 100) }),
      ];
      await store.applyBatch(events);
      const snapshot = await store.snapshot(site, NOW);
      assert.equal(snapshot.eventsPerSecond, 0.5, '5 events in the 10 whole seconds before now');
      const series = snapshot.eventsPerSecondSeries;
      assert.equal(series.length, 60);
      assert.equal(series[0]?.ts, (second - 60) * SECOND);
      assert.equal(series[59]?.ts, (second - 1) * SECOND);
      assert.deepEqual(
        series.filter((point) => point.count > 0),
        [
          { ts: (second - 60) * SECOND, count: 1 },
          { ts: (second - 11) * SECOND, count: 1 },
          { ts: (second - 10) * SECOND, count: 2 },
          { ts: (second - 1) * SECOND, count: 3 },
        ],
      );
      assert.ok(
        series.every((point, i) => i === 0 || point.ts - (series[i - 1]?.ts ?? 0) === SECOND),
        'consecutive seconds',
      );
    });

    test('the sliding last hour: 59 minutes ago counts, 61 minutes ago does not; later readers see the window move', async () => {
      const site = newSite();
      await store.applyBatch([
        realtimeEvent('page_view', { site, user: 'old', at: NOW - 61 * MINUTE, path: '/gone' }),
        realtimeEvent('page_view', { site, user: 'edge', at: NOW - 59 * MINUTE, path: '/edge' }),
        realtimeEvent('page_view', { site, user: 'new', at: NOW - SECOND, path: '/fresh' }),
      ]);
      const snapshot = await store.snapshot(site, NOW);
      assert.deepEqual(snapshot.topPagesLastHour, [
        { path: '/fresh', views: 1 },
        { path: '/edge', views: 1 },
      ]);
      assert.equal(snapshot.topPages.length, 3);
      assert.equal((await store.userStats(site, 'old', NOW)).eventsLastHour, 0);
      assert.equal((await store.userStats(site, 'edge', NOW)).eventsLastHour, 1);
      assert.equal(snapshot.sessions.count, 2);

      const later = await store.snapshot(site, NOW + 2 * 60 * MINUTE);
      assert.equal(later.activeUsers, 0);
      assert.deepEqual(later.topPagesLastHour, []);
      assert.deepEqual(later.sessions, { count: 0, bounceRate: 0, avgDurationSeconds: 0 });
      assert.equal(later.eventsPerSecond, 0);
      assert.equal(later.topPages.length, 3, 'all-time pages stay');
      assert.equal((await store.userStats(site, 'new', NOW + 2 * 60 * MINUTE)).eventsLastHour, 0);
    });

    test('a bounce is a single-page session whatever its duration; a quick exit is a view under 5 s in the last hour', async () => {
      const site = newSite();
      const view = (user: string, session: string, at: number, duration?: number) =>
        realtimeEvent('page_view', { site, user, session, at, path: '/p', ...(duration === undefined ? {} : { duration }) });
      const events = [
        view('u1', 's1', NOW - 10 * MINUTE, 2), // a quick exit, in a two-page session: no bounce
        view('u1', 's1', NOW - 9 * MINUTE, 30),
        view('u2', 's2', NOW - 8 * MINUTE, 600), // one long view: a bounce, no quick exit
        view('u3', 's3', NOW - 7 * MINUTE, 4.99), // one short view: a bounce and a quick exit
        view('u4', 's4', NOW - 6 * MINUTE, 5), // 5 s is not under 5 s
        view('u5', 's5', NOW - 5 * MINUTE), // no duration: never a quick exit
        view('u6', 's6', NOW - 61 * MINUTE, 1), // a quick exit outside the last hour
        botEvent('page_view', { site, user: 'g1', session: 'gs1', at: NOW - MINUTE, path: '/p', duration: 1 }, 'user-agent'),
      ];
      await store.applyBatch(events);
      await store.applyBatch(events.slice(0, 4)); // redelivered: nothing changes
      const snapshot = await store.snapshot(site, NOW);
      assert.equal(snapshot.quickExitsLastHour, 2, 'u1’s 2 s and u3’s 4.99 s views; not the old one, nor the bot’s');
      // Sessions: s1 (2 views) and the single-page s2, s3, s4, s5: four bounces of five.
      assert.equal(snapshot.sessions.count, 5);
      assert.equal(snapshot.sessions.bounceRate, 0.8);
      assert.equal((await store.snapshot(site, NOW + 61 * MINUTE)).quickExitsLastHour, 0, 'the window slides');
    });

    test('topN limits both page lists; ties go to the path later in byte order', async () => {
      const site = newSite();
      const views = { '/x': 4, '/y': 2, '/z': 2, '/w': 1 };
      const events = Object.entries(views).flatMap(([path, n]) =>
        Array.from({ length: n }, (_, i) => realtimeEvent('page_view', { site, user: `u${i}`, at: NOW - i * SECOND, path })),
      );
      await store.applyBatch(events);
      const snapshot = await store.snapshot(site, NOW, { topN: 2 });
      assert.deepEqual(snapshot.topPages, [
        { path: '/x', views: 4 },
        { path: '/z', views: 2 },
      ]);
      assert.deepEqual(snapshot.topPagesLastHour, snapshot.topPages);
      assert.equal((await store.snapshot(site, NOW)).topPages.length, 4);
    });

    test('a repeated batch changes nothing and reports duplicates; an overlapping batch applies only what is new', async () => {
      const site = newSite();
      const batch = Array.from({ length: 50 }, (_, i) =>
        realtimeEvent(i % 5 === 0 ? 'mouse_move' : 'page_view', {
          site,
          user: `u${i % 10}`,
          session: `s${i % 10}`,
          at: NOW - 50 * SECOND + i * SECOND,
          path: `/p${i % 3}`,
          x: i,
          y: i,
          viewport_w: 100,
          viewport_h: 100,
        }),
      );
      assert.deepEqual(await store.applyBatch(batch), { applied: 50, duplicates: 0 });
      const first = await store.snapshot(site, NOW, { feedSize: 100 });
      const firstUser = await store.userStats(site, 'u0', NOW);
      const firstHeat = await store.heatmap(site, '/p0');

      assert.deepEqual(await store.applyBatch(batch), { applied: 0, duplicates: 50 });
      assert.deepEqual(await store.snapshot(site, NOW, { feedSize: 100 }), first);
      assert.deepEqual(await store.userStats(site, 'u0', NOW), firstUser);
      assert.deepEqual(await store.heatmap(site, '/p0'), firstHeat);

      const fresh = Array.from({ length: 25 }, (_, i) =>
        realtimeEvent('page_view', { site, user: `v${i}`, at: NOW - 5 * SECOND, path: '/p0' }),
      );
      assert.deepEqual(await store.applyBatch([...batch.slice(25), ...fresh]), { applied: 25, duplicates: 25 });
      const after = await store.snapshot(site, NOW, { feedSize: 100 });
      const viewsOf = (pages: { path: string; views: number }[], path: string) => pages.find((p) => p.path === path)?.views ?? 0;
      assert.equal(viewsOf(after.topPages, '/p0'), viewsOf(first.topPages, '/p0') + 25);
      assert.equal(viewsOf(after.topPages, '/p1'), viewsOf(first.topPages, '/p1'));
      assert.equal(after.activeUsers, first.activeUsers + 25);
      // The feed holds the 40 page views of the first batch (its 10 mouse moves are left out) and the 25 new ones.
      assert.equal(first.feed.length, 40);
      assert.deepEqual(
        after.feed.map((item) => item.event_id),
        [...fresh.map((event) => event.event_id).reverse(), ...first.feed.map((item) => item.event_id)],
      );
      assert.ok(after.feed.every((item) => item.type === 'page_view'));
      assert.deepEqual(await store.userStats(site, 'u0', NOW), firstUser);
    });

    test('1% duplicates inside a batch are applied once', async () => {
      const site = newSite();
      const unique = Array.from({ length: 990 }, (_, i) =>
        realtimeEvent('page_view', { site, user: `u${i % 33}`, at: NOW - 30 * MINUTE + i * SECOND, path: `/p${i % 9}` }),
      );
      const duplicates = unique.filter((_, i) => i % 99 === 7).map((event) => ({ ...event }));
      assert.equal(duplicates.length, 10);
      const batch = [...unique];
      duplicates.forEach((event, i) => batch.splice(50 + i * 97, 0, event));
      assert.deepEqual(await store.applyBatch(batch), { applied: 990, duplicates: 10 });

      const snapshot = await store.snapshot(site, NOW, { topN: 20 });
      assert.deepEqual(
        snapshot.topPages.map((p) => p.views),
        Array(9).fill(110),
      );
      assert.equal(
        snapshot.topPagesLastHour.reduce((sum, p) => sum + p.views, 0),
        990,
      );
      assert.equal((await store.userStats(site, 'u0', NOW)).eventsLastHour, 30);
    });

    test('heat map: 50 × 50 cells over the viewport, clamped; events without a viewport size are skipped', async () => {
      const site = newSite();
      const move = (x: number, y: number, viewport: Record<string, number>) =>
        realtimeEvent('mouse_move', { site, user: 'u', at: NOW - SECOND, path: '/heat', x, y, ...viewport });
      await store.applyBatch([
        move(0, 0, { viewport_w: 1280, viewport_h: 720 }),
        move(25.5, 14.3, { viewport_w: 1280, viewport_h: 720 }),
        move(1279, 719, { viewport_w: 1280, viewport_h: 720 }),
        move(1280, 720, { viewport_w: 1280, viewport_h: 720 }),
        move(5000, 10, { viewport_w: 1280, viewport_h: 720 }),
        move(640, 360, { viewport_w: 1280, viewport_h: 720 }),
        move(640, 360, {}),
        move(640, 360, { viewport_w: 0, viewport_h: 720 }),
      ]);
      assert.deepEqual(await store.heatmap(site, '/heat'), [
        { cx: 0, cy: 0, count: 2 },
        { cx: 49, cy: 0, count: 1 },
        { cx: 25, cy: 25, count: 1 },
        { cx: 49, cy: 49, count: 2 },
      ]);
      assert.deepEqual(await store.heatmap(site, '/elsewhere'), []);
    });

    test('out-of-order events never move the last position or the newest timestamp backwards', async () => {
      const site = newSite();
      const move = (at: number, x: number, path: string) =>
        realtimeEvent('mouse_move', { site, user: 'u', at, path, x, y: x, viewport_w: 100, viewport_h: 100 });
      await store.applyBatch([move(NOW - 10 * SECOND, 10, '/new')]);
      await store.applyBatch([move(NOW - 50 * SECOND, 50, '/old'), realtimeEvent('page_view', { site, user: 'w', at: NOW - MINUTE })]);
      const stats = await store.userStats(site, 'u', NOW);
      assert.deepEqual(stats.lastPosition, { x: 10, y: 10, ts: NOW - 10 * SECOND, path: '/new' });
      assert.equal(stats.eventsLastHour, 2);
      assert.equal((await store.snapshot(site, NOW)).newestEventTs, NOW - 10 * SECOND);
      assert.deepEqual(await store.lastPositions(site, '/old', NOW), []);
      assert.equal((await store.lastPositions(site, '/new', NOW)).length, 1);
    });

    test('lastPositions lists every user whose newest move is on the page, by user id', async () => {
      const site = newSite();
      const move = (user: string, at: number, path: string, x: number) => realtimeEvent('mouse_move', { site, user, at, path, x, y: 7 });
      await store.applyBatch([
        move('c', NOW - 10 * SECOND, '/p', 3),
        move('a', NOW - 20 * SECOND, '/p', 1),
        move('b', NOW - 30 * SECOND, '/p', 2),
        move('b', NOW - 5 * SECOND, '/q', 9),
        move('d', NOW - 5 * MINUTE, '/p', 4),
      ]);
      const positions = await store.lastPositions(site, '/p', NOW);
      assert.deepEqual(
        positions.map((p) => [p.user_id, p.x, p.y, p.viewport_w, p.viewport_h]),
        [
          ['a', 1, 7, null, null],
          ['c', 3, 7, null, null],
        ],
      );
      assert.deepEqual(
        (await store.lastPositions(site, '/q', NOW)).map((p) => p.user_id),
        ['b'],
      );
    });

    test('forgetUser erases a visitor and leaves anonymous totals', async () => {
      const site = newSite();
      await store.applyBatch([
        realtimeEvent('page_view', { site, user: 'gone', session: 'sg', at: NOW - 2 * MINUTE, path: '/a' }),
        realtimeEvent('mouse_move', {
          site,
          user: 'gone',
          session: 'sg',
          at: NOW - MINUTE,
          path: '/a',
          x: 5,
          y: 5,
          viewport_w: 10,
          viewport_h: 10,
        }),
        realtimeEvent('page_view', { site, user: 'stays', session: 'ss', at: NOW - MINUTE, path: '/a' }),
      ]);
      const before = await store.snapshot(site, NOW);
      assert.equal(before.activeUsers, 2);

      // active + cursor + session + the user's three keys (hour counts, position, sessions) + one feed item
      // (the page view; the mouse move never reached the feed)
      assert.equal(await store.forgetUser(site, 'gone'), 7);
      assert.deepEqual(await store.userStats(site, 'gone', NOW), { user_id: 'gone', site, eventsLastHour: 0, lastPosition: null });
      assert.deepEqual(await store.lastPositions(site, '/a', NOW), []);
      const afterForget = await store.snapshot(site, NOW);
      assert.equal(afterForget.activeUsers, 1);
      assert.deepEqual(
        afterForget.feed.map((item) => item.user_id),
        ['stays'],
      );
      assert.deepEqual(afterForget.sessions, { count: 1, bounceRate: 1, avgDurationSeconds: 0 });
      assert.deepEqual(afterForget.topPages, before.topPages, 'page view totals are anonymous and stay');
      assert.deepEqual(await store.heatmap(site, '/a'), [{ cx: 25, cy: 25, count: 1 }], 'heat map totals stay');
      assert.equal((await store.userStats(site, 'stays', NOW)).eventsLastHour, 1);

      assert.equal(await store.forgetUser(site, 'gone'), 0);
      assert.equal(await store.forgetUser(site, 'never-seen'), 0);
      assert.equal(await store.forgetUser(newSite(), 'gone'), 0);
    });

    test('sites are isolated and an empty site reads as zeros', async () => {
      const site = newSite();
      const other = newSite();
      await store.applyBatch([realtimeEvent('page_view', { site, user: 'u', at: NOW - SECOND, path: '/only-here' })]);
      const empty = await store.snapshot(other, NOW);
      assert.deepEqual(
        { ...empty, eventsPerSecondSeries: empty.eventsPerSecondSeries.length },
        {
          site: other,
          activeUsers: 0,
          topPages: [],
          topPagesLastHour: [],
          eventsPerSecond: 0,
          eventsPerSecondSeries: 60,
          sessions: { count: 0, bounceRate: 0, avgDurationSeconds: 0 },
          quickExitsLastHour: 0,
          feed: [],
          newestEventTs: null,
          bots: { counted: false, requestsLastHour: 0, topLastHour: [] },
        },
      );
      assert.ok(empty.eventsPerSecondSeries.every((point) => point.count === 0));
      assert.deepEqual(await store.userStats(other, 'u', NOW), { user_id: 'u', site: other, eventsLastHour: 0, lastPosition: null });
      assert.deepEqual(await store.heatmap(other, '/only-here'), []);
      assert.deepEqual(await store.lastPositions(other, '/only-here', NOW), []);
      assert.deepEqual(await store.applyBatch([]), { applied: 0, duplicates: 0 });
    });

    /** Bots of every kind beside the known stream's visitors: page views, a click, a cursor move, a custom event. */
    const botStream = (site: string) => [
      botEvent('page_view', { site, user: 'g1', session: 'gs1', at: NOW - 2 * MINUTE, path: '/a' }, 'user-agent'),
      botEvent('page_view', { site, user: 'g1', session: 'gs1', at: NOW - 90 * SECOND, path: '/crawled' }, 'user-agent'),
      botEvent('page_view', { site, user: 'n1', session: 'ns1', at: NOW - 10 * SECOND, path: '/a' }, 'no-user-agent'),
      botEvent('click', { site, user: 'w1', session: 'ws1', at: NOW - 5 * SECOND, path: '/b', text: 'Buy' }, 'automated'),
      botEvent(
        'mouse_move',
        { site, user: 'w1', session: 'ws1', at: NOW - 4 * SECOND, path: '/a', x: 10, y: 10, viewport_w: 100, viewport_h: 100 },
        'automated',
      ),
      botEvent('custom', { site, user: 'w1', session: 'ws1', at: NOW - 3 * SECOND, path: '/b', name: 'signup' }, 'automated'),
      legacyBotEvent('page_view', { site, user: 'legacy', at: NOW - 6 * SECOND, path: '/feed.xml' }),
      // Older than the last hour: counted nowhere at NOW.
      botEvent('page_view', { site, user: 'g2', at: NOW - 61 * MINUTE, path: '/a' }, 'user-agent'),
    ];
    const botsAtNow = {
      requestsLastHour: 7,
      topLastHour: [
        { name: AUTOMATED_BROWSER, requests: 3 },
        { name: 'Googlebot', requests: 2 },
        { name: 'curl', requests: 1 },
        { name: NO_USER_AGENT, requests: 1 },
      ],
    };

    /** Humans and bots interleaved, in three batches. */
    const mixedBatches = (humans: EnrichedEvent[], bots: EnrichedEvent[]) => {
      const all = humans.flatMap((event, i) => [event, ...(bots[i] === undefined ? [] : [bots[i]])]);
      all.push(...bots.slice(humans.length));
      return [all.slice(0, 6), all.slice(6, 13), all.slice(13)];
    };

    test('bots (by User-Agent, without one, by the automation flag) are left out of every live figure and counted as bots', async () => {
      const humansOnly = newSite();
      const mixed = newSite();
      const humans = knownStream(humansOnly);
      const bots = botStream(mixed);
      assert.ok(
        bots.every((event) => event.is_bot),
        'ingest flagged every bot',
      );
      await store.applyBatch(humans);
      for (const batch of mixedBatches(humans.map(onSite(mixed)), bots)) await store.applyBatch(batch);

      const expected = await store.snapshot(humansOnly, NOW, { feedSize: 100 });
      const actual = await store.snapshot(mixed, NOW, { feedSize: 100 });
      // The newest event applied is the pipeline's freshness, not a visitor figure: the bots' is newer.
      assert.deepEqual({ ...figuresOf(actual), newestEventTs: expected.newestEventTs }, figuresOf(expected));
      assert.equal(actual.newestEventTs, NOW - 3 * SECOND);
      assert.deepEqual(actual.bots, { counted: false, ...botsAtNow });
      assert.deepEqual(expected.bots, { counted: false, requestsLastHour: 0, topLastHour: [] });
      assert.deepEqual(
        (await store.snapshot(mixed, NOW, { topN: 2 })).bots.topLastHour.map((bot) => bot.name),
        [AUTOMATED_BROWSER, 'Googlebot'],
        'topN limits the bots too',
      );

      for (const user of ['g1', 'n1', 'w1', 'legacy']) {
        assert.deepEqual(await store.userStats(mixed, user, NOW), { user_id: user, site: mixed, eventsLastHour: 0, lastPosition: null });
      }
      for (const user of ['u1', 'u3']) {
        assert.deepEqual(await store.userStats(mixed, user, NOW), { ...(await store.userStats(humansOnly, user, NOW)), site: mixed });
      }
      for (const path of ['/a', '/b']) {
        assert.deepEqual(await store.lastPositions(mixed, path, NOW), await store.lastPositions(humansOnly, path, NOW));
        assert.deepEqual(await store.heatmap(mixed, path), await store.heatmap(humansOnly, path));
      }

      // A redelivered batch of bots changes nothing, bot figures included.
      assert.deepEqual(await store.applyBatch(bots), { applied: 0, duplicates: bots.length });
      assert.deepEqual(await store.snapshot(mixed, NOW, { feedSize: 100 }), actual);
      // An hour later nothing of them is left in the bot figures.
      assert.deepEqual((await store.snapshot(mixed, NOW + 61 * MINUTE)).bots, { counted: false, requestsLastHour: 0, topLastHour: [] });
    });

    test('a site that counts bots (the per-site switch) has them in every figure; its bot figures still count them', async () => {
      const counting = newSite();
      const asHumans = newSite();
      countingBots.add(counting);
      const humans = knownStream(counting);
      const bots = botStream(counting);
      for (const batch of mixedBatches(humans, bots)) await store.applyBatch(batch);
      // The same events as if nobody had flagged them.
      const unflagged = [...humans, ...bots].map(({ automated: _automated, bot_name: _name, ...event }) => ({
        ...onSite(asHumans)(event as EnrichedEvent),
        is_bot: false,
      }));
      await store.applyBatch(unflagged);

      const actual = await store.snapshot(counting, NOW, { feedSize: 100 });
      const expected = await store.snapshot(asHumans, NOW, { feedSize: 100 });
      const byTs = (feed: RealtimeSnapshot['feed']) => feed.map((item) => [item.ts, item.type, item.user_id, item.path, item.label]);
      // Feed order is the order applied (batches differ here): compare it as a set of items.
      assert.deepEqual({ ...figuresOf(actual), feed: [] }, { ...figuresOf(expected), feed: [] });
      assert.deepEqual(byTs(actual.feed).sort(), byTs(expected.feed).sort());
      assert.equal(actual.activeUsers, 7, 'u1, u3, u4 and the bots g1, n1, w1, legacy');
      assert.deepEqual(actual.bots, { counted: true, ...botsAtNow });
      assert.deepEqual(expected.bots, { counted: false, requestsLastHour: 0, topLastHour: [] });
      assert.equal((await store.userStats(counting, 'w1', NOW)).eventsLastHour, 3);
      assert.deepEqual(await store.heatmap(counting, '/a'), await store.heatmap(asHumans, '/a'));
      assert.equal((await store.lastPositions(counting, '/a', NOW)).length, 2, 'u3 and the automated w1');
    });
  });
}
