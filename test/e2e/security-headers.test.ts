import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { buildDashboard } from '../../src/dashboard/build.ts';
import { CHROME_UA, pageView } from '../helpers/events.ts';
import { freePort, repoRoot, waitFor } from '../helpers/services.ts';
import { launchChromium } from './support/browser.ts';
import { embeddedPulse, type PulseUnderTest } from './support/pulse-under-test.ts';

/**
 * The security headers in a real browser (Debian's Chromium) against `pulse start`: the built
 * dashboard runs under its Content-Security-Policy without a single violation on any of its views
 * and its charts draw (screenshot: test-results/security-headers.png); the tracker keeps working on
 * a page of another origin, which in turn cannot frame the dashboard.
 */

/** What code inside `page.evaluate` uses (the tests' tsconfig has no DOM types). */
interface PageNode {
  getAttribute(name: string): string | null;
  children: { length: number };
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}
interface InPage {
  document: { querySelector(selector: string): (PageNode & PageCanvas) | null };
  pulseCsp?: { directive: string; blocked: string; sample: string; source: string; line: number }[];
}

/** Records every CSP violation of the page, from its first script on. */
const recordViolations = `
  globalThis.pulseCsp = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    globalThis.pulseCsp.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample, source: e.sourceFile, line: e.lineNumber });
  });
`;

const screenshotPath = join(repoRoot, 'test-results', 'security-headers.png');
const TOKEN = 'security-headers-e2e-token-0123456789';
const shopPort = await freePort();
const shop = `http://127.0.0.1:${shopPort}`;

