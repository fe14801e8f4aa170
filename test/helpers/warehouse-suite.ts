import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { botNameOf, countBotsIn, isBotTraffic } from '../../src/contract/bot-traffic.ts';
import type { EnrichedEvent, EventType } from '../../src/contract/event-schema.ts';
import {
  breakdownDimensions,
  type BotTraffic,
  type BreakdownDimension,
  type BreakdownRow,
  type PageAggregate,
  type ProcessingError,
  type TimeBucket,
  type TimeRange,
  type Warehouse,
  type WarehouseOptions,
} from '../../src/stores/warehouse/warehouse.ts';
import { random } from '../../src/generator/prng.ts';
import { asBot, botKinds, realtimeEvent } from './realtime-store-suite.ts';

/**
 * The Warehouse contract, written once and run over every adapter (PostgreSQL, PGlite,
 * ClickHouse): the same stream must give the same numbers everywhere.
 *
 * Conventions the suite checks beyond warehouse.ts (every adapter must follow them):
 * - ties: pageAggregates by page ascending, breakdown by value ascending (byte order),
 *   exportEvents by (received_at, event_id) ascending;
 * - timeSeries buckets start at UTC minute/hour/day boundaries; only buckets holding at least
 *   one view are returned;
 * - unique users are distinct (site, user_id) pairs: the same id on two sites is two visitors;
 * - breakdown counts views (and unique users among them); a null dimension reads '(none)';
 * - processing errors are keyed by (topic, partition, offset): writing one again changes nothing;
 * - forgetUser(site, user) also removes processing errors whose raw record is a JSON object with
 *   that `user_id` (and that `site`, or no site).
 *
 * Tests share one warehouse: each writes its own site(s) inside its own time window, and
 * checks row counts as differences, so the order of tests does not matter.
 */

