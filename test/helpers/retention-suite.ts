import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { countBotsIn } from '../../src/contract/bot-traffic.ts';
import type { EnrichedEvent, EventType } from '../../src/contract/event-schema.ts';
import { random } from '../../src/generator/prng.ts';
import type { FunnelStep, RetentionPeriod, RetentionQuery, RetentionResult } from '../../src/stores/warehouse/product-analytics.ts';
import type { Warehouse, WarehouseOptions } from '../../src/stores/warehouse/warehouse.ts';
import { asBot, botKinds, realtimeEvent } from './realtime-store-suite.ts';

/**
 * The retention contract (src/stores/warehouse/product-analytics.ts), run over every adapter: a
 * generated dataset (seeded PRNG, written through writeEvents) whose answers are computed here by
 * plain TypeScript from the events themselves, plus hand-made edge cases with literal answers.
 */

export interface AnalyticsHandle {
  warehouse: Warehouse;
  /** Drops what the run created (schema, database). Runs after close(). */
  cleanup: () => Promise<void>;
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Writes events in batches, as the warehouse worker would. */
export async function writeAll(warehouse: Warehouse, events: readonly EnrichedEvent[], batch = 500): Promise<void> {
  for (let i = 0; i < events.length; i += batch) await warehouse.writeEvents(events.slice(i, i + batch));
}

/** UTF-8 byte order (what the warehouses sort text by). */
export const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** A property's value as text, per the port: a string as is, anything else as its JSON text; undefined when absent. */
export function propertyTextOf(props: unknown, key: string): string | undefined {
  if (typeof props !== 'object' || props === null || !Object.hasOwn(props, key)) return undefined;
  const value = (props as Record<string, unknown>)[key];
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.replaceAll('\u0000', '\uFFFD');
}

const globMatches = (pattern: string, path: string): boolean => {
  // Independent of the adapters' translations: a plain recursive match, `*` any run of characters.
  const match = (p: number, s: number): boolean => {
    if (p === pattern.length) return s === path.length;
    if (pattern[p] === '*') return match(p + 1, s) || (s < path.length && match(p, s + 1));
    return s < path.length && pattern[p] === path[s] && match(p + 1, s + 1);
  };
  return match(0, 0);
};

/** Whether an event matches a step, from the port's definitions. */
export function stepMatches(step: FunnelStep, event: EnrichedEvent): boolean {
  const props = (event as { props?: unknown }).props;
  const kindMatches =
    step.kind === 'page'
      ? event.type === 'page_view' && globMatches(step.path, event.path)
      : event.type === 'custom' && (event as { name: string }).name === step.name;
  if (!kindMatches || step.property === undefined) return kindMatches;
  // The funnels' rule: only a string, number or boolean value can match.
  const value = typeof props === 'object' && props !== null ? (props as Record<string, unknown>)[step.property.key] : undefined;
  const scalar = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  return scalar && propertyTextOf(props, step.property.key) === step.property.value;
}

const ms = (event: EnrichedEvent) => Date.parse(event.received_at);

/** The UTC day, or the ISO week (from Monday), holding `at`. */
function periodStartOf(at: number, period: RetentionPeriod): number {
  const date = new Date(at);
  const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  return period === 'day' ? day : day - ((date.getUTCDay() + 6) % 7) * DAY;
}

/** Retention computed from the events, by the port's definitions. */
export function expectedRetention(events: readonly EnrichedEvent[], query: RetentionQuery, countsBots: boolean): RetentionResult {
  const { from, to, site } = query.range;
  const step = query.period === 'day' ? DAY : 7 * DAY;
  const scoped = events.filter((e) => e.site === site && ms(e) >= from && ms(e) < to && (countsBots || !e.is_bot));
  const first = new Map<string, number>();
  for (const e of scoped) first.set(e.user_id, Math.min(first.get(e.user_id) ?? Infinity, ms(e)));
  const returns = new Map<string, Set<number>>();
  for (const e of scoped) {
    if (query.returning !== undefined && !stepMatches(query.returning, e)) continue;
    const set = returns.get(e.user_id) ?? new Set<number>();
    set.add(periodStartOf(ms(e), query.period));
    returns.set(e.user_id, set);
  }
  const lastStart = periodStartOf(to - 1, query.period);
  const cohorts = new Map<number, string[]>();
  for (const [user, at] of first) {
    const start = periodStartOf(at, query.period);
    cohorts.set(start, [...(cohorts.get(start) ?? []), user]);
  }
  return {
    period: query.period,
    cohorts: [...cohorts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([start, users]) => {
        const retained: number[] = [];
        for (let p = start; p <= lastStart; p += step)
          retained.push(p === start ? users.length : users.filter((u) => returns.get(u)?.has(p) === true).length);
        return { start, visitors: users.length, retained };
      }),
  };
}

/** Monday 2025-01-20, 00:00 UTC: the generated dataset runs from here across February into March. */
export const RETENTION_BASE = Date.parse('2025-01-20T00:00:00.000Z');
const paths = ['/', '/pricing', '/products', '/products/42', '/products/7/reviews', '/docs/start', '/blog/retention'];
const names = ['signup', 'purchase', 'purchase', 'share', 'search'];
const plans = ['free', 'pro', 'team'];

/**
 * Visitors who arrive over ~6 weeks and come back 0–8 times after gaps of hours to ~12 days, each
 * visit a few events of every type; 8% of visitors are bots; 10% of visitors were seen 1–4 days
 * before the dataset's start (before any range's start that begins there).
 */
export function retentionStream(site: string, seed: number, visitors: number): EnrichedEvent[] {
  const rand = random(seed);
  const events: EnrichedEvent[] = [];
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  for (let v = 0; v < visitors; v += 1) {
    const user = `${site}-v${v}`;
    const bot = rand() < 0.08 ? pick(botKinds) : undefined;
    let at = RETENTION_BASE + Math.floor(rand() * 42 * DAY);
    if (rand() < 0.1) at = RETENTION_BASE - Math.floor((1 + rand() * 3) * DAY);
    const visits = 1 + Math.floor(rand() ** 2 * 9);
    for (let visit = 0; visit < visits; visit += 1) {
      const session = `${user}-s${visit}`;
      const count = 1 + Math.floor(rand() * 4);
      for (let i = 0; i < count; i += 1) {
        at += Math.floor(rand() * 10 * MINUTE);
        const roll = rand();
        const type: EventType = roll < 0.5 ? 'page_view' : roll < 0.75 ? 'custom' : roll < 0.9 ? 'click' : 'mouse_move';
        const fields: Record<string, unknown> = { site, user, session, at, path: pick(paths), id: `${site}-e${events.length}` };
        if (type === 'custom')
          Object.assign(fields, { name: pick(names), props: { plan: pick(plans), seats: 1 + Math.floor(rand() * 3) } });
        if (type === 'page_view' && rand() < 0.3) fields['props'] = { ref: pick(['ad', 'mail']) };
        if (type === 'mouse_move') Object.assign(fields, { x: 1, y: 2 });
        const event = realtimeEvent(type, fields as Parameters<typeof realtimeEvent>[1]);
        events.push(bot === undefined ? event : asBot(event, bot));
      }
      at += Math.floor(HOUR + rand() ** 2 * 12 * DAY);
    }
  }
  return events;
}

const at = (iso: string) => Date.parse(iso);

export function defineRetentionSuite(name: string, makeWarehouse: (options: WarehouseOptions) => Promise<AnalyticsHandle>): void {
  describe(name, () => {
    let handle: AnalyticsHandle;
    let warehouse: Warehouse;
    const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
    const site = (label: string) => `ret-${label}-${run}`;
    const botSite = site('bots');
    const main = site('main');
    let generated: EnrichedEvent[] = [];

    before(async () => {
      handle = await makeWarehouse({ countBots: countBotsIn([botSite]) });
      warehouse = handle.warehouse;
      await warehouse.migrate();
      generated = [...retentionStream(main, 15, 400), ...retentionStream(botSite, 16, 200)];
      await writeAll(warehouse, generated);
    });
    after(async () => {
      await warehouse.close();
      await handle.cleanup();
    });

    const check = async (query: RetentionQuery, countsBots = false) => {
      const expected = expectedRetention(generated, query, countsBots);
      assert.ok(expected.cohorts.length >= 2, 'the dataset gives this query several cohorts');
      assert.ok(
        expected.cohorts.some((c) => c.retained.slice(1).some((n) => n > 0)),
        'the dataset gives this query returning visitors',
      );
      assert.deepEqual(await warehouse.retention(query), expected);
    };
    // Ranges with odd edges: partial first and last periods.
    const days = { from: RETENTION_BASE + 13 * HOUR + 37 * MINUTE + 123, to: RETENTION_BASE + 20 * DAY + 5 * HOUR + 11 * MINUTE };
    const weeks = { from: at('2025-01-22T10:00:00.000Z'), to: at('2025-03-04T08:00:00.000Z') };

    test('generated: day cohorts, returning on any event', () => check({ range: { ...days, site: main }, period: 'day' }));
    test('generated: week cohorts across two month boundaries, returning on any event', () =>
      check({ range: { ...weeks, site: main }, period: 'week' }));
    test('generated: returning on a page pattern', () =>
      check({ range: { ...days, site: main }, period: 'day', returning: { kind: 'page', path: '/products/*' } }));
    test('generated: returning on a custom event, by week', () =>
      check({ range: { ...weeks, site: main }, period: 'week', returning: { kind: 'event', name: 'purchase' } }));
    test('generated: returning on a custom event with a string and a number property', async () => {
      const range = { ...days, site: main };
      await check({ range, period: 'day', returning: { kind: 'event', name: 'purchase', property: { key: 'plan', value: 'pro' } } });
      await check({ range, period: 'day', returning: { kind: 'event', name: 'purchase', property: { key: 'seats', value: '2' } } });
      await check({ range, period: 'day', returning: { kind: 'page', path: '*', property: { key: 'ref', value: 'ad' } } });
    });
    test('generated: bots are left out, unless the site counts them', async () => {
      const humans = expectedRetention(generated, { range: { ...days, site: main }, period: 'day' }, false);
      const all = expectedRetention(generated, { range: { ...days, site: main }, period: 'day' }, true);
      assert.notDeepEqual(humans, all, 'the dataset has bots in the range');
      await check({ range: { ...days, site: botSite }, period: 'day' }, true);
      await check({ range: { ...weeks, site: botSite }, period: 'week', returning: { kind: 'event', name: 'purchase' } }, true);
    });

    test('edge: a visitor active in two cohorts’ ranges counts in the cohort of their first event only; an earlier event outside the range does not decide', async () => {
      const s = site('two');
      const ev = (user: string, iso: string, type: EventType = 'page_view') =>
        realtimeEvent(type, { site: s, user, at: at(iso), path: '/', ...(type === 'custom' ? { name: 'x' } : {}) });
      await writeAll(warehouse, [
        ev('a', '2025-05-01T10:00:00.000Z'),
        ev('a', '2025-05-03T09:00:00.000Z', 'click'),
        ev('b', '2025-05-03T12:00:00.000Z'),
        ev('b', '2025-05-04T23:59:59.999Z', 'custom'),
        ev('c', '2025-04-30T23:59:59.999Z'), // the day before the range
        ev('c', '2025-05-02T00:00:00.000Z'),
        ev('d', '2025-05-05T00:00:00.000Z'), // the range's end: excluded
      ]);
      const range = { from: at('2025-05-01T00:00:00.000Z'), to: at('2025-05-05T00:00:00.000Z'), site: s };
      const day = (d: number) => at(`2025-05-0${d}T00:00:00.000Z`);
      assert.deepEqual(await warehouse.retention({ range, period: 'day' }), {
        period: 'day',
        cohorts: [
          { start: day(1), visitors: 1, retained: [1, 0, 1, 0] },
          { start: day(2), visitors: 1, retained: [1, 0, 0] },
          { start: day(3), visitors: 1, retained: [1, 1] },
        ],
      });
    });

    test('edge: week cohorts start on Monday, across a month boundary; partial weeks at both ends', async () => {
      const s = site('weeks');
      const ev = (user: string, iso: string) => realtimeEvent('page_view', { site: s, user, at: at(iso), path: '/' });
      await writeAll(warehouse, [
        ev('x', '2025-03-29T08:00:00.000Z'), // Saturday: week of Monday 03-24
        ev('x', '2025-04-01T08:00:00.000Z'), // Tuesday: week of 03-31
        ev('z', '2025-03-30T23:59:59.999Z'), // Sunday, last instant of the week of 03-24
        ev('z', '2025-04-06T12:00:00.000Z'), // Sunday of the week of 03-31
        ev('y', '2025-03-31T00:00:00.000Z'), // Monday, first instant
        ev('y', '2025-04-07T00:00:00.000Z'), // the next Monday, in the last (partial) week
      ]);
      const range = { from: at('2025-03-26T12:00:00.000Z'), to: at('2025-04-08T00:00:00.000Z'), site: s };
      assert.deepEqual(await warehouse.retention({ range, period: 'week' }), {
        period: 'week',
        cohorts: [
          { start: at('2025-03-24T00:00:00.000Z'), visitors: 2, retained: [2, 2, 0] },
          { start: at('2025-03-31T00:00:00.000Z'), visitors: 1, retained: [1, 1] },
        ],
      });
    });

    test('edge: returning on a chosen event, a property of each JSON type (scalars only match, as in funnels), and literal path characters', async () => {
      const s = site('chosen');
      const ev = (user: string, iso: string, type: EventType, extra: Record<string, unknown>) =>
        realtimeEvent(type, { site: s, user, at: at(iso), path: '/', ...extra });
      await writeAll(warehouse, [
        ev('p', '2025-06-01T10:00:00.000Z', 'page_view', { path: '/home' }),
        ev('p', '2025-06-02T10:00:00.000Z', 'custom', {
          name: 'purchase',
          props: { plan: 'pro', seats: 3, trial: false, meta: { a: 1 }, gone: null },
        }),
        ev('p', '2025-06-03T10:00:00.000Z', 'page_view', { path: '/100%_off.(x)' }),
        ev('q', '2025-06-01T11:00:00.000Z', 'custom', { name: 'purchase', props: { plan: 'basic' } }),
        ev('q', '2025-06-03T11:00:00.000Z', 'page_view', { path: '/100XYoffZ(x)' }),
        ev('q', '2025-06-03T12:00:00.000Z', 'custom', { name: 'Purchase', props: { plan: 'pro' } }),
      ]);
      const range = { from: at('2025-06-01T00:00:00.000Z'), to: at('2025-06-04T00:00:00.000Z'), site: s };
      const cohort = (retained: number[]) => ({ period: 'day', cohorts: [{ start: range.from, visitors: 2, retained }] });
      const returning = async (step: FunnelStep) => warehouse.retention({ range, period: 'day', returning: step });
      assert.deepEqual(await returning({ kind: 'event', name: 'purchase' }), cohort([2, 1, 0]), 'names match exactly (case too)');
      assert.deepEqual(await returning({ kind: 'event', name: 'purchase', property: { key: 'plan', value: 'pro' } }), cohort([2, 1, 0]));
      assert.deepEqual(await returning({ kind: 'event', name: 'purchase', property: { key: 'plan', value: 'team' } }), cohort([2, 0, 0]));
      assert.deepEqual(await returning({ kind: 'event', name: 'purchase', property: { key: 'seats', value: '3' } }), cohort([2, 1, 0]));
      assert.deepEqual(await returning({ kind: 'event', name: 'purchase', property: { key: 'trial', value: 'false' } }), cohort([2, 1, 0]));
      assert.deepEqual(
        await returning({ kind: 'event', name: 'purchase', property: { key: 'meta', value: '{"a":1}' } }),
        cohort([2, 0, 0]),
        'objects never match',
      );
      assert.deepEqual(
        await returning({ kind: 'event', name: 'purchase', property: { key: 'gone', value: 'null' } }),
        cohort([2, 0, 0]),
        'null never matches',
      );
      await assert.rejects(() => returning({ kind: 'event', name: 'purchase', property: { key: 'a"b', value: 'x' } }), RangeError);
      assert.deepEqual(
        await returning({ kind: 'event', name: 'purchase', property: { key: 'a', value: '1' } }),
        cohort([2, 0, 0]),
        'nested keys are not the event’s own',
      );
      assert.deepEqual(await returning({ kind: 'page', path: '/100%_off.(x)' }), cohort([2, 0, 1]), '% _ . ( ) are literal');
      assert.deepEqual(await returning({ kind: 'page', path: '/100*off*' }), cohort([2, 0, 2]));
      assert.deepEqual(await returning({ kind: 'page', path: '/home' }), cohort([2, 0, 0]), 'k = 0 is the cohort whatever the step');
    });

    test('edge: bots are left out; a human’s first human event decides their cohort', async () => {
      const s = site('nobots');
      const human = (user: string, iso: string) => realtimeEvent('page_view', { site: s, user, at: at(iso), path: '/' });
      await writeAll(warehouse, [
        asBot(human('h', '2025-07-01T10:00:00.000Z'), 'automated'),
        human('h', '2025-07-02T10:00:00.000Z'),
        human('h', '2025-07-03T10:00:00.000Z'),
        asBot(human('g', '2025-07-01T10:00:00.000Z'), 'user-agent'),
        asBot(human('g', '2025-07-02T10:00:00.000Z'), 'user-agent'),
      ]);
      const range = { from: at('2025-07-01T00:00:00.000Z'), to: at('2025-07-04T00:00:00.000Z'), site: s };
      assert.deepEqual(await warehouse.retention({ range, period: 'day' }), {
        period: 'day',
        cohorts: [{ start: at('2025-07-02T00:00:00.000Z'), visitors: 1, retained: [1, 1] }],
      });
    });

    test('an empty range has no cohorts; a bad query is refused', async () => {
      const range = { from: RETENTION_BASE, to: RETENTION_BASE, site: main };
      assert.deepEqual(await warehouse.retention({ range, period: 'week' }), { period: 'week', cohorts: [] });
      await assert.rejects(() => warehouse.retention({ range: { ...days, site: main }, period: 'month' as RetentionPeriod }), RangeError);
      await assert.rejects(() => warehouse.retention({ range: { ...days } as RetentionQuery['range'], period: 'day' }), RangeError);
    });
  });
}
