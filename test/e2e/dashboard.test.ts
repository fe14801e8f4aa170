import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildDashboard } from '../../src/dashboard/build.ts';
import { CHROME_UA, pageView } from '../helpers/events.ts';
import { adminHeaders, freePort, repoRoot, spawnPulse, waitFor, waitForHealth, type PulseProcess } from '../helpers/services.ts';
import { launchChromium } from './support/browser.ts';

/**
 * The dashboard in headless Chromium against `pulse start` run as a real
 * process: events posted while the page is open must show on it, without a
 * reload, within a second of ingest acknowledging them. A screenshot of the
 * dashboard with data is written to test-results/dashboard.png for review.
 */

/**
 * What code inside `page.waitForFunction` / `page.evaluate` uses (the tests' tsconfig has no DOM types).
 * Those functions run in the page, so they cast `globalThis` themselves instead of calling a helper.
 */
interface PageNode {
  textContent: string | null;
  getAttribute(name: string): string | null;
}
interface InPage {
  document: { querySelector(selector: string): PageNode | null; querySelectorAll(selector: string): ArrayLike<PageNode> };
  pulseMarker?: string;
}

const screenshotPath = join(repoRoot, 'test-results', 'dashboard.png');

let base = '';
let dataDir = '';
let port = 0;
let pulse: PulseProcess | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page;
const pageErrors: string[] = [];

const env = () => ({ PULSE_PORT: String(port), PULSE_DATA_DIR: dataDir, PULSE_LOG_LEVEL: 'warn' });

async function post(path: '/api/events' | '/api/coordinates', body: unknown): Promise<void> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.equal(response.status, 202, `${path}: ${response.status} ${text}`);
}

const url = (path: string) => `https://shop.example${path}`;

