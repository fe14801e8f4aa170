import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { registerAlertRoutes } from '../../../src/alerts/alert-routes.ts';
import { ingestTopicSpecs } from '../../../src/bus/topics.ts';
import { ingestSettings } from '../../../src/config/ingest-settings.ts';
import { registerDashboardRoutes } from '../../../src/dashboard/dashboard-routes.ts';
import { createHttpApp } from '../../../src/http/http-app.ts';
import { buildProcessServer } from '../../../src/http/process-server.ts';
import { dashboardContentSecurityPolicy } from '../../../src/http/security-headers.ts';
import { buildIngestApp } from '../../../src/ingest/ingest-app.ts';
import { createIngestMetrics } from '../../../src/ingest/ingest-metrics.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { openBus } from '../../helpers/embedded-bus.ts';
import { CHROME_UA, pageView } from '../../helpers/events.ts';
import { suiteConfig } from '../../helpers/ingest-suite.ts';

const logger = createLogger('silent', 'test');
type Headers = Record<string, string | string[] | number | undefined>;

function assertEverywhere(headers: Headers, what: string): void {
  assert.equal(headers['x-content-type-options'], 'nosniff', what);
  assert.equal(headers['referrer-policy'], 'strict-origin-when-cross-origin', what);
}

/** Nothing that would stop another site from loading the tracker or posting events (or a page from reading the answer). */
function assertEmbeddable(headers: Headers, what: string): void {
  for (const name of [
    'cross-origin-resource-policy',
    'cross-origin-embedder-policy',
    'cross-origin-opener-policy',
    'content-security-policy',
  ]) {
    assert.equal(headers[name], undefined, `${what}: ${name}`);
  }
}

async function ingestApp(t: TestContext): Promise<FastifyInstance> {
  const config = suiteConfig({ PULSE_RATE_LIMIT_PER_MINUTE: '2', PULSE_COLLECT_PATH: '/c' });
  const bus = await openBus(t);
  await bus.ensureTopics(ingestTopicSpecs(config));
  const app = await buildIngestApp({
    bus,
    settings: ingestSettings(config),
    logger,
    metrics: createIngestMetrics(),
  });
  t.after(() => app.close());
  return app;
}

test('ingest: nosniff and Referrer-Policy on every answer; the tracker and the collect paths stay usable from other origins', async (t) => {
  const app = await ingestApp(t);
  const script = await app.inject({ method: 'GET', url: '/t.js', headers: { origin: 'https://shop.example' } });
  assert.equal(script.statusCode, 200);
  assertEverywhere(script.headers, '/t.js');
  assertEmbeddable(script.headers, '/t.js');
  assert.equal(script.headers['access-control-allow-origin'], '*');
  assert.equal(script.headers['x-frame-options'], undefined);

  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/api/events',
    headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  assert.equal(preflight.statusCode, 204);
  assert.equal(preflight.headers['access-control-allow-origin'], '*');

  for (const url of ['/api/events', '/c']) {
    const posted = await app.inject({
      method: 'POST',
      url,
      payload: JSON.stringify(pageView()),
      headers: { 'content-type': 'text/plain', origin: 'https://shop.example', 'user-agent': CHROME_UA },
    });
    assert.equal(posted.statusCode, 202, posted.body);
    assertEverywhere(posted.headers, url);
    assertEmbeddable(posted.headers, url);
    assert.equal(posted.headers['access-control-allow-origin'], '*');
  }
  // Refusals carry them too: the IP limit (2 a minute here), a 404, a 400.
  const limited = await app.inject({ method: 'POST', url: '/api/events', payload: '{}', headers: { 'content-type': 'application/json' } });
  assert.equal(limited.statusCode, 429);
  assertEverywhere(limited.headers, '429');
  assertEverywhere((await app.inject({ method: 'GET', url: '/nowhere' })).headers, '404');
  assertEverywhere((await app.inject({ method: 'GET', url: '/health' })).headers, '/health');
});

test('the dashboard page has its Content-Security-Policy and may not be framed; its assets and the process server get the common headers', async (t) => {
  const dist = await mkdtemp(join(tmpdir(), 'pulse-security-headers-'));
  t.after(() => rm(dist, { recursive: true, force: true }));
  await mkdir(join(dist, 'assets'));
  await writeFile(join(dist, 'index.html'), '<!doctype html><title>Pulse</title>');
  await writeFile(join(dist, 'assets', 'index-abc.js'), 'export {};');
  const app = buildProcessServer({ logger, registry: new Registry(), checks: [], status: async () => ({}) });
  await registerDashboardRoutes(app, { distDir: dist });
  t.after(() => app.close());

  const page = await app.inject({ method: 'GET', url: '/dashboard/' });
  assert.equal(page.statusCode, 200);
  assertEverywhere(page.headers, 'index.html');
  assert.equal(page.headers['content-security-policy'], dashboardContentSecurityPolicy);
  assert.match(dashboardContentSecurityPolicy, /frame-ancestors 'none'/);
  assert.match(dashboardContentSecurityPolicy, /script-src 'self'(;|$)/, 'no inline script, no eval');
  assert.equal(page.headers['x-frame-options'], 'DENY');
  const revalidated = await app.inject({ method: 'GET', url: '/dashboard/', headers: { 'if-none-match': String(page.headers.etag) } });
  assert.equal(revalidated.statusCode, 304);

  const asset = await app.inject({ method: 'GET', url: '/dashboard/assets/index-abc.js' });
  assert.equal(asset.statusCode, 200);
  assertEverywhere(asset.headers, 'asset');
  assert.equal(asset.headers['content-security-policy'], undefined);
  for (const url of ['/health', '/metrics', '/nowhere']) assertEverywhere((await app.inject({ method: 'GET', url })).headers, url);

  const unbuilt = createHttpApp({ logger });
  await registerDashboardRoutes(unbuilt, { distDir: join(dist, 'missing') });
  t.after(() => unbuilt.close());
  const notBuilt = await unbuilt.inject({ method: 'GET', url: '/dashboard/' });
  assert.equal(notBuilt.statusCode, 503);
  assert.equal(notBuilt.headers['content-security-policy'], dashboardContentSecurityPolicy);
  assert.equal(notBuilt.headers['x-frame-options'], 'DENY');
});

test('answers streamed by hand (SSE after reply.hijack) carry the common headers too', async (t) => {
  const app = createHttpApp({ logger });
  registerAlertRoutes(app, { pingMs: 60_000 });
  t.after(() => app.close());
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const abort = new AbortController();
  const response = await fetch(`${url}/api/alerts/stream`, { signal: abort.signal });
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(response.headers.get('referrer-policy'), 'strict-origin-when-cross-origin');
  abort.abort();
  await response.body?.cancel().catch(() => undefined);
});
