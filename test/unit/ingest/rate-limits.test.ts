import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { ingestTopicSpecs } from '../../../src/bus/topics.ts';
import { ingestSettings, type IngestSettings } from '../../../src/config/ingest-settings.ts';
import { buildIngestApp } from '../../../src/ingest/ingest-app.ts';
import { createIngestMetrics } from '../../../src/ingest/ingest-metrics.ts';
import { createSiteRateLimiter, eventsPerSite } from '../../../src/ingest/site-rate-limit.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { openBus } from '../../helpers/embedded-bus.ts';
import { CHROME_UA, pageView } from '../../helpers/events.ts';
import { suiteConfig } from '../../helpers/ingest-suite.ts';

async function ingest(t: TestContext, env: Record<string, string>, extra: Partial<IngestSettings> = {}): Promise<FastifyInstance> {
  const config = suiteConfig({ PULSE_SITES: 'demo,shop', PULSE_COLLECT_PATH: '/c', ...env });
  const bus = await openBus(t);
  await bus.ensureTopics(ingestTopicSpecs(config));
  const app = await buildIngestApp({
    bus,
    settings: { ...ingestSettings(config), ...extra },
    logger: createLogger('silent', 'test'),
    metrics: createIngestMetrics(),
  });
  t.after(() => app.close());
  return app;
}

const post = (app: FastifyInstance, url: string, body: unknown, options: { ip?: string; contentType?: string } = {}) =>
  app.inject({
    method: 'POST',
    url,
    payload: typeof body === 'string' ? body : JSON.stringify(body),
    remoteAddress: options.ip ?? '203.0.113.1',
    headers: { 'content-type': options.contentType ?? 'application/json', 'user-agent': CHROME_UA },
  });

const move = (site = 'demo') => ({ site, user_id: 'u-m', session_id: 's-m', url: 'https://shop.example/', x: 1, y: 2 });