describe('security headers in Chromium (pulse start)', { timeout: 180_000 }, () => {
  let pulse: PulseUnderTest;
  let browser: Browser;
  let shopServer: Server | undefined;

  before(async () => {
    await buildDashboard(); // fast when the build is current
    await mkdir(join(repoRoot, 'test-results'), { recursive: true });
    // Another origin (another port) with a page that embeds the tracker and tries to frame the dashboard.
    const server = createServer((request, response) => {
      const page =
        request.url?.startsWith('/shop-') === true
          ? `<!doctype html><html><head><title>Shop</title>
             <script src="${pulse.base}/t.js" data-site="demo" data-flush-interval="200"></script></head>
             <body><button id="buy">Buy</button></body></html>`
          : request.url === '/framing'
            ? `<!doctype html><html><head><title>Framing</title></head><body>
               <iframe id="dashboard" src="${pulse.base}/dashboard/" width="800" height="600"></iframe></body></html>`
            : undefined;
      if (page === undefined) response.writeHead(request.url === '/favicon.ico' ? 204 : 404).end();
      else response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    });
    shopServer = server;
    await new Promise<void>((resolve) => server.listen(shopPort, '127.0.0.1', resolve));
    pulse = await embeddedPulse({ PULSE_ADMIN_TOKEN: TOKEN });
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

  /**
   * A page that keeps its errors: uncaught exceptions and console errors (CSP reports included).
   * `signedIn`: its requests to Pulse carry the admin token (the dashboard's API needs a principal).
   */
  async function openPage(signedIn: boolean): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    context.setDefaultTimeout(15_000);
    await context.addInitScript({ content: recordViolations });
    if (signedIn) {
      await context.route(
        (url) => url.origin === pulse.base,
        (route) => route.continue({ headers: { ...route.request().headers(), authorization: `Bearer ${TOKEN}` } }),
      );
    }
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url})`);
    });
    return { context, page, errors };
  }

  async function post(body: unknown): Promise<void> {
    const response = await fetch(`${pulse.base}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 202, await response.text());
  }

  const violations = (page: Page) => page.evaluate(() => (globalThis as unknown as InPage).pulseCsp ?? []);

  /** Pixels a canvas has drawn (not transparent). */
  const painted = (page: Page, selector: string) =>
    page.evaluate((selector) => {
      const canvas = (globalThis as unknown as InPage).document.querySelector(selector);
      const context = canvas?.getContext('2d');
      if (canvas === null || canvas === undefined || context === null || context === undefined || canvas.width === 0) return 0;
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      let count = 0;
      for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) count += 1;
      return count;
    }, selector);

  const viewState = (page: Page, selector: string) =>
    page.evaluate((selector) => (globalThis as unknown as InPage).document.querySelector(selector)?.getAttribute('data-state'), selector);

  test('the dashboard runs under its Content-Security-Policy: no violation on any view, the charts draw (screenshot)', async (t) => {
    const { context, page, errors } = await openPage(true);
    try {
      const paths = ['/', '/pricing', '/products/42', '/blog/csp'];
      await post(paths.flatMap((path, i) => Array.from({ length: 4 - i }, () => pageView({ url: `https://shop.example${path}` }))));
      const response = await page.goto(`${pulse.base}/dashboard/`);
      assert.equal(response?.status(), 200);
      const headers = response?.headers() ?? {};
      assert.match(headers['content-security-policy'] ?? '', /script-src 'self'; .*frame-ancestors 'none'/);
      assert.equal(headers['x-frame-options'], 'DENY');
      assert.equal(headers['x-content-type-options'], 'nosniff');
      assert.equal(headers['referrer-policy'], 'strict-origin-when-cross-origin');

      // Live traffic while the page is open, so the per-second chart has a line to draw.
      for (let i = 0; i < 6; i++) {
        await post([pageView({ url: `https://shop.example/live/${i % 3}` }), pageView()]);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      // The figures arrived: the top-pages lists (the charts' text fallback) hold the posted pages.
      await page.waitForFunction(
        (count) =>
          ((globalThis as unknown as InPage).document.querySelector('#top-all-list')?.children.length ?? 0) >= count &&
          ((globalThis as unknown as InPage).document.querySelector('#top-hour-list')?.children.length ?? 0) >= count,
        paths.length,
      );
      for (const chart of ['#eps-chart', '#top-all-chart', '#top-hour-chart']) {
        await page.waitForFunction((selector) => {
          const canvas = (globalThis as unknown as InPage).document.querySelector(selector);
          return canvas !== null && canvas.width > 0;
        }, chart);
      }
      // Axes and grid alone paint about 900 (top pages) and 4,300 (per second) pixels; bars and the line add thousands.
      const drawn = (p: Record<string, number>) => (p['eps'] ?? 0) > 5500 && (p['topAll'] ?? 0) > 5000 && (p['topHour'] ?? 0) > 5000;
      const deadline = Date.now() + 10_000;
      let pixels: Record<string, number> = {};
      do {
        pixels = {
          eps: await painted(page, '#eps-chart'),
          topAll: await painted(page, '#top-all-chart'),
          topHour: await painted(page, '#top-hour-chart'),
        };
        if (drawn(pixels)) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      } while (Date.now() < deadline);
      t.diagnostic(`painted pixels: ${JSON.stringify(pixels)}`);
      assert.ok(drawn(pixels), `Chart.js drew under the CSP (no eval, no inline styles needed): ${JSON.stringify(pixels)}`);
      await page.screenshot({ path: screenshotPath, fullPage: true });
      t.diagnostic(`screenshot: ${screenshotPath}`);

      // Every other view the header offers, each with its own code, charts and styles (the Kafka view's constructed
      // stylesheet, inline style attributes of its tables).
      const tabs = await page
        .locator('a.view-tab:visible')
        .evaluateAll((links) =>
          links.map((link) => (link as unknown as PageNode).getAttribute('href') ?? '').filter((href) => href !== '#live'),
        );
      assert.ok(tabs.includes('#history') && tabs.includes('#kafka'), tabs.join(' '));
      for (const tab of tabs) {
        const view = `${tab}-view`;
        await page.click(`a[href="${tab}"]`);
        await page
          .waitForFunction((view) => {
            const state = (globalThis as unknown as InPage).document.querySelector(view)?.getAttribute('data-state');
            return state !== undefined && state !== null && state !== 'idle' && state !== 'loading';
          }, view)
          .catch(async (error: unknown) => {
            throw new Error(`${view} stayed ${await viewState(page, view)}; errors: ${JSON.stringify(errors)}`, { cause: error });
          });
        t.diagnostic(`${tab}: ${await viewState(page, view)}`);
      }
      await page.click('a[href="#live"]');

      assert.deepEqual(await violations(page), [], 'securitypolicyviolation events');
      assert.deepEqual(
        errors.filter((e) => !e.includes('/api/sites')), // optional: the page falls back to the site it shows
        [],
        'console errors (Chromium reports a CSP refusal there too)',
      );
    } finally {
      await context.close();
    }
  });

  test('the tracker works on a page of another origin, and that page cannot frame the dashboard', async () => {
    const { context, page, errors } = await openPage(false);
    try {
      const path = `/shop-${randomUUID().slice(0, 8)}`;
      const collected = page.waitForResponse((r) => r.url() === `${pulse.base}/api/events` && r.request().method() === 'POST');
      const response = await page.goto(`${shop}${path}`);
      assert.equal(response?.status(), 200);
      const answer = await collected;
      assert.equal(answer.status(), 202, 'the page view was accepted');
      assert.equal(answer.headers()['access-control-allow-origin'], '*', 'and the page may read the answer');
      assert.equal(answer.headers()['x-content-type-options'], 'nosniff');
      // It reached the topic (read back raw: headless Chromium is a bot, which the live figures leave out).
      await waitFor(
        async () => {
          const auth = { authorization: `Bearer ${TOKEN}` };
          // The tail waits for `limit` records: ask for what the topic holds.
          const { topics } = (await (await fetch(`${pulse.base}/api/topics`, { headers: auth })).json()) as {
            topics: { name: string; partitions: { startOffset: number; endOffset: number }[] }[];
          };
          const held = (topics.find((topic) => topic.name === 'user-activity')?.partitions ?? []).reduce(
            (sum, p) => sum + p.endOffset - p.startOffset,
            0,
          );
          if (held === 0) return undefined;
          const tail = await fetch(`${pulse.base}/api/topics/user-activity/tail?from=earliest&limit=${held}`, {
            headers: auth,
            signal: AbortSignal.timeout(10_000),
          });
          const lines = (await tail.text()).split('\n').filter((line) => line !== '');
          const found = lines.some((line) => {
            const value = (JSON.parse(line) as { value?: { url?: unknown; type?: unknown } }).value;
            return value?.type === 'page_view' && value.url === `${shop}${path}`;
          });
          return found ? true : undefined;
        },
        `the page view of ${path} in user-activity`,
        15_000,
      );
      assert.deepEqual(errors, [], 'no CORS or CSP error on the embedding page');
      assert.deepEqual(await violations(page), []);

      // frame-ancestors 'none' (and X-Frame-Options: DENY): the dashboard does not load inside the other origin's frame.
      const refused = new Promise<string>((resolve) => {
        page.on('console', (message) => {
          if (/frame-ancestors|X-Frame-Options/i.test(message.text())) resolve(message.text());
        });
      });
      await page.goto(`${shop}/framing`);
      const message = await Promise.race([
        refused,
        new Promise<string>((resolve) => setTimeout(() => resolve('(no refusal reported)'), 5000)),
      ]);
      assert.match(message, /frame-ancestors 'none'/, message);
      const frame = page.frames().find((f) => f !== page.mainFrame());
      const title = (await frame?.title().catch(() => '')) ?? '';
      assert.notEqual(title, 'Pulse · live', 'the dashboard is not shown in the frame');
    } finally {
      await context.close();
    }
  });
});
