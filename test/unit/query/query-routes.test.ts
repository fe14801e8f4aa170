import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Bus } from '../../../src/bus/bus.ts';
import { createEmbeddedBus } from '../../../src/bus/embedded/embedded-bus.ts';
import { createHttpApp } from '../../../src/http/http-app.ts';
import { memoryAccounts, userWithToken, withTestAccess, type TestAccounts } from '../../helpers/accounts.ts';
import { registerAdminRoutes } from '../../../src/query/admin-routes.ts';
import { registerHistoryRoutes } from '../../../src/query/history-routes.ts';
import { createLiveHub } from '../../../src/query/live-hub.ts';
import { registerStatsRoutes } from '../../../src/query/stats-routes.ts';
import { registerTopicRoutes } from '../../../src/query/topic-routes.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { createMemoryRealtimeStore } from '../../../src/stores/realtime/memory/index.ts';
import { createPgliteWarehouse } from '../../../src/stores/warehouse/postgres/index.ts';
import type { Warehouse } from '../../../src/stores/warehouse/warehouse.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TOKEN = 'test-admin-token-0123456789';
const logger = createLogger('silent', 'test');

/** Every query route on one app, as `pulse start` assembles them, over in-process stores. */
let app: FastifyInstance;
let bare: FastifyInstance;
let bus: Bus;
let warehouse: Warehouse;
let dir: string;
const store = createMemoryRealtimeStore();
let closeHub: () => void = () => undefined;
let accounts: TestAccounts;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pulse-routes-'));
  bus = await createEmbeddedBus({ dir });
  await bus.ensureTopics([{ name: 'user-activity', partitions: 1 }]);
  warehouse = await createPgliteWarehouse({});
  await warehouse.migrate();
  const hub = createLiveHub({ store, bus, watches: [] });
  app = createHttpApp({ logger });
  accounts = await memoryAccounts({ sites: ['demo', 'shop'], operatorToken: TOKEN });
  await withTestAccess(app, accounts.accounts, TOKEN);
  registerTopicRoutes(app, { bus });
  registerStatsRoutes(app, { store, bus, hub, sites: new Set(['demo', 'shop']), watches: [] });
  registerHistoryRoutes(app, { warehouse });
  registerAdminRoutes(app, { realtime: store, warehouses: [warehouse] });
  // A process without a warehouse (a dashboard configured with Redis only).
  bare = createHttpApp({ logger });
  registerHistoryRoutes(bare, { warehouse: undefined });
  registerAdminRoutes(bare, { warehouses: [] });
  await Promise.all([app.ready(), bare.ready()]);
  closeHub = () => hub.close();
});

