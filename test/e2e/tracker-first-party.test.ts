import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { freePort } from '../helpers/services.ts';
import { launchChromium, moveMouseFor, newVisitor } from './support/browser.ts';
import type { InPage } from './support/page-globals.ts';
import { countByType, embeddedPulse, fromUser, settledEvents, type PulseUnderTest } from './support/pulse-under-test.ts';

/**
 * A shop on its own origin embedding Pulse under first-party names
 * (PULSE_TRACKER_PATH, PULSE_COLLECT_PATH) with CORS limited to that shop
 * for site "demo" (PULSE_CORS_ORIGINS); another origin is refused. The shop
 * is a small server on another loopback port (Chromium keeps pages on public
 * names from reaching loopback addresses); `localhost` and `127.0.0.1` are two
 * origins of it.
 */
const shopPort = await freePort();
const shop = `http://127.0.0.1:${shopPort}`;
const stranger = `http://localhost:${shopPort}`;

describe('first-party paths and per-site CORS (pulse start)', { timeout: 180_000 }, () => {
  let pulse: PulseUnderTest;
  let browser: Browser;
  let shopServer: Server | undefined;

  before(async () => {
    const server = createServer((request, response) => {
      const origin = `http://${request.headers.host ?? ''}`;
      response
        .writeHead(request.url === '/' ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' })
        .end(request.url === '/' ? shopPage(origin) : '');
    });
    shopServer = server;
    await new Promise<void>((resolve) => server.listen(shopPort, '127.0.0.1', resolve));
    pulse = await embeddedPulse({
      PULSE_TRACKER_PATH: '/assets/site.js',
      PULSE_COLLECT_PATH: '/c',
      PULSE_CORS_ORIGINS: `demo=${shop}`,
      PULSE_COUNT_BOTS_SITES: 'demo', // the driven Chromium is an automated browser: counted here
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await pulse?.close();
    if (shopServer !== undefined) {
      const server = shopServer;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  const shopPage = (origin: string) => `<!doctype html><html><head><title>Shop</title>
    <script src="${pulse.base}/assets/site.js" data-site="demo" data-endpoint="${pulse.base}/c" data-mouse="true"></script></head>
    <body style="height:900px"><button id="buy">Buy</button><p>${origin}</p></body></html>`;

  const event = { type: 'click', site: 'demo', user_id: 'u-first-party', session_id: 's-1', url: `${shop}/` };
  const post = (path: string, headers: Record<string, string>) =>
    fetch(`${pulse.base}${path}`, { method: 'POST', headers: { 'content-type': 'text/plain', ...headers }, body: JSON.stringify(event) });

  test('the script is served at /t.js and PULSE_TRACKER_PATH with caching headers, gzip and ETag revalidation', async () => {
    const plain = await fetch(`${pulse.base}/t.js`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(plain.status, 200);
    assert.match(plain.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(plain.headers.get('cache-control') ?? '', /\bmax-age=3600\b/);
    const etag = plain.headers.get('etag');
    assert.match(etag ?? '', /^"[\w-]+"$/);
    const body = await plain.text();
    assert.match(body, /pulse/);

    const aliased = await fetch(`${pulse.base}/assets/site.js`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(aliased.status, 200);
    assert.equal(await aliased.text(), body);
    assert.equal(aliased.headers.get('etag'), etag);

    const revalidated = await fetch(`${pulse.base}/t.js`, { headers: { 'if-none-match': etag ?? '' } });
    assert.equal(revalidated.status, 304);

    // node's fetch would unzip: read the raw answer with the gzip header kept
    const { request } = await import('node:http');
    const gzipped = await new Promise<{ encoding: string | undefined; bytes: Buffer }>((resolve, reject) => {
      request(`${pulse.base}/t.js`, { headers: { 'accept-encoding': 'gzip' } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ encoding: response.headers['content-encoding'], bytes: Buffer.concat(chunks) }));
      })
        .on('error', reject)
        .end();
    });
    assert.equal(gzipped.encoding, 'gzip');
    assert.ok(gzipped.bytes.length <= 5 * 1024, `${gzipped.bytes.length} bytes gzipped`);
    assert.equal(gunzipSync(gzipped.bytes).toString(), body);
  });

  test('PULSE_COLLECT_PATH accepts events like /api/events; CORS answers only the allowed origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${pulse.base}/c`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const allowed = await preflight(shop);
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), shop);
    assert.match(allowed.headers.get('access-control-allow-methods') ?? '', /POST/);
    const refused = await preflight(stranger);
    assert.equal(refused.headers.get('access-control-allow-origin'), null);

    const fromShop = await post('/c', { origin: shop });
    assert.equal(fromShop.status, 202);
    assert.equal(fromShop.headers.get('access-control-allow-origin'), shop);
    assert.equal((await post('/api/events', { origin: shop })).status, 202, '/api/events keeps working');
    assert.equal((await post('/c', {})).status, 202, 'no Origin (a server or curl): not a browser page, accepted');
    assert.equal((await post('/c', { origin: pulse.base })).status, 202, "Pulse's own pages (the demo) are always allowed");

    const fromStranger = await post('/c', { origin: stranger });
    assert.equal(fromStranger.status, 403, 'CORS alone would not stop a simple POST: the origin is checked per site');
    assert.equal(((await fromStranger.json()) as { error: string }).error, 'origin_not_allowed');
    assert.equal((await post('/api/coordinates', { origin: stranger })).status, 403);
  });

  test("a page on the shop's origin loads the script and sends every event through the first-party paths", async () => {
    const run = async (origin: string) => {
      const visitor = await newVisitor(browser);
      const reader = await pulse.openReader();
      await visitor.page.goto(`${origin}/`);
      await visitor.page.click('#buy');
      await moveMouseFor(visitor.page, 600);
      await visitor.page.evaluate(() => (globalThis as unknown as InPage).pulse?.flush());
      const userId = await visitor.page.evaluate(() => (globalThis as unknown as InPage).localStorage.getItem('pulse:uid'));
      assert.ok(userId);
      return { visitor, reader, userId };
    };

    const allowed = await run(shop);
    const events = await settledEvents(allowed.reader, fromUser(allowed.userId), (evs) => {
      const counts = countByType(evs);
      return counts['page_view'] === 1 && counts['click'] === 1 && (counts['mouse_move'] ?? 0) >= 2;
    });
    const counts = countByType(events);
    assert.deepEqual([counts['page_view'], counts['click']], [1, 1]);
    assert.ok((counts['mouse_move'] ?? 0) >= 2, 'mouse positions go to the custom collect path too');
    assert.ok(events.every((e) => String(e.value['url']).startsWith(`${shop}/`)));
    // http://shop.test is not a secure context: ids come from the getRandomValues fallback
    assert.ok(
      events.every((e) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(String(e.value['event_id']))),
    );
    assert.deepEqual(allowed.visitor.pageErrors, []);

    const refused = await run(stranger);
    // ingest's 403 is readable by the page: the tracker drops the batch for good instead of retrying
    await refused.visitor.page.waitForFunction(() => ((globalThis as unknown as InPage).pulse?.getState().dropped ?? 0) > 0);
    assert.equal(await refused.visitor.page.evaluate(() => (globalThis as unknown as InPage).pulse?.getState().failures), 0);
    const none = await settledEvents(refused.reader, fromUser(refused.userId), () => true, { settleMs: 2000 });
    assert.deepEqual(none, [], 'nothing from an origin PULSE_CORS_ORIGINS does not list');
    assert.deepEqual(refused.visitor.pageErrors, []);
    await allowed.visitor.context.close();
    await refused.visitor.context.close();
  });

  test('the demo site is served at /demo/', async () => {
    const index = await fetch(`${pulse.base}/demo/`);
    assert.equal(index.status, 200);
    const html = await index.text();
    assert.match(html, /<script src="\/t\.js" data-site="demo"/);
    for (const path of ['/demo/products.html', '/demo/contact.html', '/demo/demo.js', '/demo/demo.css']) {
      assert.equal((await fetch(`${pulse.base}${path}`)).status, 200, path);
    }
    assert.equal((await fetch(`${pulse.base}/demo`, { redirect: 'manual' })).headers.get('location'), '/demo/');
    assert.equal((await fetch(`${pulse.base}/demo/missing.html`)).status, 404);
    assert.equal((await fetch(`${pulse.base}/demo/..%2fpackage.json`)).status, 404);
  });
});
