import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { countBotsIn } from '../../src/contract/bot-traffic.ts';
import type { EnrichedEvent } from '../../src/contract/event-schema.ts';
import { random } from '../../src/generator/prng.ts';
import type { CustomEventRow, PropertyValueRow } from '../../src/stores/warehouse/product-analytics.ts';
import type { TimeRange, Warehouse, WarehouseOptions } from '../../src/stores/warehouse/warehouse.ts';
import { asBot, botKinds, realtimeEvent } from './realtime-store-suite.ts';
import { byteOrder, DAY, HOUR, MINUTE, propertyTextOf, writeAll, type AnalyticsHandle } from './retention-suite.ts';

/**
 * The custom-event contract (src/stores/warehouse/product-analytics.ts), run over every adapter: a
 * generated dataset (seeded PRNG, written through writeEvents) whose answers are computed here by
 * plain TypeScript from the events themselves, plus edge cases with literal answers.
 */

const ms = (event: EnrichedEvent) => Date.parse(event.received_at);
type Custom = EnrichedEvent & { type: 'custom'; name: string; props?: Record<string, unknown> };

function scoped(events: readonly EnrichedEvent[], range: TimeRange, countingBots: ReadonlySet<string>, name?: string): Custom[] {
  return events.filter(
    (e): e is Custom =>
      e.type === 'custom' &&
      ms(e) >= range.from &&
      ms(e) < range.to &&
      (range.site === undefined || e.site === range.site) &&
      (!e.is_bot || countingBots.has(e.site)) &&
      (name === undefined || (e as Custom).name === name),
  );
}

/** Events and distinct (site, user_id) visitors per key, most events first, ties by key in byte order. */
function tally<K extends string>(events: readonly Custom[], keyOf: (e: Custom) => string[], field: K) {
  const counts = new Map<string, { events: number; visitors: Set<string> }>();
  for (const e of events)
    for (const key of keyOf(e)) {
      const entry = counts.get(key) ?? { events: 0, visitors: new Set<string>() };
      entry.events += 1;
      entry.visitors.add(`${e.site}\u0000${e.user_id}`);
      counts.set(key, entry);
    }
  return [...counts.entries()]
    .map(
      ([key, c]) =>
        ({ [field]: key, events: c.events, visitors: c.visitors.size }) as Record<K, string> & { events: number; visitors: number },
    )
    .sort((a, b) => b.events - a.events || byteOrder(a[field], b[field]));
}

export const expectedCustomEvents = (
  events: readonly EnrichedEvent[],
  range: TimeRange,
  bots: ReadonlySet<string>,
  limit: number,
): CustomEventRow[] => tally(scoped(events, range, bots), (e) => [e.name], 'name').slice(0, limit);

export function expectedSeries(
  events: readonly EnrichedEvent[],
  range: TimeRange,
  bots: ReadonlySet<string>,
  name: string,
  bucket: 'hour' | 'day',
) {
  const size = bucket === 'hour' ? HOUR : DAY;
  return tally(scoped(events, range, bots, name), (e) => [String(Math.floor(ms(e) / size) * size)], 'ts')
    .map((row) => ({ ts: Number(row.ts), events: row.events, visitors: row.visitors }))
    .sort((a, b) => a.ts - b.ts);
}

export const expectedProperty = (
  events: readonly EnrichedEvent[],
  range: TimeRange,
  bots: ReadonlySet<string>,
  name: string,
  key: string,
  limit: number,
): PropertyValueRow[] =>
  tally(scoped(events, range, bots, name), (e) => [propertyTextOf(e.props, key) ?? '(none)'], 'value').slice(0, limit);

export const expectedKeys = (
  events: readonly EnrichedEvent[],
  range: TimeRange,
  bots: ReadonlySet<string>,
  name: string,
  limit: number,
): string[] =>
  tally(scoped(events, range, bots, name), (e) => Object.keys(e.props ?? {}), 'key')
    .slice(0, limit)
    .map((row) => row.key);

/** 2025-08-04, a Monday: the generated dataset's ten days start here. */
export const EVENTS_BASE = Date.parse('2025-08-04T00:00:00.000Z');
const names = ['signup', 'purchase', 'purchase', 'purchase', 'share', 'search', 'search', 'video_play', 'Ünïcode ✓'];
const plans = ['free', 'pro', 'team', 'Pro', 'über', 'a"quote', 'back\\slash', ''];