after(async () => {
  await Promise.all([app.close(), bare.close(), closeHub()]);
  await warehouse.close();
  await accounts.close();
  await bus.close();
  await rm(dir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${TOKEN}` };

async function expectStatus(
  url: string,
  status: number,
  error?: string,
  options: { method?: 'GET' | 'DELETE'; headers?: Record<string, string>; on?: FastifyInstance } = {},
) {
  // As the operator unless a test says otherwise (the access tests below send other credentials or none).
  const response = await (options.on ?? app).inject({ method: options.method ?? 'GET', url, headers: options.headers ?? auth });
  assert.equal(response.statusCode, status, `${url}: ${response.body.slice(0, 300)}`);
  if (error !== undefined) assert.equal(response.json<{ error: string }>().error, error, url);
  return response;
}

describe('history routes', () => {
  test('answer 200 with their documented shapes', async () => {
    assert.deepEqual((await expectStatus('/query/aggregates?hours=1', 200)).json(), []);
    const series = (await expectStatus('/api/history/timeseries?bucket=day', 200)).json<{ bucket: string; points: unknown[] }>();
    assert.equal(series.bucket, 'day');
    assert.deepEqual(series.points, []);
    assert.deepEqual((await expectStatus('/api/history/breakdown?dimension=browser&limit=5', 200)).json(), {
      dimension: 'browser',
      rows: [],
    });
    assert.deepEqual((await expectStatus('/api/history/pages?site=demo', 200)).json(), { pages: [] });
  });

  test('bad parameters are 400 with a name clients can branch on', async () => {
    await expectStatus('/query/aggregates?hours=0', 400, 'bad_request');
    await expectStatus('/query/aggregates?hours=lots', 400, 'bad_request');
    await expectStatus('/query/aggregates?site=not%20a%20key', 400, 'bad_request');
    await expectStatus('/api/history/timeseries?bucket=week', 400, 'bad_request');
    await expectStatus('/api/history/timeseries?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z', 400, 'bad_range');
    await expectStatus('/api/history/timeseries?from=yesterday', 400, 'bad_request');
    await expectStatus('/api/history/breakdown?dimension=shoe_size', 400, 'bad_request');
    await expectStatus('/api/history/breakdown?limit=0', 400, 'bad_request');
    await expectStatus('/api/history/pages?from=2026-11-01T00:00:00Z&to=2026-11-01T00:00:00Z', 400, 'bad_range');
  });

  test('without a warehouse every history route is 503 history_unavailable, not a crash', async () => {
    for (const url of ['/query/aggregates', '/api/history/timeseries', '/api/history/breakdown', '/api/history/pages']) {
      const response = await expectStatus(url, 503, 'history_unavailable', { on: bare });
      assert.match(response.json<{ message: string }>().message, /PULSE_CLICKHOUSE_URL or PULSE_POSTGRES_URL/);
    }
    await expectStatus('/api/admin/export', 503, 'history_unavailable', { on: bare });
  });
});

describe('stats routes', () => {
  test('answer for a known site, default to the first one, refuse unknown and malformed keys', async () => {
    const snapshot = (await expectStatus('/api/stats/realtime', 200)).json<{ activeUsers: number }>();
    assert.equal(snapshot.activeUsers, 0);
    await expectStatus('/api/stats/realtime?site=shop', 200);
    await expectStatus('/api/stats/realtime?site=other', 400, 'unknown_site');
    await expectStatus('/api/stats/realtime?site=a%20b', 400, 'bad_request');
    assert.equal((await expectStatus('/api/stats/users/u-1?site=demo', 200)).json<{ user_id: string }>().user_id, 'u-1');
    await expectStatus('/api/stats/users/u-1?site=other', 400, 'unknown_site');
    assert.deepEqual((await expectStatus('/api/stats/positions?path=/', 200)).json(), { positions: [] });
    assert.equal((await expectStatus('/api/stats/heatmap?path=/', 200)).json<{ grid: number }>().grid, 50);
    await expectStatus('/api/stats/heatmap?site=other', 400, 'unknown_site');
    await expectStatus('/api/stats/pipeline', 200);
    const sites = (await expectStatus('/api/sites', 200)).json<{ sites: string[]; default: string }>();
    assert.deepEqual({ sites: sites.sites, default: sites.default }, { sites: ['demo', 'shop'], default: 'demo' });
    await expectStatus('/api/stream?site=other', 400, 'unknown_site');
  });
});

describe('access and admin routes', () => {
  test('without credentials, or with a wrong token, every query and admin route is 401', async () => {
    const urls = [
      '/api/stats/realtime',
      '/api/history/pages',
      '/query/aggregates',
      '/api/topics',
      '/api/admin/counts',
      '/api/admin/export',
    ];
    for (const url of [...urls, '/api/topics/user-activity/tail', '/api/sites']) {
      await expectStatus(url, 401, 'unauthorized', { headers: {} });
      await expectStatus(url, 401, 'invalid_token', { headers: { authorization: 'Bearer wrong-token-0123456789' } });
    }
    await expectStatus('/api/admin/users/u-1?site=demo', 401, 'unauthorized', { method: 'DELETE', headers: {} });
  });

  test('a viewer reads only the sites granted, and no admin route', async () => {
    const viewer = await userWithToken(accounts.accounts, { username: 'vera', role: 'viewer', sites: ['shop'] });
    await expectStatus('/api/stats/realtime?site=shop', 200, undefined, { headers: viewer.headers });
    // With no site named, a viewer gets their first site, never another one.
    assert.equal(
      (await expectStatus('/api/stats/realtime', 200, undefined, { headers: viewer.headers })).json<{ site: string }>().site,
      'shop',
    );
    await expectStatus('/api/stats/realtime?site=demo', 403, 'site_forbidden', { headers: viewer.headers });
    await expectStatus('/api/history/pages?site=demo', 403, 'site_forbidden', { headers: viewer.headers });
    for (const url of ['/api/topics', '/api/admin/counts', '/api/admin/export'])
      await expectStatus(url, 403, 'admin_only', { headers: viewer.headers });
    await expectStatus('/api/admin/users/u-1?site=shop', 403, 'admin_only', { method: 'DELETE', headers: viewer.headers });
    assert.deepEqual((await expectStatus('/api/sites', 200, undefined, { headers: viewer.headers })).json<{ sites: string[] }>().sites, [
      'shop',
    ]);
  });

  test('with the token: counts, export, erase, topic list; bad parameters are 400, unknown topics 404', async () => {
    const counts = (await expectStatus('/api/admin/counts', 200, undefined, { headers: auth })).json<{
      warehouses: Record<string, unknown>;
    }>();
    assert.deepEqual(Object.keys(counts.warehouses), ['pglite']);
    const csv = await expectStatus('/api/admin/export?format=csv', 200, undefined, { headers: auth });
    assert.match(csv.body, /^event_id,received_at,/);
    await expectStatus('/api/admin/export?format=xml', 400, 'bad_request', { headers: auth });
    await expectStatus('/api/admin/export?from=soon', 400, 'bad_request', { headers: auth });
    await expectStatus('/api/admin/users/u-1', 400, 'bad_request', { method: 'DELETE', headers: auth });
    const erased = await expectStatus('/api/admin/users/u-1?site=demo', 200, undefined, { method: 'DELETE', headers: auth });
    assert.deepEqual(erased.json(), { user_id: 'u-1', site: 'demo', removed: { realtime: 0, pglite: 0 } });
    const topics = (await expectStatus('/api/topics', 200, undefined, { headers: auth })).json<{ topics: { name: string }[] }>();
    assert.deepEqual(
      topics.topics.map((t) => t.name),
      ['user-activity'],
    );
    await expectStatus('/api/topics/nope/tail', 404, 'unknown_topic', { headers: auth });
    await expectStatus('/api/topics/bad%20name/tail', 400, 'bad_request', { headers: auth });
  });
});