/** A 429 through the shared error handler: its error body, Retry-After in seconds, readable by a page on another origin. */
function assertRateLimited(response: LightMyRequestResponse, message: RegExp): void {
  assert.equal(response.statusCode, 429, response.body);
  assert.deepEqual(Object.keys(response.json()).sort(), ['error', 'message']);
  assert.equal(response.json().error, 'rate_limited');
  assert.match(response.json().message, message);
  const retryAfter = Number(response.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${response.headers['retry-after']}`);
  assert.equal(response.headers['access-control-allow-origin'], '*');
}

describe('per client IP (PULSE_RATE_LIMIT_PER_MINUTE)', () => {
  test('the (N+1)th request of a minute from one IP is answered 429 on every collect path; another IP is not', async (t) => {
    const app = await ingest(t, { PULSE_RATE_LIMIT_PER_MINUTE: '3', PULSE_SITE_RATE_LIMIT_PER_MINUTE: '0' });
    // The collect paths share the IP's budget: /api/events, /api/coordinates and the PULSE_COLLECT_PATH alias.
    assert.equal((await post(app, '/api/events', pageView())).statusCode, 202);
    assert.equal((await post(app, '/api/coordinates', move())).statusCode, 202);
    assert.equal((await post(app, '/c', pageView())).statusCode, 202);
    assertRateLimited(await post(app, '/api/events', pageView()), /more than 3 requests a minute from this address/);
    assertRateLimited(await post(app, '/c', pageView()), /retry in/);
    assertRateLimited(await post(app, '/api/coordinates', move()), /retry in/);
    // Refused before the body is read: even a malformed body gets the 429.
    assert.equal((await post(app, '/api/events', '{"not json')).statusCode, 429);

    assert.equal((await post(app, '/api/events', pageView(), { ip: '203.0.113.2' })).statusCode, 202, 'another address has its own budget');
    assert.equal((await app.inject({ method: 'GET', url: '/health', remoteAddress: '203.0.113.1' })).statusCode, 200);
  });
});

describe('per site key (PULSE_SITE_RATE_LIMIT_PER_MINUTE)', () => {
  test('events of one site key from many IPs are limited together; another site key is not affected', async (t) => {
    const app = await ingest(t, { PULSE_RATE_LIMIT_PER_MINUTE: '1000', PULSE_SITE_RATE_LIMIT_PER_MINUTE: '5' });
    // Five events of "demo", each from another address, over both routes and the alias.
    assert.equal((await post(app, '/api/events', pageView(), { ip: '198.51.100.1' })).statusCode, 202);
    assert.equal((await post(app, '/api/events', [pageView(), pageView()], { ip: '198.51.100.2' })).statusCode, 202);
    assert.equal((await post(app, '/api/coordinates', move(), { ip: '198.51.100.3' })).statusCode, 202);
    assert.equal((await post(app, '/c', pageView(), { ip: '198.51.100.4' })).statusCode, 202);
    assertRateLimited(
      await post(app, '/api/events', pageView(), { ip: '198.51.100.5' }),
      /site "demo" sent its 5 events for this minute \(PULSE_SITE_RATE_LIMIT_PER_MINUTE\)/,
    );
    assertRateLimited(await post(app, '/api/coordinates', move(), { ip: '198.51.100.6' }), /site "demo"/);
    assertRateLimited(await post(app, '/c', JSON.stringify(pageView()), { ip: '198.51.100.7', contentType: 'text/plain' }), /site "demo"/);

    // "shop" has its own budget, from the same addresses.
    for (let i = 1; i <= 5; i++) {
      assert.equal((await post(app, '/api/events', pageView({ site: 'shop' }), { ip: `198.51.100.${i}` })).statusCode, 202, `shop #${i}`);
    }
    assertRateLimited(await post(app, '/api/events', pageView({ site: 'shop' })), /site "shop"/);
  });

  test('a batch counts its events; a batch mixing a limited key with another is refused whole; unknown keys are not counted', async (t) => {
    const app = await ingest(t, { PULSE_SITE_RATE_LIMIT_PER_MINUTE: '4' });
    assert.equal((await post(app, '/api/events', [pageView(), pageView(), pageView()])).statusCode, 202);
    // 3 + 2 > 4: refused, and nothing of it counted.
    assertRateLimited(await post(app, '/api/events', [pageView({ site: 'shop' }), pageView(), pageView()]), /site "demo"/);
    assert.equal((await post(app, '/api/events', pageView())).statusCode, 202, 'the 4th event of demo still fits');
    assertRateLimited(await post(app, '/api/events', pageView()), /site "demo"/);
    // Keys Pulse does not collect for are refused (403) before any budget is spent, and take none.
    for (let i = 0; i < 6; i++) assert.equal((await post(app, '/api/events', pageView({ site: 'stranger' }))).statusCode, 403);
    assert.equal((await post(app, '/api/events', [pageView({ site: 'shop' }), pageView({ site: 'shop' })])).statusCode, 202);
  });

  test("events a site's shields drop do not spend its budget: a flood from an excluded address leaves the site's own traffic alone", async (t) => {
    const excluded = '192.0.2.66';
    const app = await ingest(
      t,
      { PULSE_RATE_LIMIT_PER_MINUTE: '0', PULSE_SITE_RATE_LIMIT_PER_MINUTE: '3' },
      { shieldOf: (site) => (site === 'demo' ? { reasonFor: (ip) => (ip === excluded ? 'shield_ip' : undefined) } : undefined) },
    );
    for (let i = 0; i < 10; i++) assert.equal((await post(app, '/api/events', [pageView(), pageView()], { ip: excluded })).statusCode, 202);
    for (let i = 0; i < 3; i++) assert.equal((await post(app, '/api/events', pageView())).statusCode, 202, `visitor event #${i + 1}`);
    assertRateLimited(await post(app, '/api/events', pageView()), /site "demo"/);
  });

  test('0 turns the site-key limit off', async (t) => {
    const app = await ingest(t, { PULSE_SITE_RATE_LIMIT_PER_MINUTE: '0' });
    for (let i = 0; i < 5; i++)
      assert.equal(
        (
          await post(
            app,
            '/api/events',
            Array.from({ length: 50 }, () => pageView()),
          )
        ).statusCode,
        202,
      );
  });

  test('the limiter: fixed windows per key, Retry-After to the window end, a first batch larger than the limit taken, bounded keys', () => {
    let now = 1_000_000;
    const limiter = createSiteRateLimiter({ max: 10, windowMs: 60_000, maxKeys: 2, now: () => now });
    const one = (site: string, n: number) => new Map([[site, n]]);
    assert.equal(limiter.take(one('a', 25)), undefined, 'a fresh window takes one request of any size');
    now += 20_500;
    assert.deepEqual(limiter.take(one('a', 1)), { site: 'a', limit: 10, retryAfterSeconds: 40 });
    assert.equal(limiter.take(one('b', 10)), undefined);
    assert.deepEqual(limiter.take(one('b', 1))?.site, 'b');
    now += 39_500;
    assert.equal(limiter.take(one('a', 1)), undefined, 'a new window');
    // A third key pushes out the least recently used one (b), which then starts afresh.
    assert.equal(limiter.take(one('c', 10)), undefined);
    assert.equal(limiter.take(one('b', 10)), undefined);
    assert.deepEqual(createSiteRateLimiter({ max: 0 }).take(one('a', 1_000_000)), undefined, 'max 0: no limit');

    const sites = new Set(['demo']);
    assert.deepEqual(
      [...eventsPerSite([{ site: 'demo' }, { site: 'demo' }, { site: 'other' }, { site: 7 }, null, 'x'], sites)],
      [['demo', 2]],
    );
    assert.deepEqual([...eventsPerSite([{ site: 'any-key' }, { site: 'not a key!' }], 'any')], [['any-key', 1]]);
    const shieldedPath = (_site: string, url: string) => url.endsWith('/admin');
    assert.deepEqual(
      [
        ...eventsPerSite(
          [
            { site: 'demo', url: 'https://a.example/admin' },
            { site: 'demo', url: 'https://a.example/' },
          ],
          sites,
          shieldedPath,
        ),
      ],
      [['demo', 1]],
      'events a shield drops are not counted',
    );
  });
});

describe('body and batch caps on every collect path', () => {
  test('PULSE_MAX_BODY_BYTES and PULSE_MAX_BATCH answer 413 on /api/events, /api/coordinates and the alias, JSON or text/plain', async (t) => {
    const app = await ingest(t, { PULSE_MAX_BATCH: '5', PULSE_MAX_BODY_BYTES: '4096' });
    const big = pageView({ props: { blob: 'x'.repeat(5000) } });
    const tooMany = Array.from({ length: 6 }, () => pageView());
    const tooManyMoves = Array.from({ length: 6 }, () => move());
    for (const url of ['/api/events', '/api/coordinates', '/c', '/c?v=1']) {
      for (const contentType of ['application/json', 'text/plain;charset=UTF-8']) {
        const oversized = await post(app, url, JSON.stringify(big), { contentType });
        assert.equal(oversized.statusCode, 413, `${url} ${contentType}: ${oversized.body}`);
        assert.equal(oversized.json().error, 'body_too_large');
        const batch = await post(app, url, JSON.stringify(url === '/api/coordinates' ? tooManyMoves : tooMany), { contentType });
        assert.equal(batch.statusCode, 413, `${url} ${contentType}: ${batch.body}`);
        assert.equal(batch.json().error, 'batch_too_large');
      }
    }
  });
});
