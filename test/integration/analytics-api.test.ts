import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createHttpApp } from '../../src/http/http-app.ts';
import { registerAnalyticsApi } from '../../src/query/analytics-api.ts';
import type {
  EventsAnswer,
  FunnelAnswer,
  PropertyKeysAnswer,
  PropertyValuesAnswer,
  RetentionAnswer,
} from '../../src/query/analytics-routes.ts';
import type { SavedFunnel } from '../../src/query/analytics-saved-funnels.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { createPgliteWarehouse } from '../../src/stores/warehouse/postgres/index.ts';
import type { Warehouse } from '../../src/stores/warehouse/warehouse.ts';
import { memoryAccounts, userWithToken, withTestAccess, type TestAccounts } from '../helpers/accounts.ts';
import { realtimeEvent } from '../helpers/realtime-store-suite.ts';

/**
 * The analytics API (funnels, retention, custom events, saved funnels) as `pulse start` mounts it,
 * over a PGlite warehouse holding a small known dataset whose figures are worked out by hand below,
 * with the access rules installed: the routes answer those figures, refuse bad questions with
 * clear 400s, and keep saved funnels to the members of their site.
 */

const TOKEN = 'test-analytics-operator-token-0123456789';
const SITE = 'shop';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Monday 2 Nov 2026, 00:00 UTC: day 0 of the dataset. */
const T0 = Date.UTC(2026, 10, 2);

const page = (user: string, at: number, path: string, session?: string) =>
  realtimeEvent('page_view', { site: SITE, user, at, path, ...(session === undefined ? {} : { session }) });
const custom = (user: string, at: number, name: string, props?: Record<string, unknown>, session?: string) =>
  realtimeEvent('custom', {
    site: SITE,
    user,
    at,
    path: '/app',
    name,
    ...(props === undefined ? {} : { props }),
    ...(session === undefined ? {} : { session }),
  });

/**
 * Day 0: u1 views /pricing, signs up (plan pro) 60 s later and buys 300 s after the view (in another
 * session); u2 views /pricing, then /about, then signs up (free) 120 s after the view; u3 signs up
 * (free) a minute before viewing /pricing; u4 signs up (pro) without any page view.
 * Day 1: u1 comes back; u5 arrives on /pricing/enterprise. Day 2: u1 and u2 come back; u5 signs up (no props).
 * Another site's events must never count.
 */
const dataset = [
  page('u1', T0 + 1 * HOUR, '/pricing'),
  custom('u1', T0 + 1 * HOUR + 60_000, 'signup', { plan: 'pro' }),
  custom('u1', T0 + 1 * HOUR + 300_000, 'purchase', { amount: 49 }, 'u1-later'),
  page('u2', T0 + 2 * HOUR, '/pricing'),
  page('u2', T0 + 2 * HOUR + 60_000, '/about'),
  custom('u2', T0 + 2 * HOUR + 120_000, 'signup', { plan: 'free' }),
  custom('u3', T0 + 3 * HOUR - 60_000, 'signup', { plan: 'free' }),
  page('u3', T0 + 3 * HOUR, '/pricing'),
  custom('u4', T0 + 4 * HOUR, 'signup', { plan: 'pro' }),
  page('u1', T0 + DAY + HOUR, '/'),
  page('u5', T0 + DAY + 5 * HOUR, '/pricing/enterprise'),
  page('u1', T0 + 2 * DAY + HOUR, '/'),
  page('u2', T0 + 2 * DAY + 2 * HOUR, '/'),
  custom('u5', T0 + 2 * DAY, 'signup'),
  realtimeEvent('custom', { site: 'elsewhere', user: 'x1', at: T0 + HOUR, path: '/', name: 'signup', props: { plan: 'pro' } }),
  realtimeEvent('page_view', { site: 'elsewhere', user: 'x1', at: T0 + HOUR, path: '/pricing' }),
];