/** A short burst of realistic traffic: page views over a few pages, clicks, a form, custom events and cursor moves. */
async function trafficFor(ms: number): Promise<void> {
  const pages = ['/', '/products', '/products/42', '/pricing', '/blog/kafka-in-practice', '/contact', '/checkout'];
  const weights = [6, 5, 4, 3, 2, 1, 1];
  const visitors = Array.from({ length: 14 }, (_, i) => ({
    user_id: `u-e2e-${i}-${randomUUID().slice(0, 8)}`,
    session_id: `s-${randomUUID()}`,
  }));
  const pick = (i: number) => {
    const total = weights.reduce((a, b) => a + b, 0);
    let r = (i * 7919) % total;
    for (let k = 0; k < pages.length; k++) {
      r -= weights[k] ?? 0;
      if (r < 0) return pages[k] ?? '/';
    }
    return '/';
  };
  const started = Date.now();
  let step = 0;
  while (Date.now() - started < ms) {
    const events: Record<string, unknown>[] = [];
    const moves: Record<string, unknown>[] = [];
    for (let k = 0; k < 3 + (step % 4); k++) {
      const visitor = visitors[(step * 3 + k) % visitors.length] ?? visitors[0];
      const path = pick(step * 5 + k);
      events.push(pageView({ ...visitor, url: url(path), title: `Shop ${path}`, duration: 5 + ((step * 13 + k * 7) % 90) }));
      if ((step + k) % 3 === 0)
        events.push({ ...pageView({ ...visitor, url: url(path) }), type: 'click', selector: 'button.buy', text: 'Add to cart' });
      if ((step + k) % 7 === 0) events.push({ ...pageView({ ...visitor, url: url('/contact') }), type: 'form_submit', form_id: 'contact' });
      if ((step + k) % 5 === 0) events.push({ ...pageView({ ...visitor, url: url(path) }), type: 'custom', name: 'video_play' });
    }
    // Cursor trails on the most viewed page, over a 1280 × 800 viewport: six visitors moving, two positions
    // each per step (the tracker sends at most one every 250 ms by default).
    for (let v = 0; v < 6; v++) {
      const visitor = visitors[v] ?? visitors[0];
      for (let s = 0; s < 2; s++) {
        const t = (step * 2 + s) / 3 + v;
        const x = Math.round(640 + 440 * Math.sin(t * (0.5 + v * 0.13)) * Math.cos(t * 0.17 + v));
        const y = Math.round(380 + 280 * Math.sin(t * 0.37 + v * 1.7));
        moves.push({ ...visitor, site: 'demo', url: url('/'), x: Math.max(0, x), y: Math.max(0, y), viewport_w: 1280, viewport_h: 800 });
      }
    }
    // Hot spots where visitors rest: the main call to action and the navigation.
    const resting = visitors[step % visitors.length] ?? visitors[0];
    moves.push({
      ...resting,
      site: 'demo',
      url: url('/'),
      x: 980 + (step % 5) * 6,
      y: 430 + (step % 3) * 5,
      viewport_w: 1280,
      viewport_h: 800,
    });
    if (step % 2 === 0)
      moves.push({ ...resting, site: 'demo', url: url('/'), x: 160 + (step % 6) * 14, y: 36, viewport_w: 1280, viewport_h: 800 });
    await Promise.all([post('/api/events', events), post('/api/coordinates', moves)]);
    step += 1;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function startPulse(): Promise<void> {
  pulse = spawnPulse(['start'], env());
  await waitForHealth(base, pulse);
}

async function connectionState(): Promise<string | null> {
  return page.evaluate(() => (globalThis as unknown as InPage).document.querySelector('#connection')?.getAttribute('data-state') ?? null);
}

describe('dashboard in Chromium → pulse start', { timeout: 120_000 }, () => {
  before(async () => {
    await buildDashboard(); // fast when the build is current
    await mkdir(join(repoRoot, 'test-results'), { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-dashboard-'));
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    await startPulse();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 768 }, extraHTTPHeaders: adminHeaders });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      // GET /api/sites is optional (the page falls back to the site it is shown): its 404 is not a fault.
      if (message.type() === 'error' && !message.location().url.endsWith('/api/sites')) pageErrors.push(message.text());
    });
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await pulse?.stop();
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  test('/ leads to the dashboard; index is revalidated, hashed assets are cached for a year', async () => {
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/dashboard/');
    const index = await fetch(`${base}/dashboard/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const html = await index.text();
    const asset = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(asset !== undefined, 'index.html loads a hashed script');
    const script = await fetch(`${base}${asset}`, { headers: { 'accept-encoding': 'br' } });
    assert.equal(script.status, 200);
    assert.match(script.headers.get('cache-control') ?? '', /max-age=31536000, immutable/);
  });

  test('a page view posted while the dashboard is open shows on it within 1 s, without a reload', async (t) => {
    await page.goto(`${base}/`);
    assert.equal(new URL(page.url()).pathname, '/dashboard/');
    await waitFor(async () => ((await connectionState()) === 'live' ? true : undefined), 'the live stream', 10_000);
    // The first stream update has been rendered when the tiles show numbers.
    await page.waitForFunction(() =>
      /\d/.test((globalThis as unknown as InPage).document.querySelector('#tile-active [data-value]')?.textContent ?? ''),
    );
    const activeBefore = Number(
      await page.evaluate(
        () => (globalThis as unknown as InPage).document.querySelector('#tile-active [data-value]')?.textContent ?? 'NaN',
      ),
    );
    assert.ok(Number.isFinite(activeBefore));
    const marker = randomUUID();
    await page.evaluate((value) => ((globalThis as unknown as InPage).pulseMarker = value), marker);

    const path = `/e2e/live-${randomUUID().slice(0, 8)}`;
    await post('/api/events', pageView({ url: url(path), title: 'Live check' }));
    const acknowledged = Date.now();
    await page.waitForFunction(
      ({ path, activeBefore }) => {
        const doc = (globalThis as unknown as InPage).document;
        const inFeed = Array.from(doc.querySelectorAll('#feed .feed-path')).some((node) => node.textContent === path);
        const inTopPages = Array.from(doc.querySelectorAll('#top-all-list li')).some((node) => node.getAttribute('data-path') === path);
        const active = Number(doc.querySelector('#tile-active [data-value]')?.textContent ?? 'NaN');
        return inFeed && inTopPages && active >= activeBefore + 1;
      },
      { path, activeBefore },
      { timeout: 1000 },
    );
    const elapsed = Date.now() - acknowledged;
    t.diagnostic(`page view on the dashboard ${elapsed} ms after ingest answered 202`);
    assert.ok(elapsed <= 1000, `${elapsed} ms`);
    assert.equal(await page.evaluate(() => (globalThis as unknown as InPage).pulseMarker), marker, 'the page was not reloaded');
    assert.deepEqual(pageErrors, []);
  });

  test('with traffic: tiles, charts, feed, heat map and pipeline lag fill in (screenshot)', async (t) => {
    await trafficFor(6000);
    // The cursor trails were sent on "/": pick it in the heat map's page selector.
    await page.selectOption('#heat-page', '/');
    await page
      .waitForFunction(
        () => {
          const canvas = (globalThis as unknown as InPage).document.querySelector('#heat-canvas');
          return Number(canvas?.getAttribute('data-cells') ?? 0) > 20 && Number(canvas?.getAttribute('data-cursors') ?? 0) >= 6;
        },
        undefined,
        { timeout: 8000 },
      )
      .catch(async (error: unknown) => {
        const canvas = await page.evaluate(() => {
          const node = (globalThis as unknown as InPage).document.querySelector('#heat-canvas');
          return {
            cells: node?.getAttribute('data-cells'),
            cursors: node?.getAttribute('data-cursors'),
            meta: (globalThis as unknown as InPage).document.querySelector('#heat-meta')?.textContent,
            page: (globalThis as unknown as InPage).document.querySelector('#heat-page option:checked')?.textContent,
          };
        });
        throw new Error(`heat map not drawn: ${JSON.stringify(canvas)}`, { cause: error });
      });
    const figures = await page.evaluate(() => {
      const doc = (globalThis as unknown as InPage).document;
      const text = (selector: string) => doc.querySelector(selector)?.textContent ?? '';
      return {
        active: text('#tile-active [data-value]'),
        sessions: text('#tile-sessions [data-value]'),
        bounce: text('#tile-bounce [data-value]'),
        bounceSub: text('#tile-bounce [data-sub]'),
        feedRows: doc.querySelectorAll('#feed .feed-row').length,
        topPages: doc.querySelectorAll('#top-all-list li').length,
        lagRows: doc.querySelectorAll('#pipeline .lag-row').length,
        heatPage: doc.querySelector('#heat-page') === null ? '' : text('#heat-page option:checked'),
      };
    });
    t.diagnostic(JSON.stringify(figures));
    assert.ok(Number(figures.active) >= 15, `active users ${figures.active}`);
    assert.ok(Number(figures.sessions) >= 15, `sessions ${figures.sessions}`);
    assert.match(figures.bounce, /%$/);
    assert.match(figures.bounceSub, /^single-page sessions · \d+ quick exits?$/, 'quick exits named apart from bounces');
    assert.ok(figures.feedRows >= 10, `feed rows ${figures.feedRows} (cursor moves hidden)`);
    assert.ok(figures.topPages >= 7);
    assert.equal(
      figures.lagRows,
      4,
      'lag of pulse-realtime (user-activity, mouse-coordinates) and pulse-warehouse-postgres (user-activity, page-views)',
    );
    assert.equal(figures.heatPage, '/');
    await page.screenshot({ path: screenshotPath, fullPage: true });
    t.diagnostic(`screenshot: ${screenshotPath}`);
    assert.deepEqual(pageErrors, []);
  });

  test('the stream reconnects by itself after Pulse restarts', async () => {
    await pulse?.stop();
    await waitFor(
      async () => (['reconnecting', 'offline'].includes((await connectionState()) ?? '') ? true : undefined),
      'reconnecting state',
      10_000,
    );
    await startPulse();
    await waitFor(async () => ((await connectionState()) === 'live' ? true : undefined), 'live again', 15_000);
    const path = `/e2e/after-restart-${randomUUID().slice(0, 8)}`;
    await post('/api/events', pageView({ url: url(path) }));
    await page.waitForFunction(
      (path) =>
        Array.from((globalThis as unknown as InPage).document.querySelectorAll('#feed .feed-path')).some(
          (node) => node.textContent === path,
        ),
      path,
      // Pushed by the stream, not fetched again by the page; bounded generously for a loaded machine.
      { timeout: 15_000 },
    );
    // Browsers log the failed reconnection attempts as console errors; page errors would be thrown exceptions.
    assert.deepEqual(
      pageErrors.filter((message) => !/ERR_CONNECTION_REFUSED|Failed to load resource|EventSource/.test(message)),
      [],
    );
  });
});