/** Props of every JSON type, some keys often missing, nested objects and arrays, a key that also appears nested. */
function propsFor(rand: () => number): Record<string, unknown> | undefined {
  const roll = rand();
  if (roll < 0.08) return undefined;
  if (roll < 0.12) return {};
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const props: Record<string, unknown> = {};
  if (rand() < 0.3) props['meta'] = { plan: 'nested', depth: { seats: 99 } };
  if (rand() < 0.85) props['plan'] = pick(plans);
  if (rand() < 0.6) props['seats'] = pick([1, 2, 3, 10, 2.5, -1, 1e21]);
  if (rand() < 0.4) props['trial'] = rand() < 0.5;
  if (rand() < 0.15) props['coupon'] = null;
  if (rand() < 0.2) props['tags'] = pick([['a', 'b'], [], [1, { x: 'y' }]]);
  if (rand() < 0.1) props['line\nbreak "key"'] = 'odd key';
  return props;
}

/** Custom events (and page views carrying props, which are not custom events) of a few sites over ten days; 5% bots. */
export function customEventsStream(sites: readonly string[], seed: number, count: number): EnrichedEvent[] {
  const rand = random(seed);
  const events: EnrichedEvent[] = [];
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  for (let i = 0; i < count; i += 1) {
    const site = pick(sites);
    const user = `${site}-u${Math.floor(rand() ** 1.5 * 150)}`;
    const fields = { site, user, at: EVENTS_BASE + Math.floor(rand() * 10 * DAY), id: `${site}-c${i}`, path: '/' };
    const props = propsFor(rand);
    const event =
      rand() < 0.85
        ? realtimeEvent('custom', { ...fields, name: pick(names), ...(props === undefined ? {} : { props }) })
        : realtimeEvent('page_view', { ...fields, props: { plan: 'page' } });
    events.push(rand() < 0.05 ? asBot(event, pick(botKinds)) : event);
  }
  return events;
}