const range = `site=${SITE}&from=${new Date(T0).toISOString()}&to=${new Date(T0 + 3 * DAY).toISOString()}`;
const funnelUrl = (steps: string[], extra = '') =>
  `/api/history/funnel?${range}${steps.map((step) => `&step=${encodeURIComponent(step)}`).join('')}${extra}`;

let app: FastifyInstance;
let warehouse: Warehouse;
let accounts: TestAccounts;
const operator = { authorization: `Bearer ${TOKEN}` };
let viewer: Record<string, string>;
let outsider: Record<string, string>;
let share: Record<string, string>;

before(async () => {
  warehouse = await createPgliteWarehouse({});
  await warehouse.migrate();
  await warehouse.writeEvents(dataset);
  app = createHttpApp({ logger: createLogger('silent', 'test') });
  accounts = await memoryAccounts({ sites: [SITE, 'elsewhere'], operatorToken: TOKEN });
  await withTestAccess(app, accounts.accounts, TOKEN);
  registerAnalyticsApi(app, { warehouse, accounts: accounts.store, now: () => T0 + 3 * DAY });
  await app.ready();
  viewer = (await userWithToken(accounts.accounts, { username: 'ana', role: 'viewer', sites: [SITE] })).headers;
  outsider = (await userWithToken(accounts.accounts, { username: 'otto', role: 'viewer', sites: ['elsewhere'] })).headers;
  share = { cookie: `pulse_share=${(await accounts.accounts.createShare(SITE)).token}` };
});

after(async () => {
  await app.close();
  await warehouse.close();
  await accounts.close();
});