export interface WarehouseHandle {
  warehouse: Warehouse;
  /** Drops what the run created (schema, database, directory). Runs after close(). */
  cleanup: () => Promise<void>;
  /** The counts() key of the table holding one row per stored event (all types); default 'events'. */
  eventsTable?: string;
  /** The counts() key of the processing errors table; default 'processing_errors'. */
  errorsTable?: string;
  /** Reads the stored processing errors back, so the suite can check reasons (optional). */
  readErrors?: () => Promise<ProcessingError[]>;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The known stream's window: five hours across a day and a month boundary (2025-02-28 → 03-01). */
export const WAREHOUSE_BASE = Date.parse('2025-02-28T21:30:00.000Z');
export const WAREHOUSE_SPAN = 5 * HOUR;

const paths = ['/', '/products', '/products/42', '/cart', '/checkout', '/about', '/blog/kafka', '/contact'];
const referrers = ['www.google.com', 'news.ycombinator.com', 't.co', null, null];
const browsers = ['Chrome', 'Firefox', 'Safari', null];
const systems = ['Linux', 'Windows', 'macOS', 'iOS', null];
const devices = ['desktop', 'mobile', 'tablet', 'bot'];
const sources = ['newsletter', 'twitter', null, null, null];
const mediums = ['email', 'social', null, null];
const campaigns = ['spring', 'launch', null, null, null];

export interface WarehouseStream {
  /** Every distinct event, as the warehouse must hold it. */
  unique: EnrichedEvent[];
  /** The batches as written: 1% of events repeated inside a batch or in a later one, and one batch written twice. */
  batches: EnrichedEvent[][];
  /** How many events the batches carry beyond `unique` (what writeEvents must report as duplicates). */
  duplicates: number;
}

/**
 * A seeded stream for one site: page views (durations 10–600 s, bounces under 5 s, some exactly 5 s,
 * some unknown), clicks, form submits, custom events and mouse moves from `users` visitors, with
 * received_at times at millisecond precision, some shared by several events (ties), arriving
 * out of order. Durations are multiples of 0.25 s so sums and means are exact in binary floating point.
 */
export function warehouseStream(
  site: string,
  options: { seed: number; count: number; users: number; base?: number; spanMs?: number },
): WarehouseStream {
  const rand = random(options.seed);
  const base = options.base ?? WAREHOUSE_BASE;
  const span = options.spanMs ?? WAREHOUSE_SPAN;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const unique: EnrichedEvent[] = [];
  for (let i = 0; i < options.count; i += 1) {
    const user = `${site}-u${Math.floor(rand() ** 1.5 * options.users)}`;
    const previous = unique.length > 0 && rand() < 0.08 ? unique[Math.floor(rand() * unique.length)] : undefined;
    const at = previous !== undefined ? Date.parse(previous.received_at) : base + Math.floor(rand() * span);
    const fields = {
      site,
      user,
      session: `${user}-s${Math.floor(rand() * 3)}`,
      at,
      path: paths[Math.min(paths.length - 1, Math.floor(rand() ** 2 * paths.length))] as string,
      id: `${site}-e${String(i).padStart(6, '0')}-${Math.floor(rand() * 1e6).toString(36)}`,
      referrer_host: pick(referrers),
      browser: pick(browsers),
      os: pick(systems),
      device: pick(devices),
      utm_source: pick(sources),
      utm_medium: pick(mediums),
      utm_campaign: pick(campaigns),
    };
    const roll = rand();
    if (roll < 0.45) {
      const kind = rand();
      const duration =
        kind < 0.1 ? undefined : kind < 0.3 ? Math.floor(rand() * 20) * 0.25 : kind < 0.33 ? 5 : 10 + Math.floor(rand() * 2361) * 0.25;
      unique.push(realtimeEvent('page_view', duration === undefined ? fields : { ...fields, duration }));
    } else if (roll < 0.6) unique.push(realtimeEvent('click', { ...fields, selector: 'button#buy', text: 'Buy' }));
    else if (roll < 0.65) unique.push(realtimeEvent('form_submit', { ...fields, form_id: 'contact' }));
    else if (roll < 0.7) unique.push(realtimeEvent('custom', { ...fields, name: 'signup', props: { plan: 'pro', seats: 3 } }));
    else {
      const x = Math.floor(rand() * 1280);
      const y = Math.floor(rand() * 800);
      unique.push(realtimeEvent('mouse_move', { ...fields, x, y, viewport_w: 1280, viewport_h: 800 }));
    }
  }

  // 1% duplicates: half inside the same batch (right after the original), half ~150 events later.
  const sent: EnrichedEvent[] = [];
  const later = new Map<number, EnrichedEvent[]>();
  let duplicates = 0;
  unique.forEach((event, i) => {
    sent.push(event);
    for (const copy of later.get(i) ?? []) sent.push(copy);
    if (rand() < 0.01) {
      duplicates += 1;
      if (rand() < 0.5) sent.push({ ...event });
      else later.set(Math.min(unique.length - 1, i + 150), [...(later.get(i + 150) ?? []), { ...event }]);
    }
  });
  const batches: EnrichedEvent[][] = [];
  for (let i = 0; i < sent.length;) {
    const size = 1 + Math.floor(rand() * 300);
    batches.push(sent.slice(i, i + size));
    i += size;
  }
  // A redelivered batch (worker restart before the commit): the same batch again, whole.
  const again = batches[Math.floor(batches.length / 2)] as EnrichedEvent[];
  batches.splice(Math.floor(batches.length / 2) + 1, 0, [...again]);
  duplicates += again.length;
  return { unique, batches, duplicates };
}

// ---------------------------------------------------------------------------------------------
// Expected figures, computed from the events themselves with the definitions of warehouse.ts.

const ms = (event: EnrichedEvent) => Date.parse(event.received_at);
const durationOf = (event: EnrichedEvent): number | undefined => (event as { duration?: number }).duration;

function inRange(event: EnrichedEvent, range: TimeRange): boolean {
  const at = ms(event);
  return at >= range.from && at < range.to && (range.site === undefined || event.site === range.site);
}

interface Tally {
  views: number;
  users: Set<string>;
  sessions: number;
  bounces: number;
  quickExits: number;
  durationSum: number;
  durationCount: number;
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Each session's views in the range, its entry (first by received_at, then event_id) first. */
function sessionsOf(views: readonly EnrichedEvent[]): EnrichedEvent[][] {
  const sessions = new Map<string, EnrichedEvent[]>();
  for (const event of views) {
    const key = `${event.site}\u0000${event.user_id}\u0000${event.session_id}`;
    const list = sessions.get(key);
    if (list === undefined) sessions.set(key, [event]);
    else list.push(event);
  }
  return [...sessions.values()].map((list) => list.sort((a, b) => ms(a) - ms(b) || byteOrder(a.event_id, b.event_id)));
}

function tallyViews(events: readonly EnrichedEvent[], range: TimeRange, keyOf: (event: EnrichedEvent) => string): Map<string, Tally> {
  const tallies = new Map<string, Tally>();
  const tallyOf = (key: string) => {
    let tally = tallies.get(key);
    if (tally === undefined) {
      tally = { views: 0, users: new Set(), sessions: 0, bounces: 0, quickExits: 0, durationSum: 0, durationCount: 0 };
      tallies.set(key, tally);
    }
    return tally;
  };
  const views = events.filter((event) => event.type === 'page_view' && inRange(event, range));
  for (const event of views) {
    const tally = tallyOf(keyOf(event));
    tally.views += 1;
    tally.users.add(`${event.site}\u0000${event.user_id}`);
    const duration = durationOf(event);
    if (duration !== undefined) {
      tally.durationSum += duration;
      tally.durationCount += 1;
      if (duration < 5) tally.quickExits += 1;
    }
  }
  for (const session of sessionsOf(views)) {
    const tally = tallyOf(keyOf(session[0] as EnrichedEvent));
    tally.sessions += 1;
    if (session.length === 1) tally.bounces += 1;
  }
  return tallies;
}

const figures = (t: Tally) => ({
  views: t.views,
  unique_users: t.users.size,
  sessions: t.sessions,
  bounces: t.bounces,
  quick_exits: t.quickExits,
  avg_duration: t.durationCount === 0 ? 0 : t.durationSum / t.durationCount,
});

export function expectedPageAggregates(events: readonly EnrichedEvent[], range: TimeRange): PageAggregate[] {
  return [...tallyViews(events, range, (e) => e.path)]
    .map(([page, tally]) => ({ page, ...figures(tally) }))
    .sort((a, b) => b.views - a.views || byteOrder(a.page, b.page));
}

const bucketSize = { minute: MINUTE, hour: HOUR, day: DAY } as const;

export function expectedTimeSeries(events: readonly EnrichedEvent[], range: TimeRange, bucket: 'minute' | 'hour' | 'day'): TimeBucket[] {
  const size = bucketSize[bucket];
  return [...tallyViews(events, range, (e) => String(Math.floor(ms(e) / size) * size))]
    .map(([ts, tally]) => ({ ts: Number(ts), ...figures(tally) }))
    .sort((a, b) => a.ts - b.ts);
}

export function expectedBreakdown(
  events: readonly EnrichedEvent[],
  range: TimeRange,
  dimension: BreakdownDimension,
  limit: number,
): BreakdownRow[] {
  return [...tallyViews(events, range, (e) => e[dimension] ?? '(none)')]
    .map(([value, tally]) => ({ value, views: tally.views, unique_users: tally.users.size }))
    .sort((a, b) => b.views - a.views || byteOrder(a.value, b.value))
    .slice(0, limit);
}

/** Bot and automation events in the range: how many, how many page views, the busiest names (ties by name, byte order). */
export function expectedBotTraffic(events: readonly EnrichedEvent[], range: TimeRange, limit: number): BotTraffic {
  const bots = events.filter((e) => inRange(e, range) && isBotTraffic(e));
  const names = new Map<string, number>();
  for (const e of bots) names.set(botNameOf(e) as string, (names.get(botNameOf(e) as string) ?? 0) + 1);
  return {
    requests: bots.length,
    pageViews: views(bots),
    top: [...names]
      .map(([name, requests]) => ({ name, requests }))
      .sort((a, b) => b.requests - a.requests || byteOrder(a.name, b.name))
      .slice(0, limit),
  };
}

/**
 * The stream with some visitors turned into bots, by user: one in five is Googlebot (its User-Agent),
 * one sends no User-Agent, one is a browser reporting automation, and one in ten an old record
 * (flagged, without a bot name). Every copy of an event is turned the same way.
 */
export function withBots(stream: WarehouseStream): WarehouseStream {
  const turn = (event: EnrichedEvent): EnrichedEvent => {
    const n = Number(/-u(\d+)$/.exec(event.user_id)?.[1] ?? 0);
    const kind = botKinds[(n % 5) - 1];
    if (kind !== undefined) return asBot(event, kind);
    if (n % 10 === 9) return { ...event, user_agent: 'curl/8.0', is_bot: true, device: 'bot' };
    return event;
  };
  return { unique: stream.unique.map(turn), batches: stream.batches.map((batch) => batch.map(turn)), duplicates: stream.duplicates };
}

const humansOf = (events: readonly EnrichedEvent[]) => events.filter((e) => !isBotTraffic(e));

export function expectedExport(events: readonly EnrichedEvent[], range: TimeRange): EnrichedEvent[] {
  return events.filter((e) => inRange(e, range)).sort((a, b) => ms(a) - ms(b) || byteOrder(a.event_id, b.event_id));
}

// ---------------------------------------------------------------------------------------------
// Comparisons: counts exactly, means to 1e-9 (an adapter may sum in another order).

function assertFiguresEqual<T extends { avg_duration: number }>(actual: readonly T[], expected: readonly T[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: row count`);
  const strip = (rows: readonly T[]) => rows.map((row) => ({ ...row, avg_duration: Math.round(row.avg_duration * 1e9) / 1e9 }));
  assert.deepEqual(strip(actual), strip(expected), what);
  actual.forEach((row, i) => {
    const want = (expected[i] as T).avg_duration;
    assert.ok(Math.abs(row.avg_duration - want) <= 1e-9 * Math.max(1, want), `${what}: avg_duration of row ${i}`);
  });
}

async function collect(pages: AsyncIterable<EnrichedEvent[]>, pageSize: number): Promise<EnrichedEvent[]> {
  const all: EnrichedEvent[] = [];
  for await (const page of pages) {
    assert.ok(page.length > 0, 'no empty pages');
    assert.ok(page.length <= pageSize, `a page holds at most ${pageSize} events`);
    all.push(...page);
  }
  return all;
}

const views = (events: readonly EnrichedEvent[]) => events.filter((e) => e.type === 'page_view').length;

/** Every read the port offers, compared with what `events` (the counted ones) and `stored` (every one, for exports) predict for `site`. */
async function assertAllReads(
  warehouse: Warehouse,
  events: readonly EnrichedEvent[],
  site: string,
  what: string,
  stored: readonly EnrichedEvent[] = events,
): Promise<void> {
  const whole: TimeRange = { from: WAREHOUSE_BASE, to: WAREHOUSE_BASE + WAREHOUSE_SPAN, site };
  // Not aligned to any hour: adapters that keep hourly rollups must add the raw edges exactly.
  const odd: TimeRange = { from: WAREHOUSE_BASE + 37 * MINUTE + 12_345, to: WAREHOUSE_BASE + 3 * HOUR + 51 * MINUTE + 500, site };
  const aligned: TimeRange = { from: WAREHOUSE_BASE + 30 * MINUTE, to: WAREHOUSE_BASE + 4 * HOUR + 30 * MINUTE, site };
  const insideOneHour: TimeRange = { from: WAREHOUSE_BASE + 2 * HOUR + 35 * MINUTE + 1, to: WAREHOUSE_BASE + 2 * HOUR + 59 * MINUTE, site };
  for (const [name, range] of Object.entries({ whole, odd, aligned, insideOneHour })) {
    assertFiguresEqual(await warehouse.pageAggregates(range), expectedPageAggregates(events, range), `${what}: pageAggregates (${name})`);
  }
  for (const bucket of ['minute', 'hour', 'day'] as const) {
    for (const [name, range] of Object.entries({ whole, odd })) {
      assertFiguresEqual(
        await warehouse.timeSeries(range, bucket),
        expectedTimeSeries(events, range, bucket),
        `${what}: timeSeries by ${bucket} (${name})`,
      );
    }
  }
  for (const dimension of breakdownDimensions) {
    for (const limit of [100, 2]) {
      assert.deepEqual(
        await warehouse.breakdown(odd, dimension, limit),
        expectedBreakdown(events, odd, dimension, limit),
        `${what}: breakdown by ${dimension}, limit ${limit}`,
      );
    }
  }
  for (const pageSize of [97, 10_000]) {
    const exported = await collect(warehouse.exportEvents(whole, pageSize), pageSize);
    assert.deepEqual(exported, expectedExport(stored, whole), `${what}: exportEvents, pages of ${pageSize}`);
  }
  assert.deepEqual(await collect(warehouse.exportEvents(odd), 100_000), expectedExport(stored, odd), `${what}: exportEvents (odd range)`);
  for (const [name, range] of Object.entries({ whole, odd, insideOneHour })) {
    for (const limit of [10, 2, 0]) {
      assert.deepEqual(
        await warehouse.botTraffic(range, limit),
        expectedBotTraffic(stored, range, limit),
        `${what}: botTraffic (${name}), limit ${limit}`,
      );
    }
  }
}

let siteCounter = 0;
const newSite = (label: string) => `wh-${label}-${process.pid}-${Date.now().toString(36)}-${(siteCounter += 1)}`;

/**
 * The Warehouse contract over one adapter. `makeWarehouse` returns a fresh, isolated store
 * (its own schema, database or directory) built with `options` (they carry the per-site bot
 * switch, a set the tests add their sites to); the suite migrates it (twice: migrations apply once).
 */
export function defineWarehouseSuite(name: string, makeWarehouse: (options: WarehouseOptions) => Promise<WarehouseHandle>): void {
  describe(name, () => {
    let handle: WarehouseHandle;
    let warehouse: Warehouse;
    /** The sites that count bots in their figures (PULSE_COUNT_BOTS_SITES). */
    const countingBots = new Set<string>();
    const eventsKey = () => handle.eventsTable ?? 'events';
    const errorsKey = () => handle.errorsTable ?? 'processing_errors';
    const count = async (key: string) => {
      const counts = await warehouse.counts();
      const value = counts[key];
      assert.ok(typeof value === 'number' && Number.isInteger(value) && value >= 0, `counts() has ${key}`);
      return value;
    };

    before(async () => {
      handle = await makeWarehouse({ countBots: countBotsIn(countingBots) });
      warehouse = handle.warehouse;
      await warehouse.migrate();
      await warehouse.migrate(); // applied once: the second run finds nothing to do
      await warehouse.ping();
    });
    after(async () => {
      await warehouse.close();
      await handle.cleanup();
    });

    test('counts() reports integers per table', async () => {
      const counts = await warehouse.counts();
      for (const [table, value] of Object.entries(counts)) assert.ok(Number.isInteger(value) && value >= 0, `${table}: ${value}`);
      assert.ok(eventsKey() in counts && errorsKey() in counts, `counts() has ${eventsKey()} and ${errorsKey()}`);
    });

    test('a known stream with duplicates and a redelivered batch gives exact rows and figures', async () => {
      const site = newSite('known');
      const stream = warehouseStream(site, { seed: 20250228, count: 4000, users: 120 });
      const before = await count(eventsKey());
      let inserted = 0;
      let duplicates = 0;
      for (const batch of stream.batches) {
        const result = await warehouse.writeEvents(batch);
        assert.equal(result.inserted + result.duplicates, batch.length, 'every event of a batch is either inserted or a duplicate');
        inserted += result.inserted;
        duplicates += result.duplicates;
      }
      assert.ok(stream.duplicates > 40, 'a stream with duplicates worth the name');
      assert.equal(inserted, stream.unique.length, 'each distinct event inserted once');
      assert.equal(duplicates, stream.duplicates, 'duplicates reported');
      assert.equal((await count(eventsKey())) - before, stream.unique.length, 'one row per distinct event');
      assert.deepEqual(await warehouse.writeEvents(stream.batches[0] as EnrichedEvent[]), {
        inserted: 0,
        duplicates: (stream.batches[0] as EnrichedEvent[]).length,
      });

      const totalViews = views(stream.unique);
      const whole = { from: WAREHOUSE_BASE, to: WAREHOUSE_BASE + WAREHOUSE_SPAN, site };
      const pages = await warehouse.pageAggregates(whole);
      assert.equal(
        pages.reduce((sum, p) => sum + p.views, 0),
        totalViews,
        'every view counted once',
      );
      assert.ok(
        pages.some((p) => p.bounces > 0 && p.quick_exits > 0 && p.sessions > p.bounces && p.avg_duration > 0),
        'sessions, bounces, quick exits and durations present',
      );
      await assertAllReads(warehouse, stream.unique, site, 'known stream');
    });

    test('definitions: quick exit under 5 s, unknown durations left out of the mean, a page with no duration has mean 0', async () => {
      const site = newSite('defs');
      const at = WAREHOUSE_BASE + 10 * MINUTE;
      // Ids fix the entry of c's session (/x before /y: every view shares one millisecond).
      const e = (id: string, user: string, path: string, duration?: number, type: EventType = 'page_view') =>
        realtimeEvent(type, { site, user, at, path, id: `${site}-${id}`, ...(duration === undefined ? {} : { duration }) });
      const events = [
        e('1', 'a', '/x', 0),
        e('2', 'a', '/x', 4.75),
        e('3', 'b', '/x', 5),
        e('4', 'b', '/x', 600),
        e('5', 'c', '/x'),
        e('6', 'c', '/y'),
        e('7', 'c', '/y', undefined, 'click'),
        e('8', 'd', '/z', undefined, 'click'),
      ];
      assert.deepEqual(await warehouse.writeEvents(events), { inserted: events.length, duplicates: 0 });
      const range = { from: at, to: at + 1, site };
      const x = { views: 5, unique_users: 3, sessions: 3, bounces: 0, quick_exits: 2, avg_duration: (0 + 4.75 + 5 + 600) / 4 };
      assertFiguresEqual(
        await warehouse.pageAggregates(range),
        [
          { page: '/x', ...x },
          { page: '/y', views: 1, unique_users: 1, sessions: 0, bounces: 0, quick_exits: 0, avg_duration: 0 },
        ],
        'definitions',
      );
      assertFiguresEqual(await warehouse.timeSeries(range, 'minute'), [{ ts: at, ...x, views: 6 }], 'one bucket');
      assert.deepEqual(await warehouse.breakdown(range, 'utm_source', 10), [{ value: '(none)', views: 6, unique_users: 3 }]);
      // The range is [from, to): an event exactly at `to` is out, one exactly at `from` is in.
      assert.deepEqual(await warehouse.pageAggregates({ from: at - HOUR, to: at, site }), []);
      assert.deepEqual(await warehouse.timeSeries({ from: at + 1, to: at + HOUR, site }, 'hour'), []);
      assert.deepEqual(await warehouse.pageAggregates({ from: at, to: at, site }), [], 'an empty range');
      assert.deepEqual(await warehouse.breakdown({ from: at + 1, to: at, site }, 'browser', 10), [], 'a reversed range');
      assert.deepEqual(await collect(warehouse.exportEvents({ from: at + 1, to: at + HOUR, site }), 1000), []);
      assert.deepEqual(await warehouse.writeEvents([]), { inserted: 0, duplicates: 0 });
    });

    test('definitions: a bounce is a single-page session (any duration), counted at its entry page and bucket; bots left out', async () => {
      const site = newSite('bounce');
      const t0 = WAREHOUSE_BASE + 30 * MINUTE; // a whole UTC hour: the hour rollups serve most of the range
      const view = (id: string, user: string, session: string, offset: number, path: string, duration?: number) =>
        realtimeEvent('page_view', {
          site,
          user,
          session: `${site}-${session}`,
          at: t0 + offset,
          path,
          id: `${site}-${id}`,
          ...(duration === undefined ? {} : { duration }),
        });
      const events = [
        view('a1', 'u1', 'A', 0, '/a', 2), // a quick exit, yet its session has two views: no bounce
        view('a2', 'u1', 'A', 2 * MINUTE, '/b', 30),
        view('b1', 'u2', 'B', MINUTE, '/a', 600), // one view of ten minutes: a bounce
        view('c1', 'u3', 'C', 30 * SECOND, '/b', 1), // a bounce and a quick exit; a click is no view
        realtimeEvent('click', { site, user: 'u3', session: `${site}-C`, at: t0 + 40 * SECOND, path: '/b', id: `${site}-c2` }),
        view('d1', 'u4', 'D', 3 * MINUTE, '/b'), // two views of one page: no bounce
        view('d2', 'u4', 'D', 4 * MINUTE, '/b'),
        view('e1', 'u5', 'E1', 5 * MINUTE, '/a', 10), // one visitor, two single-page sessions: two bounces
        view('e2', 'u5', 'E2', 50 * MINUTE, '/a', 10),
        view('f2', 'u6', 'F', 5 * MINUTE, '/a', 20), // same millisecond: the entry is the lower event_id (/c)
        view('f1', 'u6', 'F', 5 * MINUTE, '/c', 20),
        view('g1', 'u8', 'G', 10 * MINUTE, '/a', 40), // continues in the next hour
        view('g2', 'u8', 'G', 70 * MINUTE, '/b', 40),
        asBot(view('h1', 'u9', 'H', 6 * MINUTE, '/a', 1), 'user-agent'), // a bot's single view: in no figure
      ];
      await warehouse.writeEvents(events);
      const session = (rows: readonly PageAggregate[]) =>
        rows.map(({ page, views, sessions, bounces, quick_exits }) => ({ page, views, sessions, bounces, quick_exits }));
      const twoHours = { from: t0, to: t0 + 2 * HOUR, site };
      assert.deepEqual(session(await warehouse.pageAggregates(twoHours)), [
        { page: '/a', views: 6, sessions: 5, bounces: 3, quick_exits: 1 },
        { page: '/b', views: 5, sessions: 2, bounces: 1, quick_exits: 1 },
        { page: '/c', views: 1, sessions: 1, bounces: 0, quick_exits: 0 },
      ]);
      // Over the first hour only, G has one view in the range: a bounce there.
      const firstHour = { from: t0, to: t0 + HOUR, site };
      assert.deepEqual(session(await warehouse.pageAggregates(firstHour)), [
        { page: '/a', views: 6, sessions: 5, bounces: 4, quick_exits: 1 },
        { page: '/b', views: 4, sessions: 2, bounces: 1, quick_exits: 1 },
        { page: '/c', views: 1, sessions: 1, bounces: 0, quick_exits: 0 },
      ]);
      // A session belongs to the bucket of its entry: G's second view adds a view to 23:00, no session.
      const series = await warehouse.timeSeries(twoHours, 'hour');
      assert.deepEqual(
        series.map(({ ts, views, sessions, bounces, quick_exits }) => ({ ts, views, sessions, bounces, quick_exits })),
        [
          { ts: t0, views: 11, sessions: 8, bounces: 4, quick_exits: 2 },
          { ts: t0 + HOUR, views: 1, sessions: 0, bounces: 0, quick_exits: 0 },
        ],
      );
      const humans = humansOf(events);
      assertFiguresEqual(await warehouse.pageAggregates(twoHours), expectedPageAggregates(humans, twoHours), 'pages = the reference');
      for (const bucket of ['minute', 'hour', 'day'] as const)
        assertFiguresEqual(await warehouse.timeSeries(twoHours, bucket), expectedTimeSeries(humans, twoHours, bucket), `${bucket}s`);
    });

    test('sites are kept apart; a range without a site covers them all', async () => {
      // A window of its own (2031), so other tests' events stay out of the all-sites figures.
      const base = Date.parse('2031-06-30T23:59:00.000Z');
      const sites = [newSite('one'), newSite('two')];
      const events = sites.flatMap((site, s) =>
        Array.from({ length: 30 }, (_, i) =>
          realtimeEvent(i % 3 === 2 ? 'click' : 'page_view', {
            site,
            user: `u${i % (4 + s)}`,
            at: base + i * 7 * SECOND,
            path: `/p${i % 3}`,
            duration: (i % 12) * 1.5,
            browser: s === 0 ? 'Firefox' : 'Chrome',
          }),
        ),
      );
      await warehouse.writeEvents(events);
      const range = { from: base, to: base + HOUR };
      for (const site of sites) {
        const own = { ...range, site };
        assertFiguresEqual(await warehouse.pageAggregates(own), expectedPageAggregates(events, own), `pageAggregates of ${site}`);
        assert.deepEqual(await collect(warehouse.exportEvents(own, 7), 7), expectedExport(events, own), `export of ${site}`);
      }
      assertFiguresEqual(await warehouse.pageAggregates(range), expectedPageAggregates(events, range), 'pageAggregates of all sites');
      assertFiguresEqual(await warehouse.timeSeries(range, 'minute'), expectedTimeSeries(events, range, 'minute'), 'minutes, all sites');
      assertFiguresEqual(await warehouse.timeSeries(range, 'day'), expectedTimeSeries(events, range, 'day'), 'days, all sites');
      assert.deepEqual(await warehouse.breakdown(range, 'browser', 10), expectedBreakdown(events, range, 'browser', 10));
      assert.deepEqual(await collect(warehouse.exportEvents(range, 11), 11), expectedExport(events, range), 'export of all sites');
      // Both sites have visitors u0…u3: the same user id on two sites is two visitors.
      const all = await warehouse.pageAggregates(range);
      assert.deepEqual(
        all.map((p) => p.unique_users),
        [9, 9],
      );
    });

    test('events keep every field through export (unicode, props, optional fields, null enrichment)', async () => {
      const site = newSite('fields');
      const at = Date.parse('2025-02-28T23:59:59.999Z');
      const events: EnrichedEvent[] = [
        realtimeEvent('page_view', {
          site,
          user: 'ünï-😀',
          at,
          path: '/blog/ü?x',
          title: 'Straße — "quotes" \\ back\nslash',
          referrer: 'https://www.google.com/?q=a%20b',
          referrer_host: 'www.google.com',
          language: 'de-DE',
          screen_w: 1920,
          screen_h: 1080,
          ts: '2025-02-28T23:59:58.123Z',
          duration: 12.25,
          ip: '203.0.113.7',
          utm_source: 'newsletter',
        }),
        realtimeEvent('custom', {
          site,
          user: 'u2',
          at: at + 1,
          name: 'nested',
          props: { a: [1, 'two', null, { b: true }], n: 0.1, zero: 0 },
        }),
        realtimeEvent('mouse_move', { site, user: 'u2', at: at + 1, x: 0.5, y: 799, path: '/' }),
        realtimeEvent('form_submit', { site, user: 'u3', at: at + 2, form_name: "it's", browser: null, os: null }),
      ];
      await warehouse.writeEvents(events);
      const range = { from: at, to: at + SECOND, site };
      assert.deepEqual(await collect(warehouse.exportEvents(range, 2), 2), expectedExport(events, range));
    });

    test('processing errors are stored once per record, with their reason', async () => {
      const before = await count(errorsKey());
      const topic = `user-activity-${newSite('errors')}`;
      const errors: ProcessingError[] = Array.from({ length: 25 }, (_, i) => ({
        topic,
        partition: i % 3,
        offset: 1000 + i,
        reason: i % 2 === 0 ? `/type: must be equal to one of the allowed values (record ${i})` : 'not JSON: Unexpected token',
        raw: i % 2 === 0 ? JSON.stringify({ type: 'nope', site: 'x', user_id: `bad-${i}` }) : `{not json ${i} ✓`,
        at: WAREHOUSE_BASE + i * SECOND,
      }));
      await warehouse.writeErrors(errors.slice(0, 20));
      await warehouse.writeErrors(errors.slice(10)); // a redelivered batch overlaps the first
      await warehouse.writeErrors([]);
      assert.equal((await count(errorsKey())) - before, errors.length, 'one row per record');
      if (handle.readErrors !== undefined) {
        const stored = (await handle.readErrors()).filter((e) => e.topic === topic);
        const key = (e: ProcessingError) => `${e.partition}:${e.offset}`;
        assert.deepEqual(
          stored.sort((a, b) => key(a).localeCompare(key(b))),
          [...errors].sort((a, b) => key(a).localeCompare(key(b))),
        );
      }
    });

    test('forgetUser leaves nothing of that visitor in any read, and nothing else changes', async () => {
      const site = newSite('gdpr');
      const stream = warehouseStream(site, { seed: 7, count: 1500, users: 40 });
      for (const batch of stream.batches) await warehouse.writeEvents(batch);
      const other = newSite('gdpr-other');
      const bystander = warehouseStream(other, { seed: 7, count: 300, users: 40 });
      for (const batch of bystander.batches) await warehouse.writeEvents(batch);

      // The busiest visitor, who also has invalid records in processing_errors; the same user id on another site stays.
      const perUser = new Map<string, number>();
      for (const e of stream.unique) perUser.set(e.user_id, (perUser.get(e.user_id) ?? 0) + 1);
      const [user, userEvents] = [...perUser].sort((a, b) => b[1] - a[1])[0] as [string, number];
      const twin = realtimeEvent('page_view', { site: other, user, at: WAREHOUSE_BASE + HOUR, path: '/', duration: 30 });
      await warehouse.writeEvents([twin]);
      const topic = `user-activity-${site}`;
      const errorsBefore = await count(errorsKey());
      await warehouse.writeErrors([
        {
          topic,
          partition: 0,
          offset: 1,
          reason: 'bad url',
          raw: JSON.stringify({ site, user_id: user, url: 'nope' }),
          at: WAREHOUSE_BASE,
        },
        { topic, partition: 0, offset: 2, reason: 'no site', raw: JSON.stringify({ user_id: user, url: 'nope' }), at: WAREHOUSE_BASE },
        { topic, partition: 0, offset: 3, reason: 'other user', raw: JSON.stringify({ site, user_id: `${user}x` }), at: WAREHOUSE_BASE },
        { topic, partition: 0, offset: 4, reason: 'other site', raw: JSON.stringify({ site: other, user_id: user }), at: WAREHOUSE_BASE },
      ]);
      const eventsBefore = await count(eventsKey());

      const removed = await warehouse.forgetUser(site, user);
      assert.ok(removed >= userEvents, `at least the ${userEvents} events went (${removed} rows)`);
      const remaining = stream.unique.filter((e) => e.user_id !== user);
      await assertAllReads(warehouse, remaining, site, `after forgetting ${user}`);
      const everything = await collect(warehouse.exportEvents({ from: WAREHOUSE_BASE, to: WAREHOUSE_BASE + WAREHOUSE_SPAN }), 100_000);
      assert.ok(!everything.some((e) => e.site === site && e.user_id === user), 'no event of the visitor in any export');
      assert.ok(
        everything.some((e) => e.event_id === twin.event_id),
        'the same id on another site is another visitor',
      );
      assert.equal(eventsBefore - (await count(eventsKey())), userEvents, 'exactly the visitor’s event rows went');
      assert.equal(errorsBefore + 4 - (await count(errorsKey())), 2, 'the visitor’s invalid records went, not the others');
      if (handle.readErrors !== undefined) {
        const left = (await handle.readErrors()).filter((e) => e.topic === topic).map((e) => e.offset);
        assert.deepEqual(
          left.sort((a, b) => a - b),
          [3, 4],
        );
      }
      await assertAllReads(warehouse, [...bystander.unique, twin], other, 'the other site');
      assert.equal(await warehouse.forgetUser(site, user), 0, 'nothing left to forget');
      assert.equal(await warehouse.forgetUser(site, 'never-seen'), 0);
    });

    test('bots (by User-Agent, without one, by the automation flag) are stored and exported, left out of every figure, and counted as bots', async () => {
      const site = newSite('bots');
      const stream = withBots(warehouseStream(site, { seed: 16, count: 2000, users: 60 }));
      let inserted = 0;
      for (const batch of stream.batches) inserted += (await warehouse.writeEvents(batch)).inserted;
      assert.equal(inserted, stream.unique.length, 'bots are stored like anyone');
      const humans = humansOf(stream.unique);
      const names = new Set(stream.unique.map(botNameOf));
      for (const name of ['Googlebot', '(no user agent)', '(automated browser)', 'curl', null])
        assert.ok(names.has(name), `${name} in the stream`);
      assert.ok(views(humans) < views(stream.unique) * 0.7, 'a good share of bots');

      await assertAllReads(warehouse, humans, site, 'bots left out', stream.unique);
      const whole = { from: WAREHOUSE_BASE, to: WAREHOUSE_BASE + WAREHOUSE_SPAN, site };
      const bots = await warehouse.botTraffic(whole, 10);
      assert.equal(bots.requests, stream.unique.length - humans.length);
      assert.deepEqual(bots.top.map((bot) => bot.name).sort(), ['(automated browser)', '(no user agent)', 'Googlebot', 'curl']);
    });

    test('a site that counts bots (the per-site switch) has them in every figure; over all sites only that site’s bots count', async () => {
      const counting = newSite('counts-bots');
      countingBots.add(counting);
      const stream = withBots(warehouseStream(counting, { seed: 17, count: 1500, users: 50 }));
      for (const batch of stream.batches) await warehouse.writeEvents(batch);
      await assertAllReads(warehouse, stream.unique, counting, 'bots counted', stream.unique);

      // A window of its own (2032), so other tests' events stay out of the all-sites figures.
      const base = Date.parse('2032-01-31T22:30:00.000Z');
      const spanMs = 3 * HOUR;
      const quiet = newSite('no-bots');
      const loud = newSite('counts-bots');
      countingBots.add(loud);
      const left = withBots(warehouseStream(quiet, { seed: 18, count: 400, users: 30, base, spanMs }));
      const counted = withBots(warehouseStream(loud, { seed: 19, count: 400, users: 30, base, spanMs }));
      for (const batch of [...left.batches, ...counted.batches]) await warehouse.writeEvents(batch);
      const figuresFrom = [...humansOf(left.unique), ...counted.unique];
      const all = [...left.unique, ...counted.unique];
      for (const range of [
        { from: base, to: base + spanMs },
        { from: base + 17 * MINUTE + 123, to: base + 2 * HOUR + 41 * MINUTE + 7 },
      ]) {
        assertFiguresEqual(await warehouse.pageAggregates(range), expectedPageAggregates(figuresFrom, range), 'pages, all sites');
        for (const bucket of ['minute', 'hour', 'day'] as const) {
          assertFiguresEqual(
            await warehouse.timeSeries(range, bucket),
            expectedTimeSeries(figuresFrom, range, bucket),
            `${bucket}s, all sites`,
          );
        }
        assert.deepEqual(await warehouse.breakdown(range, 'device', 10), expectedBreakdown(figuresFrom, range, 'device', 10));
        assert.deepEqual(await warehouse.botTraffic(range, 10), expectedBotTraffic(all, range, 10), 'bots of every site');
        const quietOnly = { ...range, site: quiet };
        assertFiguresEqual(
          await warehouse.pageAggregates(quietOnly),
          expectedPageAggregates(humansOf(left.unique), quietOnly),
          'pages, one site',
        );
      }
    });
  });
}