export function defineCustomEventsSuite(name: string, makeWarehouse: (options: WarehouseOptions) => Promise<AnalyticsHandle>): void {
  describe(name, () => {
    let handle: AnalyticsHandle;
    let warehouse: Warehouse;
    const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
    const sites = [`ce-a-${run}`, `ce-b-${run}`, `ce-bots-${run}`];
    const [siteA, , botSite] = sites as [string, string, string];
    const counting = new Set([botSite]);
    let generated: EnrichedEvent[] = [];
    // Odd edges, inside the ten days.
    const range: TimeRange = { from: EVENTS_BASE + 7 * HOUR + 13 * MINUTE + 17, to: EVENTS_BASE + 9 * DAY + 3 * HOUR + 1, site: siteA };
    const everySite: TimeRange = { from: range.from, to: range.to };

    before(async () => {
      handle = await makeWarehouse({ countBots: countBotsIn(counting) });
      warehouse = handle.warehouse;
      await warehouse.migrate();
      generated = customEventsStream(sites, 77, 3000);
      await writeAll(warehouse, generated);
    });
    after(async () => {
      await warehouse.close();
      await handle.cleanup();
    });

    test('generated: events per name, one site and every site (bots only where counted)', async () => {
      for (const r of [range, everySite, { ...range, site: botSite }]) {
        const expected = expectedCustomEvents(generated, r, counting, 20);
        assert.ok(expected.length >= 5);
        assert.deepEqual(await warehouse.customEvents(r, 20), expected, JSON.stringify(r));
      }
      assert.deepEqual(await warehouse.customEvents(range, 3), expectedCustomEvents(generated, range, counting, 3));
      assert.notDeepEqual(
        expectedCustomEvents(generated, range, counting, 20),
        expectedCustomEvents(generated, range, new Set([siteA]), 20),
        'the dataset has bots in the range',
      );
    });

    test('generated: one event’s series per hour and per day', async () => {
      for (const bucket of ['hour', 'day'] as const)
        for (const r of [range, everySite]) {
          const expected = expectedSeries(generated, r, counting, 'purchase', bucket);
          assert.ok(expected.length >= 5);
          assert.deepEqual(await warehouse.customEventSeries(r, 'purchase', bucket), expected);
        }
      assert.deepEqual(
        await warehouse.customEventSeries(range, 'Ünïcode ✓', 'day'),
        expectedSeries(generated, range, counting, 'Ünïcode ✓', 'day'),
      );
      assert.deepEqual(await warehouse.customEventSeries(range, 'nothing', 'day'), []);
    });

    test('generated: breakdown by a property of every JSON type, missing as (none), ties by value in byte order', async () => {
      for (const key of ['plan', 'seats', 'trial', 'coupon', 'tags', 'meta', 'line\nbreak "key"', 'depth', 'absent']) {
        for (const r of [range, everySite]) {
          const expected = expectedProperty(generated, r, counting, 'purchase', key, 50);
          assert.deepEqual(await warehouse.eventProperty(r, 'purchase', key, 50), expected, key);
        }
      }
      const plans = expectedProperty(generated, everySite, counting, 'purchase', 'plan', 50);
      assert.ok(plans.length >= 8 && plans.some((row) => row.value === '(none)'), 'values and missing ones');
      assert.deepEqual(
        await warehouse.eventProperty(everySite, 'search', 'seats', 4),
        expectedProperty(generated, everySite, counting, 'search', 'seats', 4),
      );
    });

    test('generated: the keys an event carries, most frequent first (its own keys, not nested ones)', async () => {
      for (const r of [range, everySite]) {
        const expected = expectedKeys(generated, r, counting, 'purchase', 20);
        assert.ok(expected.includes('meta') && !expected.includes('depth'));
        assert.deepEqual(await warehouse.eventPropertyKeys(r, 'purchase', 20), expected);
      }
      assert.deepEqual(await warehouse.eventPropertyKeys(range, 'share', 2), expectedKeys(generated, range, counting, 'share', 2));
    });

    test('edge: values of different JSON types, missing, nested, and ties', async () => {
      const s = `ce-edge-${run}`;
      const at = Date.parse('2025-09-01T10:00:00.000Z');
      const ev = (user: string, props?: Record<string, unknown>) =>
        realtimeEvent('custom', { site: s, user, at, name: 'pick', ...(props === undefined ? {} : { props }) });
      await writeAll(warehouse, [
        ev('u1', { v: 'text' }),
        ev('u2', { v: 'text' }),
        ev('u1', { v: 1 }),
        ev('u1', { v: 1.5 }),
        ev('u1', { v: true }),
        ev('u1', { v: null }),
        ev('u1', { v: { b: [1, 'x'], a: 'y' } }),
        ev('u1', { v: ['1'] }),
        ev('u1', { v: '1' }),
        ev('u1', { v: 'nul\u0000byte' }),
        ev('u1', { other: 'x' }),
        ev('u1'),
        asBot(ev('u3', { v: 'bot' }), 'user-agent'),
      ]);
      const r = { from: at, to: at + 1, site: s };
      assert.deepEqual(await warehouse.eventProperty(r, 'pick', 'v', 20), [
        { value: '(none)', events: 2, visitors: 1 },
        { value: '1', events: 2, visitors: 1 },
        { value: 'text', events: 2, visitors: 2 },
        { value: '1.5', events: 1, visitors: 1 },
        { value: '["1"]', events: 1, visitors: 1 },
        { value: 'null', events: 1, visitors: 1 },
        { value: 'nul\uFFFDbyte', events: 1, visitors: 1 },
        { value: 'true', events: 1, visitors: 1 },
        { value: '{"b":[1,"x"],"a":"y"}', events: 1, visitors: 1 },
      ]);
      assert.deepEqual(await warehouse.eventPropertyKeys(r, 'pick', 10), ['v', 'other']);
      assert.deepEqual(await warehouse.customEvents(r, 10), [{ name: 'pick', events: 12, visitors: 2 }]);
      assert.deepEqual(await warehouse.customEventSeries(r, 'pick', 'hour'), [
        { ts: Date.parse('2025-09-01T10:00:00.000Z'), events: 12, visitors: 2 },
      ]);
    });

    test('empty ranges and limits read nothing; bad arguments are refused', async () => {
      const empty = { from: EVENTS_BASE, to: EVENTS_BASE, site: siteA };
      assert.deepEqual(await warehouse.customEvents(empty, 10), []);
      assert.deepEqual(await warehouse.customEvents(range, 0), []);
      assert.deepEqual(await warehouse.eventProperty(empty, 'purchase', 'plan', 10), []);
      assert.deepEqual(await warehouse.eventPropertyKeys(range, 'purchase', 0), []);
      await assert.rejects(() => warehouse.customEvents(range, -1), RangeError);
      await assert.rejects(() => warehouse.customEventSeries(range, 'purchase', 'minute' as 'hour'), RangeError);
      await assert.rejects(() => warehouse.eventProperty(range, 'purchase', undefined as unknown as string, 5), RangeError);
    });
  });
}