async function call<T>(
  url: string,
  status: number,
  options: { method?: 'GET' | 'POST' | 'DELETE'; headers?: Record<string, string>; body?: unknown } = {},
) {
  const response = await app.inject({
    method: options.method ?? 'GET',
    url,
    headers: { ...(options.headers ?? operator), ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
  });
  assert.equal(response.statusCode, status, `${options.method ?? 'GET'} ${url}: ${response.body.slice(0, 400)}`);
  return response.body === '' ? (undefined as T) : response.json<T>();
}

const figures = (answer: FunnelAnswer) => answer.steps.map((s) => [s.entered, s.converted, s.dropped]);

describe('funnel', () => {
  test('sequential, by visitors: entered, converted, dropped, conversion rates and median times', async () => {
    const answer = await call<FunnelAnswer>(funnelUrl(['page:/pricing', 'event:signup', 'event:purchase']), 200);
    assert.deepEqual(
      [answer.site, answer.from, answer.to, answer.order, answer.window, answer.count],
      [SITE, T0, T0 + 3 * DAY, 'sequential', 86_400, 'visitors'],
    );
    assert.deepEqual(
      answer.steps.map((s) => s.step),
      ['page:/pricing', 'event:signup', 'event:purchase'],
    );
    assert.deepEqual(figures(answer), [
      [3, 2, 1],
      [2, 1, 1],
      [1, 1, 0],
    ]);
    assert.deepEqual(
      answer.steps.map((s) => s.conversionFromPrevious),
      [1, 2 / 3, 1 / 2],
    );
    assert.deepEqual(
      answer.steps.map((s) => s.conversionFromFirst),
      [1, 2 / 3, 1 / 3],
    );
    assert.equal(answer.steps[0]?.medianSecondsFromPrevious, null);
    const median = answer.steps[1]?.medianSecondsFromPrevious ?? NaN;
    assert.ok(median >= 60 && median <= 120, `median of 60 s and 120 s: ${median}`);
    assert.equal(answer.steps[2]?.medianSecondsFromPrevious, 240);
  });

  test('a property filter, a wildcard path, strict and any order, sessions and the window', async () => {
    const pro = await call<FunnelAnswer>(funnelUrl(['page:/pricing', 'event:signup|plan=pro']), 200);
    assert.deepEqual(figures(pro), [
      [3, 1, 2],
      [1, 1, 0],
    ]);
    const wildcard = await call<FunnelAnswer>(funnelUrl(['page:/pricing*', 'event:signup']), 200);
    assert.deepEqual(figures(wildcard), [
      [4, 3, 1],
      [3, 3, 0],
    ]);
    // u2 viewed /about between /pricing and signing up.
    const strict = await call<FunnelAnswer>(funnelUrl(['page:/pricing', 'event:signup'], '&order=strict'), 200);
    assert.deepEqual(figures(strict), [
      [3, 1, 2],
      [1, 1, 0],
    ]);
    // u3 signed up before viewing /pricing.
    const any = await call<FunnelAnswer>(funnelUrl(['page:/pricing', 'event:signup'], '&order=any'), 200);
    assert.deepEqual(
      figures(any).map(([entered]) => entered),
      [3, 3],
    );
    // u1 bought in another session.
    const sessions = await call<FunnelAnswer>(funnelUrl(['page:/pricing', 'event:signup', 'event:purchase'], '&count=sessions'), 200);
    assert.deepEqual(
      figures(sessions).map(([entered]) => entered),
      [3, 2, 0],
    );
    // A 90-second window keeps u1 (60 s) and drops u2 (120 s).
    const short = await call<FunnelAnswer>(funnelUrl(['page:/pricing', 'event:signup'], '&window=90'), 200);
    assert.deepEqual(
      figures(short).map(([entered]) => entered),
      [3, 1],
    );
  });

  test('bad questions are 400s that say what is wrong', async () => {
    const refused = async (url: string, error: string, words: RegExp) => {
      const body = await call<{ error: string; message: string }>(url, 400);
      assert.equal(body.error, error, url);
      assert.match(body.message, words, url);
    };
    await refused(funnelUrl(['pricing', 'event:signup']), 'bad_step', /start with page: or event:/);
    await refused(funnelUrl(['page:/pricing', 'event:signup|plan']), 'bad_step', /key=value/);
    await refused(funnelUrl(['page:pricing', 'event:signup']), 'bad_step', /starts with \//);
    await refused(funnelUrl(['page:/pricing']), 'bad_request', /fewer than 2/);
    await refused(funnelUrl(Array.from({ length: 9 }, (_, i) => `event:e${i}`)), 'bad_request', /more than 8/);
    await refused(funnelUrl(['page:/', 'event:a'], `&window=${90 * 86_400 + 1}`), 'bad_request', /window/);
    await refused(funnelUrl(['page:/', 'event:a'], '&order=random'), 'bad_request', /order/);
    await refused(
      `/api/history/funnel?site=${SITE}&step=page:/&step=event:a&from=2025-01-01T00:00:00Z&to=2026-11-01T00:00:00Z`,
      'range_too_long',
      /366 days/,
    );
    await refused(`/api/history/funnel?site=${SITE}&step=page:/&step=event:a&from=2026-11-01T00:00:00Z&hours=3`, 'bad_range', /not both/);
    await refused('/api/history/funnel?step=page:/&step=event:a', 'bad_request', /site/);
    await refused(`/api/history/funnel?site=${SITE}&from=2026-11-01T00:00:00Z&hours=5e-324`, 'bad_request', /step/);
  });
});

describe('retention', () => {
  test('daily cohorts of first visits, returning on any event or on a chosen step', async () => {
    const answer = await call<RetentionAnswer>(`/api/history/retention?${range}&period=day`, 200);
    assert.deepEqual([answer.period, answer.returning, answer.from, answer.to], ['day', null, T0, T0 + 3 * DAY]);
    const shown = answer.cohorts.filter((c) => c.visitors > 0).map((c) => [c.start, c.visitors, c.retained]);
    assert.deepEqual(shown, [
      [T0, 4, [4, 1, 2]],
      [T0 + DAY, 1, [1, 1]],
    ]);
    const signups = await call<RetentionAnswer>(
      `/api/history/retention?${range}&period=day&returning=${encodeURIComponent('event:signup')}`,
      200,
    );
    assert.equal(signups.returning, 'event:signup');
    assert.deepEqual(
      signups.cohorts.filter((c) => c.visitors > 0).map((c) => [c.visitors, c.retained]),
      [
        [4, [4, 0, 0]],
        [1, [1, 1]],
      ],
    );
    const weekly = await call<RetentionAnswer>(`/api/history/retention?${range}&period=week`, 200);
    assert.deepEqual(
      weekly.cohorts.map((c) => [c.start, c.visitors, c.retained]),
      [[T0, 5, [5]]],
    );
  });

  test('too many cohorts and bad steps are 400s', async () => {
    const long = await call<{ error: string }>(
      `/api/history/retention?site=${SITE}&period=day&from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z`,
      400,
    );
    assert.equal(long.error, 'range_too_long');
    const bad = await call<{ error: string }>(`/api/history/retention?${range}&returning=signup`, 400);
    assert.equal(bad.error, 'bad_step');
  });
});

describe('custom events', () => {
  test('count, visitors and the trend of each event', async () => {
    const answer = await call<EventsAnswer>(`/api/history/events?${range}&bucket=day`, 200);
    assert.deepEqual(answer.events, [
      { name: 'signup', events: 5, visitors: 5 },
      { name: 'purchase', events: 1, visitors: 1 },
    ]);
    assert.equal(answer.bucket, 'day');
    assert.deepEqual(
      answer.trend.map((t) => [t.name, t.points.map((p) => [p.ts, p.events])]),
      [
        [
          'signup',
          [
            [T0, 4],
            [T0 + 2 * DAY, 1],
          ],
        ],
        ['purchase', [[T0, 1]]],
      ],
    );
    const onlyTop = await call<EventsAnswer>(`/api/history/events?${range}&limit=1&trend=0`, 200);
    assert.deepEqual([onlyTop.events.length, onlyTop.trend.length, onlyTop.bucket], [1, 0, 'hour']);
  });

  test('an event’s property keys and top values', async () => {
    const keys = await call<PropertyKeysAnswer>(`/api/history/events/signup/properties?${range}`, 200);
    assert.deepEqual(keys.keys, ['plan']);
    const values = await call<PropertyValuesAnswer>(`/api/history/events/signup/properties/plan?${range}`, 200);
    assert.deepEqual(values.values, [
      { value: 'free', events: 2, visitors: 2 },
      { value: 'pro', events: 2, visitors: 2 },
      { value: '(none)', events: 1, visitors: 1 },
    ]);
    const amount = await call<PropertyValuesAnswer>(`/api/history/events/purchase/properties/amount?${range}`, 200);
    assert.deepEqual(amount.values, [{ value: '49', events: 1, visitors: 1 }]);
  });
});

describe('access to the analytics routes', () => {
  test('viewers read their site, not another; share links read their own; nobody reads nothing', async () => {
    await call(funnelUrl(['page:/pricing', 'event:signup']), 200, { headers: viewer });
    await call(funnelUrl(['page:/pricing', 'event:signup']), 200, { headers: share });
    const forbidden = await call<{ error: string }>(funnelUrl(['page:/pricing', 'event:signup']), 403, { headers: outsider });
    assert.equal(forbidden.error, 'site_forbidden');
    await call(funnelUrl(['page:/pricing', 'event:signup']), 401, { headers: {} });
    // Without a site, a viewer gets their own.
    const own = await call<EventsAnswer>(
      `/api/history/events?from=${new Date(T0).toISOString()}&to=${new Date(T0 + 3 * DAY).toISOString()}`,
      200,
      {
        headers: viewer,
      },
    );
    assert.equal(own.site, SITE);
  });
});

describe('saved funnels', () => {
  const body = {
    name: 'Pricing to purchase',
    steps: ['page:/pricing', 'event:signup|plan=pro', 'event:purchase'],
    order: 'strict',
    window: 3600,
  };

  test('a member of the site saves, lists and deletes funnels; names are unique per site', async () => {
    const saved = await call<SavedFunnel>(`/api/funnels?site=${SITE}`, 201, { method: 'POST', headers: viewer, body });
    assert.deepEqual(
      { ...saved, id: undefined, createdAt: undefined },
      { ...body, id: undefined, site: SITE, count: 'visitors', createdBy: 'ana', createdAt: undefined },
    );
    const listed = await call<{ funnels: SavedFunnel[] }>(`/api/funnels?site=${SITE}`, 200, { headers: viewer });
    assert.deepEqual(listed.funnels, [saved]);
    // The saved steps ask the funnel route the same question.
    const answer = await call<FunnelAnswer>(funnelUrl(saved.steps, `&order=${saved.order}&window=${saved.window}`), 200);
    assert.equal(answer.steps.length, 3);
    const again = await call<{ error: string }>(`/api/funnels?site=${SITE}`, 409, { method: 'POST', headers: viewer, body });
    assert.equal(again.error, 'name_taken');
    // The operator saves too (no user behind it).
    const byOperator = await call<SavedFunnel>(`/api/funnels?site=${SITE}`, 201, {
      method: 'POST',
      body: { name: 'Any order', steps: ['page:/', 'event:signup'], order: 'any' },
    });
    assert.deepEqual([byOperator.createdBy, byOperator.window, byOperator.count], [null, 86_400, 'visitors']);
    assert.deepEqual(
      (await call<{ funnels: SavedFunnel[] }>(`/api/funnels?site=${SITE}`, 200)).funnels.map((f) => f.name),
      ['Any order', 'Pricing to purchase'],
    );
    // Another site's list does not hold them.
    assert.deepEqual((await call<{ funnels: SavedFunnel[] }>('/api/funnels?site=elsewhere', 200)).funnels, []);
    await call(`/api/funnels/${saved.id}?site=elsewhere`, 404, { method: 'DELETE' });
    await call(`/api/funnels/${saved.id}?site=${SITE}`, 204, { method: 'DELETE', headers: viewer });
    await call(`/api/funnels/${saved.id}?site=${SITE}`, 404, { method: 'DELETE', headers: viewer });
    await call(`/api/funnels/${byOperator.id}?site=${SITE}`, 204, { method: 'DELETE' });
  });

  test('bad funnels are 400s; other sites, share links and nobody are refused', async () => {
    const badStep = await call<{ error: string }>(`/api/funnels?site=${SITE}`, 400, {
      method: 'POST',
      headers: viewer,
      body: { ...body, steps: ['pricing', 'event:a'] },
    });
    assert.equal(badStep.error, 'bad_step');
    const badName = await call<{ error: string }>(`/api/funnels?site=${SITE}`, 400, {
      method: 'POST',
      headers: viewer,
      body: { ...body, name: '   ' },
    });
    assert.equal(badName.error, 'invalid_name');
    await call(`/api/funnels?site=${SITE}`, 400, { method: 'POST', headers: viewer, body: { ...body, extra: 1 } });
    const other = await call<{ error: string }>(`/api/funnels?site=${SITE}`, 403, { method: 'POST', headers: outsider, body });
    assert.equal(other.error, 'site_forbidden');
    assert.equal((await call<{ error: string }>(`/api/funnels?site=${SITE}`, 403, { headers: outsider })).error, 'site_forbidden');
    await call(`/api/funnels?site=${SITE}`, 403, { headers: share });
    await call(`/api/funnels?site=${SITE}`, 403, { method: 'POST', headers: share, body });
    await call(`/api/funnels?site=${SITE}`, 401, { headers: {} });
    const unknown = await call<{ error: string }>('/api/funnels?site=nosuchsite', 404, { method: 'POST', body });
    assert.equal(unknown.error, 'unknown_site');
  });
});
