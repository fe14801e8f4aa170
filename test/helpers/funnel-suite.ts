import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { countBotsIn } from '../../src/contract/bot-traffic.ts';
import type { EnrichedEvent } from '../../src/contract/event-schema.ts';
import { intBetween, random, type Random } from '../../src/generator/prng.ts';
import {
  funnelCounts,
  funnelOrders,
  type FunnelQuery,
  type FunnelResult,
  type FunnelStep,
} from '../../src/stores/warehouse/product-analytics.ts';
import type { Warehouse, WarehouseOptions } from '../../src/stores/warehouse/warehouse.ts';
import { referenceFunnel } from './funnel-reference.ts';
import { asBot, realtimeEvent } from './realtime-store-suite.ts';

/**
 * The funnel contract (src/stores/warehouse/product-analytics.ts), written once and run over every
 * adapter: PGlite, PostgreSQL, ClickHouse 18.16 and current ClickHouse (chdb). A generated dataset's
 * funnels must equal the answer test/helpers/funnel-reference.ts computes in plain TypeScript, for
 * every order, count and window; hand-written cases pin each rule with numbers worked out by hand.
 * Each test writes its own site; the warehouse is shared by the file's tests.
 */

export interface FunnelHandle {
  warehouse: Warehouse;
  /** Drops what the run created (schema, database). Runs after close(). */
  cleanup: () => Promise<void>;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** The generated dataset's day; the queried range starts an hour in, so some visits began before it. */
export const FUNNEL_BASE = Date.parse('2025-03-10T08:00:00.000Z');
const RANGE = { from: FUNNEL_BASE + HOUR, to: FUNNEL_BASE + 9 * HOUR };

let siteCounter = 0;
const newSite = (label: string) => `fn-${label}-${process.pid}-${Date.now().toString(36)}-${(siteCounter += 1)}`;

const pages = ['/', '/pricing', '/products/1', '/products/2', '/products/a_b', '/cart', '/checkout', '/checkout/done', '/blog/x'];
const links: Record<string, string[]> = {
  '/': ['/pricing', '/products/1', '/products/2', '/blog/x', '/'],
  '/pricing': ['/', '/products/1', '/checkout'],
  '/products/1': ['/cart', '/products/2', '/'],
  '/products/2': ['/cart', '/products/a_b', '/pricing'],
  '/products/a_b': ['/cart', '/'],
  '/cart': ['/checkout', '/products/1'],
  '/checkout': ['/checkout/done', '/cart'],
  '/checkout/done': ['/', '/blog/x'],
  '/blog/x': ['/', '/pricing'],
};

const pick = <T>(rand: Random, values: readonly T[]): T => values[Math.floor(rand() * values.length)] as T;

/** Gaps between a visitor's events: often the same millisecond (one tracker batch), sometimes far past a window. */
function gap(rand: Random): number {
  const roll = rand();
  if (roll < 0.2) return 0;
  if (roll < 0.55) return intBetween(rand, 1, 5 * SECOND);
  if (roll < 0.85) return intBetween(rand, 5 * SECOND, 10 * MINUTE);
  return intBetween(rand, 10 * MINUTE, 3 * HOUR);
}

/** A custom event at a page, with props of every kind the filter reads (strings, numbers, booleans, null, objects). */
function customAt(rand: Random, page: string): { name: string; props: Record<string, unknown> } {
  if (page === '/pricing' || page === '/') {
    return {
      name: 'signup',
      props: { plan: pick(rand, ['pro', 'free', 'team']), seats: pick(rand, [1, 5, 5.5]), trial: pick(rand, [true, false]) },
    };
  }
  if (page.startsWith('/products/') || page === '/cart') {
    return {
      name: 'add_to_cart',
      props: {
        sku: page.slice(10) || 'cart',
        price: pick(rand, [19.5, 5, 100]),
        gift: pick(rand, [true, false, null]),
        meta: { plan: 'pro' },
      },
    };
  }
  return { name: pick(rand, ['share', 'signup']), props: { plan: pick(rand, ['pro', '5']) } };
}

/**
 * A seeded dataset of one site: `visitors` visitors (one in ten a bot), each with 1–3 sessions of
 * random walks over the pages, custom events with props, clicks and form submits between them.
 */
export function funnelDataset(site: string, seed: number, visitors: number): EnrichedEvent[] {
  const rand = random(seed);
  const events: EnrichedEvent[] = [];
  for (let v = 0; v < visitors; v += 1) {
    const user = `v${v}`;
    const bot = v % 10 === 7;
    const sessions = intBetween(rand, 1, 3);
    let at = FUNNEL_BASE + intBetween(rand, 0, 7 * HOUR);
    for (let s = 0; s < sessions; s += 1) {
      const session = `${user}-s${s}`;
      let page = pick(rand, ['/', '/', '/pricing', '/products/1', '/blog/x']);
      const length = intBetween(rand, 1, 9);
      for (let i = 0; i < length; i += 1) {
        const base = { site, user, session, at, path: page, id: `${site}-${user}-${events.length.toString().padStart(5, '0')}` };
        const roll = rand();
        let event: EnrichedEvent;
        if (roll < 0.6) event = realtimeEvent('page_view', { ...base, duration: intBetween(rand, 1, 300) });
        else if (roll < 0.85) event = realtimeEvent('custom', { ...base, ...customAt(rand, page) });
        else if (roll < 0.95) event = realtimeEvent('click', { ...base, selector: 'a.next' });
        else event = realtimeEvent('form_submit', { ...base, form_name: 'contact' });
        events.push(bot ? asBot(event, 'user-agent') : event);
        at += gap(rand);
        if (rand() < 0.7) page = pick(rand, links[page] ?? pages);
      }
      at += intBetween(rand, 30 * MINUTE, 2 * HOUR);
    }
  }
  return events;
}

/** The generated dataset's funnels: wildcards, a property of each kind, a repeated step, 2 to 8 steps. */
const page = (path: string, property?: { key: string; value: string }): FunnelStep => ({ kind: 'page', path, property });
const event = (name: string, property?: { key: string; value: string }): FunnelStep => ({ kind: 'event', name, property });
/** A sequential funnel of visitors over the hour from `from`, one hour to complete. */
const hourFunnel = (site: string, from: number, steps: FunnelStep[]): FunnelQuery => ({
  range: { from, to: from + HOUR, site },
  steps,
  order: 'sequential',
  windowMs: HOUR,
  countBy: 'visitors',
});
export const datasetFunnels: readonly (readonly FunnelStep[])[] = [
  [page('/'), page('/pricing'), event('signup')],
  [page('/products/*'), event('add_to_cart', { key: 'gift', value: 'true' }), page('/checkout*'), page('/checkout/done')],
  [page('/'), page('/pricing'), page('/')],
  [event('signup', { key: 'plan', value: 'pro' }), event('add_to_cart', { key: 'price', value: '19.5' })],
  [event('signup', { key: 'seats', value: '5' }), page('/products/a_b'), event('signup')],
  [page('/*'), page('/products/*'), page('/cart'), page('/checkout')],
  [page('/'), page('/*'), page('/products/*'), page('/*'), event('add_to_cart'), page('/cart'), page('/checkout'), page('/checkout/done')],
];
const datasetWindows = [1, 90 * SECOND, 24 * HOUR];

export function defineFunnelSuite(name: string, makeWarehouse: (options: WarehouseOptions) => Promise<FunnelHandle>): void {
  describe(name, () => {
    let handle: FunnelHandle;
    let warehouse: Warehouse;
    const countingBots = new Set<string>();

    before(async () => {
      handle = await makeWarehouse({ countBots: countBotsIn(countingBots) });
      warehouse = handle.warehouse;
      await warehouse.migrate();
    });
    after(async () => {
      await warehouse.close();
      await handle.cleanup();
    });

    /** Writes `events` in batches of `size`, in the order given. */
    async function write(events: readonly EnrichedEvent[], size = 500): Promise<void> {
      for (let i = 0; i < events.length; i += size) {
        const result = await warehouse.writeEvents(events.slice(i, i + size));
        assert.equal(result.duplicates, 0);
      }
    }

    /** The adapter's answer, checked against the reference's. */
    async function check(events: readonly EnrichedEvent[], query: FunnelQuery, what: string): Promise<FunnelResult> {
      const actual = await warehouse.funnel(query);
      assert.deepStrictEqual(actual, referenceFunnel(events, query, countingBots.has(query.range.site)), what);
      return actual;
    }

    const entered = (result: FunnelResult) => result.steps.map((s) => s.entered);
    const medians = (result: FunnelResult) => result.steps.map((s) => s.medianSecondsFromPrevious);

    test('a generated dataset: every funnel, order, count and window equals the reference', async (t) => {
      const site = newSite('dataset');
      const events = funnelDataset(site, 20250310, 400);
      // Written shuffled: the store must order by time, not by arrival.
      const shuffled = [...events];
      const rand = random(7);
      for (let i = shuffled.length - 1; i > 0; i -= 1) {
        const j = Math.floor(rand() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j] as EnrichedEvent, shuffled[i] as EnrichedEvent];
      }
      await write(shuffled);
      const digest = createHash('sha256');
      let converting = 0;
      let asked = 0;
      // A third of the funnel × order × count × window matrix, spread so every value of each meets every value of the others.
      for (const [f, steps] of datasetFunnels.entries()) {
        for (const [o, order] of funnelOrders.entries()) {
          for (const [c, countBy] of funnelCounts.entries()) {
            for (const [w, windowMs] of datasetWindows.entries()) {
              if ((f + o + c + w) % 3 !== 0) continue;
              asked += 1;
              const query: FunnelQuery = { range: { ...RANGE, site }, steps, order, windowMs, countBy };
              const result = await check(events, query, `${JSON.stringify(steps)} ${order} ${countBy} ${windowMs} ms`);
              digest.update(JSON.stringify(result));
              if ((result.steps.at(-1)?.entered ?? 0) > 0) converting += 1;
            }
          }
        }
      }
      assert.ok(
        converting * 3 > asked,
        `a third of the funnels or more have someone completing them (the 1 ms window rarely) (${converting} of ${asked})`,
      );
      // The same on every adapter: compare this line across the four runs.
      t.diagnostic(`dataset results sha256 ${digest.digest('hex')}`);
    });

    test('a dataset funnel is no toy: visitors drop, some convert in the same millisecond, medians are set', async () => {
      const site = newSite('shape');
      const events = funnelDataset(site, 99, 300);
      await write(events);
      const result = await check(
        events,
        {
          range: { ...RANGE, site },
          steps: datasetFunnels[0] as FunnelStep[],
          order: 'sequential',
          windowMs: 24 * HOUR,
          countBy: 'visitors',
        },
        'shape',
      );
      const [first, second, third] = entered(result);
      assert.ok(
        (first ?? 0) > 100 && (first ?? 0) > (second ?? 0) && (second ?? 0) > (third ?? 0) && (third ?? 0) > 0,
        `${entered(result)}`,
      );
      assert.ok(
        medians(result)
          .slice(1)
          .every((m) => typeof m === 'number' && m >= 0),
      );
    });

    test('repeated steps /a → /b → /a need a second /a after /b; one event fills one step', async () => {
      const site = newSite('repeat');
      const T = FUNNEL_BASE + 2 * HOUR;
      const pv = (user: string, ms: number, path: string) => realtimeEvent('page_view', { site, user, at: ms, path });
      const events = [
        ...[pv('u1', T, '/a'), pv('u1', T + 1000, '/b'), pv('u1', T + 3000, '/a')], // 3 steps
        ...[pv('u2', T, '/a'), pv('u2', T + 1000, '/b')], // 2
        ...[pv('u3', T, '/a'), pv('u3', T + 500, '/a'), pv('u3', T + 1000, '/b')], // 2: no /a after /b
        ...[pv('u4', T, '/b'), pv('u4', T, '/a')], // one batch, same ms: /a comes first (funnel order), no second /a: 2
        ...[pv('u5', T, '/a'), pv('u5', T, '/b'), pv('u5', T, '/a')], // same ms, two /a: /a, /a, /b in funnel order: 2
      ];
      await write(events);
      const query: FunnelQuery = {
        range: { from: T - HOUR, to: T + HOUR, site },
        steps: [page('/a'), page('/b'), page('/a')],
        order: 'sequential',
        windowMs: HOUR,
        countBy: 'visitors',
      };
      const result = await check(events, query, 'repeated');
      assert.deepEqual(entered(result), [5, 5, 1]);
      // Gaps to /b: 1 s (u1), 1 s (u2), 1 s (u3, from its earliest /a), 0 and 0 (same ms) → 1 s.
      assert.deepEqual(medians(result), [null, 1, 2]);
    });

    test('events received out of order, and the window boundary: exactly windowMs counts, 1 ms more does not', async () => {
      const site = newSite('window');
      const T = FUNNEL_BASE + 2 * HOUR;
      const pv = (user: string, ms: number, path: string) => realtimeEvent('page_view', { site, user, at: ms, path });
      const events = [
        ...[pv('w1', T, '/a'), pv('w1', T + MINUTE, '/b')],
        ...[pv('w2', T, '/a'), pv('w2', T + MINUTE + 1, '/b')],
        ...[pv('w3', T + 5000, '/a'), pv('w3', T, '/b')],
        ...[pv('w4', T + 10, '/a'), pv('w4', T + 20, '/b')],
      ];
      // Latest first, one event per batch: arrival order is the reverse of time order.
      for (const e of [...events].reverse()) await write([e]);
      const query = (order: FunnelQuery['order']): FunnelQuery => ({
        range: { from: T - HOUR, to: T + HOUR, site },
        steps: [page('/a'), page('/b')],
        order,
        windowMs: MINUTE,
        countBy: 'visitors',
      });
      const sequential = await check(events, query('sequential'), 'sequential');
      assert.deepEqual(entered(sequential), [4, 2]);
      assert.deepEqual(medians(sequential), [null, 30.005], 'even count: the mean of 60 s and 0.01 s');
      const any = await check(events, query('any'), 'any');
      assert.deepEqual(entered(any), [4, 3], 'w3 did both, /b first');
      assert.deepEqual(medians(any), [null, 0.01], 'gaps 60 s, 0 (w3: both done when /a came), 0.01 s');
      assert.deepEqual(entered(await check(events, { ...query('sequential'), windowMs: MINUTE + 1 }, 'wider')), [4, 3]);
    });

    test('wildcards: * matches any run (none too); _, %, \\ and case are literal', async () => {
      const site = newSite('wildcard');
      const T = FUNNEL_BASE + 3 * HOUR;
      const pv = (user: string, ms: number, path: string) => realtimeEvent('page_view', { site, user, at: ms, path });
      const events = [
        ...[pv('x1', T, '/shop/42/buy'), pv('x1', T + 1, '/a_b')],
        ...[pv('x2', T, '/shop/buy'), pv('x2', T + 1, '/a_b')],
        ...[pv('x3', T, '/shop/1/2/buy'), pv('x3', T + 1, '/axb')],
        ...[pv('x4', T, '/shop//buy'), pv('x4', T + 1, '/a_b')],
        ...[pv('x5', T, '/SHOP/1/buy'), pv('x5', T + 1, '/a_b')],
        ...[pv('y1', T, '/100%'), pv('y1', T + 1, '/a\\bc')],
        ...[pv('y2', T, '/1000'), pv('y2', T + 1, '/a\\b')],
        ...[pv('y3', T, '/100%'), pv('y3', T + 1, '/ab')],
      ];
      await write(events);
      const query = (steps: FunnelStep[]) => hourFunnel(site, T, steps);
      assert.deepEqual(entered(await check(events, query([page('/shop/*/buy'), page('/a_b')]), 'shop')), [3, 2]);
      assert.deepEqual(entered(await check(events, query([page('/100%'), page('/a\\b*')]), 'percent')), [2, 1]);
      assert.deepEqual(entered(await check(events, query([page('*'), page('*b')]), 'everything')), [8, 7]);
    });

    test('property filters: strings as is, numbers and booleans as JSON text; null, objects and other values never match', async () => {
      const site = newSite('props');
      const T = FUNNEL_BASE + 3 * HOUR;
      const ce = (user: string, ms: number, name: string, props: Record<string, unknown>) =>
        realtimeEvent('custom', { site, user, at: ms, name, props });
      const odd = 'pro "q" \\ é\t';
      const events = [
        ...[ce('p1', T, 'signup', { plan: 'pro' }), ce('p1', T + 1, 'pay', { amount: 5 })],
        ...[ce('p2', T, 'signup', { plan: 'free' }), ce('p2', T + 1, 'pay', { amount: 5 })],
        ...[ce('p3', T, 'signup', { plan: 'pro' }), ce('p3', T + 1, 'pay', { amount: '5' })],
        ...[ce('p4', T, 'signup', { plan: 'pro', meta: { plan: 'free' } }), ce('p4', T + 1, 'pay', { amount: null })],
        ...[ce('p5', T, 'signup', { plan: 'pro' }), ce('p5', T + 1, 'pay', { amount: 5.0, ok: true })],
        ...[ce('p6', T, 'signup', { plan: 'pro' }), ce('p6', T + 1, 'pay', { amount: { v: 5 } })],
        ...[ce('p7', T, 'signup', { plan: odd }), ce('p7', T + 1, 'pay', { ok: true, amount: [5] })],
        ...[ce('p8', T, 'signup', {}), ce('p8', T + 1, 'pay', { amount: 5.5 })],
      ];
      await write(events);
      const query = (steps: FunnelStep[]) => hourFunnel(site, T, steps);
      const pro = event('signup', { key: 'plan', value: 'pro' });
      assert.deepEqual(entered(await check(events, query([pro, event('pay', { key: 'amount', value: '5' })]), 'number')), [5, 3]);
      assert.deepEqual(entered(await check(events, query([pro, event('pay', { key: 'amount', value: 'null' })]), 'null')), [5, 0]);
      assert.deepEqual(entered(await check(events, query([pro, event('pay', { key: 'amount', value: '{"v":5}' })]), 'object')), [5, 0]);
      const special = event('signup', { key: 'plan', value: odd });
      assert.deepEqual(entered(await check(events, query([special, event('pay', { key: 'ok', value: 'true' })]), 'escapes')), [1, 1]);
      assert.deepEqual(
        entered(await check(events, query([event('signup'), event('pay', { key: 'amount', value: '5.5' })]), 'float')),
        [8, 1],
      );
    });

    test('property filters read top-level keys only, and U+0000 in a props string reads as U+FFFD', async () => {
      const site = newSite('props-exact');
      const T = FUNNEL_BASE + 3 * HOUR;
      const ce = (user: string, ms: number, name: string, props: Record<string, unknown>) =>
        realtimeEvent('custom', { site, user, at: ms, name, props });
      // Nested objects reusing a top-level key come first: a reader that finds a key at any depth
      // (ClickHouse 18.16's visitParamExtract*) would take the nested value.
      const events = [
        ...[ce('q1', T, 'signup', { meta: { plan: 'free' }, note: 'a\u0000b', plan: 'pro' }), ce('q1', T + 1, 'pay', { amount: 5 })],
        ...[ce('q2', T, 'signup', { meta: { plan: 'pro', note: 'a\u0000b' }, plan: 'free' }), ce('q2', T + 1, 'pay', { amount: 5 })],
        ...[ce('q3', T, 'signup', { items: [{ plan: 'pro' }], plan: 'team', note: 'a\uFFFDb' }), ce('q3', T + 1, 'pay', { amount: 5 })],
        ...[ce('q4', T, 'signup', { meta: { plan: 'pro' } }), ce('q4', T + 1, 'pay', { x: { amount: 5 }, amount: '\u0000' })],
      ];
      await write(events);
      const query = (steps: FunnelStep[]) => hourFunnel(site, T, steps);
      const pay = event('pay', { key: 'amount', value: '5' });
      const plan = (value: string) => event('signup', { key: 'plan', value });
      assert.deepEqual(entered(await check(events, query([plan('pro'), pay]), 'nested key first')), [1, 1]);
      assert.deepEqual(entered(await check(events, query([plan('free'), pay]), 'top-level free')), [1, 1]);
      assert.deepEqual(entered(await check(events, query([event('signup'), pay]), 'nested amount')), [4, 3]);
      const note = (value: string) => event('signup', { key: 'note', value });
      // q1's U+0000 reads as U+FFFD (q3 wrote U+FFFD itself); the filter's U+0000 too.
      assert.deepEqual(entered(await check(events, query([note('a\uFFFDb'), pay]), 'U+0000 as U+FFFD')), [2, 2]);
      assert.deepEqual(entered(await check(events, query([note('a\u0000b'), pay]), 'U+0000 in the filter')), [2, 2]);
      assert.deepEqual(
        entered(await check(events, query([event('signup'), event('pay', { key: 'amount', value: '\uFFFD' })]), 'U+0000 alone')),
        [4, 1],
      );
    });

    test('strict: any other event between two steps breaks the chain, more of the same step does not', async () => {
      const site = newSite('strict');
      const T = FUNNEL_BASE + 4 * HOUR;
      const pv = (user: string, ms: number, path: string) => realtimeEvent('page_view', { site, user, at: ms, path });
      const click = (user: string, ms: number) => realtimeEvent('click', { site, user, at: ms, path: '/a', selector: 'button' });
      const events = [
        ...[pv('s1', T, '/a'), click('s1', T + 1), pv('s1', T + 2, '/b')],
        ...[pv('s2', T, '/a'), pv('s2', T + 1, '/a'), pv('s2', T + 2, '/b')],
        ...[pv('s3', T, '/a'), click('s3', T), pv('s3', T, '/b')], // same ms: the click sorts after both steps
        ...[pv('s4', T, '/a'), click('s4', T), pv('s4', T + 1, '/b')], // the click sorts between them
        ...[pv('s5', T, '/a'), realtimeEvent('custom', { site, user: 's5', at: T + 1, path: '/a', name: 'x' }), pv('s5', T + 2, '/b')],
      ];
      await write(events);
      const query = (order: FunnelQuery['order']): FunnelQuery => ({
        range: { from: T, to: T + HOUR, site },
        steps: [page('/a'), page('/b')],
        order,
        windowMs: HOUR,
        countBy: 'visitors',
      });
      assert.deepEqual(entered(await check(events, query('strict'), 'strict')), [5, 2]);
      assert.deepEqual(entered(await check(events, query('sequential'), 'sequential')), [5, 5]);
    });

    test('any order: every step within one window, whatever the order; same-millisecond steps convert', async () => {
      const site = newSite('any');
      const T = FUNNEL_BASE + 4 * HOUR;
      const pv = (user: string, ms: number, path: string) => realtimeEvent('page_view', { site, user, at: ms, path });
      const events = [
        ...[pv('n1', T, '/b'), pv('n1', T + 1000, '/a')],
        ...[pv('n2', T, '/a'), pv('n2', T + 1000, '/b')],
        pv('n3', T, '/b'),
        ...[pv('n4', T, '/b'), pv('n4', T + 2 * HOUR, '/a')],
        // One tracker batch: the signup written before the page view, both in the same millisecond.
        ...[realtimeEvent('custom', { site, user: 'n5', at: T, name: 'signup' }), pv('n5', T, '/pricing')],
      ];
      await write(events);
      const query = (order: FunnelQuery['order'], steps: FunnelStep[]): FunnelQuery => ({
        range: { from: T, to: T + 3 * HOUR, site },
        steps,
        order,
        windowMs: HOUR,
        countBy: 'visitors',
      });
      const any = await check(events, query('any', [page('/a'), page('/b')]), 'any');
      assert.deepEqual(entered(any), [3, 2]);
      assert.deepEqual(medians(any), [null, 0.5]);
      assert.deepEqual(entered(await check(events, query('sequential', [page('/a'), page('/b')]), 'sequential')), [3, 1]);
      const tie = await check(events, query('strict', [page('/pricing'), event('signup')]), 'same ms');
      assert.deepEqual(entered(tie), [1, 1]);
      assert.deepEqual(medians(tie), [null, 0]);
    });

    test('sessions or visitors: steps in two sessions convert the visitor, not a session', async () => {
      const site = newSite('sessions');
      const T = FUNNEL_BASE + 5 * HOUR;
      const pv = (user: string, session: string, ms: number, path: string) =>
        realtimeEvent('page_view', { site, user, session, at: ms, path });
      const events = [pv('m1', 'A', T, '/a'), pv('m1', 'B', T + 10 * MINUTE, '/b'), pv('m2', 'C', T, '/a'), pv('m2', 'C', T + 1, '/b')];
      await write(events);
      const query = (countBy: FunnelQuery['countBy']): FunnelQuery => ({
        range: { from: T, to: T + HOUR, site },
        steps: [page('/a'), page('/b')],
        order: 'sequential',
        windowMs: HOUR,
        countBy,
      });
      assert.deepEqual(entered(await check(events, query('visitors'), 'visitors')), [2, 2]);
      assert.deepEqual(entered(await check(events, query('sessions'), 'sessions')), [2, 1]);
    });

    test('bots are left out unless the site counts them; events outside the range do not count', async () => {
      const site = newSite('bots');
      const T = FUNNEL_BASE + 5 * HOUR;
      const pv = (user: string, ms: number, path: string) => realtimeEvent('page_view', { site, user, at: ms, path });
      const from = T;
      const to = T + HOUR;
      const events = [
        asBot(pv('bot', T + 1, '/a'), 'user-agent'),
        asBot(pv('bot', T + 2, '/b'), 'automated'),
        pv('h1', T + 1, '/a'),
        ...[pv('r1', from - 1000, '/a'), pv('r1', from + 1000, '/b')], // step 1 before the range: not entered
        ...[pv('r2', from, '/a'), pv('r2', to - 1, '/b')],
        ...[pv('r3', to - 1, '/a'), pv('r3', to, '/b')], // step 2 after the range
      ];
      await write(events);
      const query: FunnelQuery = {
        range: { from, to, site },
        steps: [page('/a'), page('/b')],
        order: 'sequential',
        windowMs: 24 * HOUR,
        countBy: 'visitors',
      };
      assert.deepEqual(entered(await check(events, query, 'humans')), [3, 1]);
      countingBots.add(site);
      try {
        assert.deepEqual(entered(await check(events, query, 'bots counted')), [4, 2]);
      } finally {
        countingBots.delete(site);
      }
    });

    test('ratios and an empty range', async () => {
      const site = newSite('empty');
      const none = await warehouse.funnel({
        range: { from: FUNNEL_BASE, to: FUNNEL_BASE, site },
        steps: [page('/a'), page('/b'), page('/c')],
        order: 'sequential',
        windowMs: HOUR,
        countBy: 'visitors',
      });
      const zero = {
        entered: 0,
        converted: 0,
        dropped: 0,
        conversionFromPrevious: 0,
        conversionFromFirst: 0,
        medianSecondsFromPrevious: null,
      };
      assert.deepEqual(none, { steps: [{ ...zero, conversionFromPrevious: 1, conversionFromFirst: 1 }, zero, zero] });
      const nobody = await warehouse.funnel({
        range: { from: FUNNEL_BASE, to: FUNNEL_BASE + HOUR, site },
        steps: [page('/a'), page('/b')],
        order: 'any',
        windowMs: HOUR,
        countBy: 'sessions',
      });
      assert.deepEqual(nobody, { steps: [{ ...zero, conversionFromPrevious: 1, conversionFromFirst: 1 }, zero] });
    });

    test('invalid queries are refused with a RangeError', async () => {
      const site = newSite('invalid');
      const valid: FunnelQuery = {
        range: { from: FUNNEL_BASE, to: FUNNEL_BASE + HOUR, site },
        steps: [page('/a'), page('/b')],
        order: 'sequential',
        windowMs: HOUR,
        countBy: 'visitors',
      };
      const bad: [string, unknown][] = [
        ['one step', { ...valid, steps: [page('/a')] }],
        ['nine steps', { ...valid, steps: Array.from({ length: 9 }, () => page('/a')) }],
        ['window 0', { ...valid, windowMs: 0 }],
        ['window negative', { ...valid, windowMs: -5 }],
        ['window fractional', { ...valid, windowMs: 1.5 }],
        ['window too long', { ...valid, windowMs: 91 * 24 * HOUR }],
        ['window NaN', { ...valid, windowMs: Number.NaN }],
        ['unknown order', { ...valid, order: 'reverse' }],
        ['unknown count', { ...valid, countBy: 'users' }],
        ['no site', { ...valid, range: { from: FUNNEL_BASE, to: FUNNEL_BASE + HOUR } }],
        ['infinite range', { ...valid, range: { from: 0, to: Infinity, site } }],
        ['empty path', { ...valid, steps: [page(''), page('/b')] }],
        ['unknown kind', { ...valid, steps: [{ kind: 'click', selector: 'a' }, page('/b')] }],
        ['event without name', { ...valid, steps: [{ kind: 'event' }, page('/b')] }],
        ['key with a quote', { ...valid, steps: [page('/a', { key: 'a"b', value: 'x' }), page('/b')] }],
        ['value not text', { ...valid, steps: [page('/a', { key: 'a', value: 5 as unknown as string }), page('/b')] }],
      ];
      for (const [what, query] of bad) await assert.rejects(warehouse.funnel(query as FunnelQuery), RangeError, what);
      const defaulted = { ...valid, windowMs: undefined } as unknown as FunnelQuery;
      assert.equal((await warehouse.funnel(defaulted)).steps.length, 2, 'no window: 24 h');
    });
  });
}
