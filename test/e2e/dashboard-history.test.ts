import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { buildDashboard } from '../../src/dashboard/build.ts';
import {
  autoBucket,
  DAY,
  fillBuckets,
  formatHistoryHash,
  HOUR,
  labelMask,
  MINUTE,
  parseHistoryHash,
  resolveRange,
  totals,
} from '../../src/dashboard/web/src/history-model.ts';
import { CHROME_UA } from '../helpers/events.ts';
import { adminHeaders, freePort, repoRoot, spawnPulse, waitFor, waitForHealth, type PulseProcess } from '../helpers/services.ts';
import { launchChromium } from './support/browser.ts';

/**
 * The dashboard's History view in headless Chromium against `pulse start`
 * (embedded: PGlite warehouse fed by the warehouse worker). A known set of
 * page views is posted; once /api/history/pages reports all of them, the
 * view must show exactly those figures in its tiles, table and charts (read
 * through the text each chart carries), follow range presets, bucket
 * overrides and custom ranges in the URL and in its requests, and show clear
 * empty and "not configured" states. Bot requests posted after them must show in
 * the Bots card only. Screenshots: test-results/dashboard-history.png and
 * test-results/history-bots.png.
 */

/** What code inside `page.evaluate` uses (the tests' tsconfig has no DOM types). */
interface PageNode {
  textContent: string | null;
  hidden?: boolean;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageNode | null;
}
interface InPage {
  document: { querySelector(selector: string): PageNode | null; querySelectorAll(selector: string): ArrayLike<PageNode> };
  location: { hash: string };
}

const screenshotPath = join(repoRoot, 'test-results', 'dashboard-history.png');
const botsScreenshotPath = join(repoRoot, 'test-results', 'history-bots.png');

const FIREFOX_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0';
const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const agents = { chrome: CHROME_UA, firefox: FIREFOX_UA, iphone: IPHONE_UA } as const;

const google = 'https://www.google.com/search?q=pulse';
const hn = 'https://news.ycombinator.com/item?id=1';
const github = 'https://github.com/pulse/pulse';

/**
 * The known set: 11 page views on 4 pages, 230 s in all (21 s a view). Quick exits
 * (duration under 5 s): 2 on /pricing, 1 on /products, 1 on /contact. Sessions (one per user): 9, entering
 * on /pricing (a, b, c, d), /products (e, f), / (g, h), /contact (i); a and e see two pages, the other 7
 * bounce (one page, whatever its duration). Referrers: google 5, HN 3, direct 2,
 * GitHub 1. UTM sources: newsletter 4, twitter 2, none 5. Browsers: Chrome 6,
 * Firefox 3, Mobile Safari 2.
 */
const known: { path: string; duration: number; referrer: string | null; utm: string | null; agent: keyof typeof agents; user: string }[] = [
  { path: '/pricing', duration: 2, referrer: google, utm: 'newsletter', agent: 'chrome', user: 'a' },
  { path: '/pricing', duration: 3, referrer: google, utm: 'newsletter', agent: 'chrome', user: 'a' },
  { path: '/pricing', duration: 12, referrer: google, utm: 'newsletter', agent: 'firefox', user: 'b' },
  { path: '/pricing', duration: 40, referrer: hn, utm: 'twitter', agent: 'iphone', user: 'c' },
  { path: '/pricing', duration: 60, referrer: hn, utm: null, agent: 'chrome', user: 'd' },
  { path: '/products', duration: 30, referrer: google, utm: 'newsletter', agent: 'chrome', user: 'e' },
  { path: '/products', duration: 1, referrer: google, utm: null, agent: 'firefox', user: 'f' },
  { path: '/products', duration: 50, referrer: hn, utm: 'twitter', agent: 'chrome', user: 'e' },
  { path: '/', duration: 8, referrer: null, utm: null, agent: 'iphone', user: 'g' },
  { path: '/', duration: 20, referrer: null, utm: null, agent: 'chrome', user: 'h' },
  { path: '/contact', duration: 4, referrer: github, utm: null, agent: 'firefox', user: 'i' },
];
const TOTAL_VIEWS = known.length;

/**
 * Bot requests, told apart by their User-Agents at ingest and left out of every figure (demo does not
 * count bots): Googlebot 3 (two page views and a click), curl 2, python-requests 1: 6 requests, 5 page views.
 */
const bots = [
  {
    name: 'Googlebot',
    userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    types: ['page_view', 'page_view', 'click'],
  },
  { name: 'curl', userAgent: 'curl/8.5.0', types: ['page_view', 'page_view'] },
  { name: 'python-requests', userAgent: 'python-requests/2.31.0', types: ['page_view'] },
] as const;
const BOT_REQUESTS = 6;

let base = '';
let dataDir = '';
let pulse: PulseProcess | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page;
const pageErrors: string[] = [];
const historyRequests: URL[] = [];

async function postEvents(userAgent: string, events: Record<string, unknown>[]): Promise<void> {
  const response = await fetch(`${base}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': userAgent },
    body: JSON.stringify(events),
  });
  assert.equal(response.status, 202, await response.text());
}

async function postKnownSet(): Promise<void> {
  for (const [agent, userAgent] of Object.entries(agents)) {
    const events = known
      .filter((view) => view.agent === agent)
      .map((view) => ({
        type: 'page_view',
        site: 'demo',
        user_id: `u-history-${view.user}`,
        session_id: `s-history-${view.user}`,
        url: `https://shop.example${view.path}${view.utm === null ? '' : `?utm_source=${view.utm}&utm_medium=referral`}`,
        ...(view.referrer === null ? {} : { referrer: view.referrer }),
        duration: view.duration,
      }));
    // A click is not a view: it must not count anywhere.
    const first = events[0];
    const click = {
      type: 'click',
      site: 'demo',
      user_id: first?.user_id,
      session_id: first?.session_id,
      url: first?.url,
      selector: 'a.buy',
    };
    await postEvents(userAgent, [...events, click]);
  }
}

/** The text each figure of the view carries: tiles, table rows, chart lists. */
async function readView() {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as InPage).document;
    const text = (selector: string) => doc.querySelector(selector)?.textContent?.trim() ?? '';
    const list = (selector: string) =>
      Array.from(doc.querySelectorAll(selector)).map((node) => ({
        value: node.getAttribute('data-value') ?? '',
        views: Number(node.getAttribute('data-views')),
      }));
    return {
      state: doc.querySelector('#history-view')?.getAttribute('data-state'),
      bucket: doc.querySelector('#history-view')?.getAttribute('data-bucket'),
      tiles: {
        views: text('#history-tile-views [data-value]'),
        bounce: text('#history-tile-bounce [data-value]'),
        bounceSub: text('#history-tile-bounce [data-sub]'),
        quickExits: text('#history-tile-quick-exits [data-value]'),
        quickExitsSub: text('#history-tile-quick-exits [data-sub]'),
        duration: text('#history-tile-duration [data-value]'),
        pages: text('#history-tile-pages [data-value]'),
      },
      rows: Array.from(doc.querySelectorAll('#history-pages tbody tr')).map((row) => {
        const cell = (column: string) => row.querySelector(`[data-col="${column}"]`)?.textContent?.trim() ?? '';
        return {
          page: row.getAttribute('data-page'),
          views: cell('views'),
          users: cell('unique_users'),
          bounceRate: cell('bounce_rate'),
          quickExits: cell('quick_exits'),
          duration: cell('avg_duration'),
        };
      }),
      traffic: Array.from(doc.querySelectorAll('#history-traffic-list li')).map((node) => Number(node.getAttribute('data-views'))),
      qualityBounces: Array.from(doc.querySelectorAll('#history-quality-list li')).map((node) => Number(node.getAttribute('data-bounces'))),
      qualityQuickExits: Array.from(doc.querySelectorAll('#history-quality-list li')).map((node) =>
        Number(node.getAttribute('data-quick-exits')),
      ),
      referrers: list('#history-referrers-list li'),
      tech: list('#history-tech-legend li'),
      utm: list('#history-utm-list li'),
    };
  });
}

const waitForState = (states: string[]) =>
  page.waitForFunction(
    (wanted) =>
      wanted.includes((globalThis as unknown as InPage).document.querySelector('#history-view')?.getAttribute('data-state') ?? ''),
    states,
  );

const hash = () => page.evaluate(() => decodeURIComponent((globalThis as unknown as InPage).location.hash));

/** Clicks (or acts) and returns the timeseries request it caused. */
async function timeseriesRequestOf(action: () => Promise<unknown>): Promise<URL> {
  const [request] = await Promise.all([
    page.waitForRequest((candidate: Request) => candidate.url().includes('/api/history/timeseries')),
    action(),
  ]);
  await waitForState(['ready', 'empty']);
  return new URL(request.url());
}

const spanOf = (url: URL) => Date.parse(url.searchParams.get('to') ?? '') - Date.parse(url.searchParams.get('from') ?? '');

describe('history model (ranges, buckets, URL)', () => {
  test('the bucket follows the span: minute to 2 h, hour to 7 days, day beyond; overrides too fine fall back', () => {
    assert.equal(autoBucket(HOUR), 'minute');
    assert.equal(autoBucket(2 * HOUR), 'minute');
    assert.equal(autoBucket(2 * HOUR + 1), 'hour');
    assert.equal(autoBucket(7 * DAY), 'hour');
    assert.equal(autoBucket(7 * DAY + 1), 'day');
    const now = Date.UTC(2026, 10, 24, 12, 30);
    assert.deepEqual(resolveRange({ kind: 'preset', preset: '30d', bucket: 'auto' }, now), {
      from: now - 30 * DAY,
      to: now,
      bucket: 'day',
      autoBucket: 'day',
    });
    assert.equal(resolveRange({ kind: 'preset', preset: '7d', bucket: 'day' }, now).bucket, 'day');
    // 30 days of minutes would be 43 200 bars: not offered, the automatic bucket is used.
    assert.equal(resolveRange({ kind: 'preset', preset: '30d', bucket: 'minute' }, now).bucket, 'day');
  });

  test('the hash round-trips presets and custom ranges; junk falls back to 24 hours', () => {
    assert.deepEqual(parseHistoryHash('#history'), { kind: 'preset', preset: '24h', bucket: 'auto' });
    assert.deepEqual(parseHistoryHash('#history?range=bogus&bucket=week'), { kind: 'preset', preset: '24h', bucket: 'auto' });
    const custom = { kind: 'custom', from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 2), bucket: 'minute' } as const;
    assert.equal(formatHistoryHash(custom), '#history?from=2026-01-01T00%3A00%3A00.000Z&to=2026-01-02T00%3A00%3A00.000Z&bucket=minute');
    assert.deepEqual(parseHistoryHash(formatHistoryHash(custom)), custom);
    assert.deepEqual(parseHistoryHash('#history?range=7d'), { kind: 'preset', preset: '7d', bucket: 'auto' });
  });

  test('empty buckets are filled in; totals weigh durations by views; labels fall on round times', () => {
    const from = Date.UTC(2026, 0, 1, 10, 0, 30);
    const range = { from, to: from + 5 * MINUTE, bucket: 'minute', autoBucket: 'minute' } as const;
    // Minute 1: 4 views, 2 sessions entering (1 bounce), 3 quick exits; minute 4: 1 view continuing a session.
    const points = [
      { ts: Date.UTC(2026, 0, 1, 10, 1), views: 4, unique_users: 3, sessions: 2, bounces: 1, quick_exits: 3, avg_duration: 10 },
      { ts: Date.UTC(2026, 0, 1, 10, 4), views: 1, unique_users: 1, sessions: 0, bounces: 0, quick_exits: 1, avg_duration: 2 },
    ];
    const filled = fillBuckets(points, range);
    assert.deepEqual(
      filled.map((point) => [new Date(point.ts).getUTCMinutes(), point.views, point.bounceRate]),
      [
        [0, 0, null],
        [1, 4, 0.5],
        [2, 0, null],
        [3, 0, null],
        [4, 1, null],
        [5, 0, null],
      ],
    );
    const sum = totals(points, []);
    assert.equal(sum.views, 5);
    assert.equal(sum.bounceRate, 1 / 2, 'bounces per session, not per view');
    assert.equal(sum.quickExitRate, 4 / 5, 'quick exits per view');
    assert.equal(sum.avgDuration, (4 * 10 + 2) / 5);
    assert.deepEqual(sum.peak, { ts: points[0]?.ts, views: 4 });
    const days = Array.from({ length: 30 }, (_, i) => Date.UTC(2026, 10, 1 + i));
    const mask = labelMask(days, 'day', 6);
    assert.ok(mask.filter(Boolean).length <= 6);
    assert.ok(
      days.filter((_, i) => mask[i]).every((ts) => new Date(ts).getUTCDay() === 1),
      'weekly labels on Mondays',
    );
  });
});

describe('dashboard History view in Chromium → pulse start', { timeout: 180_000 }, () => {
  before(async () => {
    await buildDashboard(); // fast when the build is current
    await mkdir(join(repoRoot, 'test-results'), { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-dashboard-history-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    pulse = spawnPulse(['start'], { PULSE_PORT: String(port), PULSE_DATA_DIR: dataDir, PULSE_LOG_LEVEL: 'warn' });
    await waitForHealth(base, pulse);
    browser = await launchChromium();
    // Reduced motion: the charts draw without transitions, so the screenshot shows them finished.
    context = await browser.newContext({ viewport: { width: 1366, height: 768 }, reducedMotion: 'reduce', extraHTTPHeaders: adminHeaders });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      // /api/sites is optional; the 503s are the ones the "not configured" test sends on purpose.
      const url = message.location().url;
      if (message.type() === 'error' && !url.endsWith('/api/sites') && !url.includes('/api/history/')) pageErrors.push(message.text());
    });
    page.on('request', (request) => {
      if (request.url().includes('/api/history/')) historyRequests.push(new URL(request.url()));
    });
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await pulse?.stop();
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  test('with an empty warehouse the view says there is nothing in the range', async () => {
    await page.goto(`${base}/dashboard/#history?range=1h`);
    await waitForState(['empty']);
    const shown = await page.evaluate(() => {
      const doc = (globalThis as unknown as InPage).document;
      return { empty: doc.querySelector('#history-empty')?.hidden, text: doc.querySelector('#history-empty h2')?.textContent };
    });
    assert.deepEqual(shown, { empty: false, text: 'No page views in this range' });
    assert.ok(historyRequests.length >= 5);
    assert.ok(
      historyRequests.every((url) => url.searchParams.get('site') === 'demo'),
      'every history request names the site of the shared selector',
    );
  });

  test('the known page views show with their exact figures in tiles, table and charts', async (t) => {
    await postKnownSet();
    const stored = await waitFor(
      async () => {
        const response = await fetch(`${base}/api/history/pages?site=demo`, { headers: adminHeaders });
        const body = (await response.json()) as { pages: { views: number }[] };
        return body.pages.reduce((sum, row) => sum + row.views, 0) === TOTAL_VIEWS ? body : undefined;
      },
      'the warehouse worker to store the known page views',
      30_000,
    );
    t.diagnostic(`stored: ${JSON.stringify(stored.pages)}`);

    // Live first, then the History tab: the last 24 hours, in hours.
    await page.goto(`${base}/dashboard/`);
    await page.waitForFunction(() =>
      /\d/.test((globalThis as unknown as InPage).document.querySelector('#tile-active [data-value]')?.textContent ?? ''),
    );
    await page.click('#tab-history');
    assert.equal(await hash(), '#history');
    await waitForState(['ready']);
    assert.equal(await page.getAttribute('[data-preset="24h"]', 'aria-pressed'), 'true');
    const view = await readView();
    t.diagnostic(JSON.stringify(view));
    assert.equal(view.bucket, 'hour');

    assert.deepEqual(view.tiles, {
      views: '11',
      bounce: '77.8%',
      bounceSub: '7 of 9 sessions',
      quickExits: '36.4%',
      quickExitsSub: '4 views under 5 s',
      duration: '21s',
      pages: '4',
    });
    assert.deepEqual(view.rows, [
      { page: '/pricing', views: '5', users: '4', bounceRate: '75.0%', quickExits: '2', duration: '23s' },
      { page: '/products', views: '3', users: '2', bounceRate: '50.0%', quickExits: '1', duration: '27s' },
      { page: '/', views: '2', users: '2', bounceRate: '100%', quickExits: '0', duration: '14s' },
      { page: '/contact', views: '1', users: '1', bounceRate: '100%', quickExits: '1', duration: '4s' },
    ]);
    assert.equal(
      view.traffic.reduce((a, b) => a + b, 0),
      TOTAL_VIEWS,
      'views over time add up',
    );
    assert.equal(
      view.qualityBounces.reduce((a, b) => a + b, 0),
      7,
      'bounces over time add up',
    );
    assert.equal(
      view.qualityQuickExits.reduce((a, b) => a + b, 0),
      4,
      'quick exits over time add up',
    );
    assert.deepEqual(view.referrers, [
      { value: 'www.google.com', views: 5 },
      { value: 'news.ycombinator.com', views: 3 },
      { value: '(direct)', views: 2 },
      { value: 'github.com', views: 1 },
    ]);
    assert.deepEqual(view.tech, [
      { value: 'Chrome', views: 6 },
      { value: 'Firefox', views: 3 },
      { value: 'Mobile Safari', views: 2 },
    ]);
    assert.deepEqual(view.utm, [
      { value: '(not set)', views: 5 },
      { value: 'newsletter', views: 4 },
      { value: 'twitter', views: 2 },
    ]);

    // The other breakdowns are a click away.
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('dimension=device')),
      page.click('[data-tech] [data-dimension="device"]'),
    ]);
    await page.waitForFunction(
      () => (globalThis as unknown as InPage).document.querySelector('#history-tech-legend li')?.getAttribute('data-value') === 'desktop',
    );
    assert.deepEqual((await readView()).tech, [
      { value: 'desktop', views: 9 },
      { value: 'mobile', views: 2 },
    ]);
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('dimension=browser')),
      page.click('[data-tech] [data-dimension="browser"]'),
    ]);

    // The header is sticky: scrolled by the clicks above, it would be drawn over the middle of a full-page shot.
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await page.screenshot({ path: screenshotPath, fullPage: true });
    t.diagnostic(`screenshot: ${screenshotPath}`);
    assert.deepEqual(pageErrors, []);
  });

  test('bot requests show in the Bots card (total, names as bars, not counted) and nowhere else', async (t) => {
    for (const bot of bots) {
      await postEvents(
        bot.userAgent,
        bot.types.map((type, index) => ({
          type,
          site: 'demo',
          user_id: `u-bot-${bot.name}`,
          session_id: `s-bot-${bot.name}`,
          url: `https://shop.example/bot-trap-${index}`,
          ...(type === 'click' ? { selector: 'a.buy' } : {}),
        })),
      );
    }
    const stored = await waitFor(
      async () => {
        const response = await fetch(`${base}/api/history/bots?site=demo`, { headers: adminHeaders });
        const body = (await response.json()) as { requests: number };
        return body.requests === BOT_REQUESTS ? body : undefined;
      },
      'the warehouse worker to store the bot requests',
      30_000,
    );
    t.diagnostic(`stored: ${JSON.stringify(stored)}`);

    // A fresh read of the range shown (the 24 hours the previous test left), bounded by the wait.
    await page.click('#history-reload');
    await page.waitForFunction(
      (wanted) => (globalThis as unknown as InPage).document.querySelector('#history-bots-total')?.textContent === wanted,
      String(BOT_REQUESTS),
      { timeout: 15_000 },
    );
    await waitForState(['ready']);
    const card = await page.evaluate(() => {
      const doc = (globalThis as unknown as InPage).document;
      const text = (selector: string) => doc.querySelector(selector)?.textContent?.trim() ?? '';
      return {
        total: text('#history-bots-total'),
        sub: text('#history-bots-sub'),
        counted: text('#history-bots-counted'),
        hint: text('#history-bots-hint'),
        bots: Array.from(doc.querySelectorAll('#history-bots-list li')).map((node) => ({
          name: node.getAttribute('data-value'),
          requests: Number(node.getAttribute('data-requests')),
        })),
      };
    });
    t.diagnostic(JSON.stringify(card));
    assert.deepEqual(card, {
      total: String(BOT_REQUESTS),
      sub: 'requests · 5 page views',
      counted: "Left out of this site's figures",
      hint: 'busiest 3 bots',
      bots: bots.map((bot) => ({ name: bot.name, requests: bot.types.length })),
    });
    // Drawn as bars: the chart's canvas is shown at a real size.
    const chart = await page.locator('#history-bots-chart').boundingBox();
    assert.ok(chart !== null && chart.width > 300 && chart.height > 100, `chart box ${JSON.stringify(chart)}`);

    // Left out of the figures: the tiles and the pages are still the known set's.
    const view = await readView();
    assert.equal(view.tiles.views, String(TOTAL_VIEWS));
    assert.deepEqual(
      view.rows.map((row) => row.page),
      ['/pricing', '/products', '/', '/contact'],
    );

    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await page.screenshot({ path: botsScreenshotPath, fullPage: true });
    t.diagnostic(`screenshot: ${botsScreenshotPath}`);
    assert.deepEqual(pageErrors, []);
  });

  test('presets, the bucket override and a custom range change the URL and the requests', async () => {
    const week = await timeseriesRequestOf(() => page.click('[data-preset="7d"]'));
    assert.equal(week.searchParams.get('bucket'), 'hour');
    assert.equal(spanOf(week), 7 * DAY);
    assert.equal(week.searchParams.get('site'), 'demo');
    assert.equal(await hash(), '#history?range=7d');
    assert.equal((await readView()).tiles.views, '11');

    const month = await timeseriesRequestOf(() => page.click('[data-preset="30d"]'));
    assert.equal(month.searchParams.get('bucket'), 'day');
    assert.equal(spanOf(month), 30 * DAY);
    assert.equal(await hash(), '#history?range=30d');

    // Finer than allowed for 30 days: minute is not offered.
    assert.equal(
      await page.evaluate(() =>
        (globalThis as unknown as InPage).document.querySelector('#history-bucket option[value="minute"]')?.getAttribute('disabled'),
      ),
      '',
    );

    const day = await timeseriesRequestOf(() => page.click('[data-preset="24h"]'));
    assert.equal(day.searchParams.get('bucket'), 'hour');
    assert.equal(spanOf(day), DAY);
    const overridden = await timeseriesRequestOf(() => page.selectOption('#history-bucket', 'minute'));
    assert.equal(overridden.searchParams.get('bucket'), 'minute');
    assert.equal(await hash(), '#history?range=24h&bucket=minute');
    const view = await readView();
    assert.equal(view.bucket, 'minute');
    assert.equal(view.tiles.views, '11');

    // A custom range: the inputs are local time; the request and the URL carry the same instants.
    const end = new Date(Date.now() + 5 * MINUTE);
    const start = new Date(end.getTime() - 3 * HOUR);
    const local = (date: Date) =>
      `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}T${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
    await timeseriesRequestOf(() => page.selectOption('#history-bucket', 'auto'));
    await page.fill('#history-from', local(start));
    await page.fill('#history-to', local(end));
    const custom = await timeseriesRequestOf(() => page.click('#history-range button[type="submit"]'));
    const minuteOf = (date: Date) => Math.floor(date.getTime() / MINUTE) * MINUTE;
    assert.equal(Date.parse(custom.searchParams.get('from') ?? ''), minuteOf(start));
    assert.equal(Date.parse(custom.searchParams.get('to') ?? ''), minuteOf(end));
    assert.equal(custom.searchParams.get('bucket'), 'hour', '3 hours: hour buckets');
    assert.equal(await hash(), `#history?from=${new Date(minuteOf(start)).toISOString()}&to=${new Date(minuteOf(end)).toISOString()}`);
    assert.equal((await readView()).tiles.views, '11');
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as InPage).document.querySelector('#history-range')?.getAttribute('data-custom')),
      'true',
    );

    // The URL alone restores the view (bookmark, reload).
    await page.reload();
    await waitForState(['ready']);
    assert.equal((await readView()).tiles.views, '11');

    // A range before any data: the empty state, with the range named.
    await page.goto(`${base}/dashboard/#history?from=2020-01-01T00:00:00.000Z&to=2020-01-02T00:00:00.000Z`);
    await waitForState(['empty']);
    assert.match(
      await page.evaluate(
        () => (globalThis as unknown as InPage).document.querySelector('#history-empty [data-message]')?.textContent ?? '',
      ),
      /site "demo"/,
    );
    assert.deepEqual(pageErrors, []);
  });

  test('a 503 history_unavailable shows "history not configured"', async () => {
    await page.route('**/api/history/**', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ error: 'history_unavailable', message: 'no warehouse is configured for this process' }),
      }),
    );
    try {
      await page.goto(`${base}/dashboard/#history?range=24h`);
      await waitForState(['unavailable']);
      const shown = await page.evaluate(() => {
        const doc = (globalThis as unknown as InPage).document;
        return {
          off: doc.querySelector('#history-off')?.hidden,
          title: doc.querySelector('#history-off h2')?.textContent,
          message: doc.querySelector('#history-off [data-message]')?.textContent,
          empty: doc.querySelector('#history-empty')?.hidden,
        };
      });
      assert.deepEqual(shown, {
        off: false,
        title: 'History is not configured',
        message: 'The server answered: no warehouse is configured for this process.',
        empty: true,
      });
    } finally {
      await page.unroute('**/api/history/**');
    }
    assert.deepEqual(pageErrors, []);
  });

  test('back on the Live tab the live view is shown again and keeps updating', async () => {
    await page.goto(`${base}/dashboard/#history?range=1h`);
    await waitForState(['ready']);
    await page.click('#tab-live');
    const views = () => {
      const doc = (globalThis as unknown as InPage).document;
      return { live: doc.querySelector('#live-view')?.hidden, history: doc.querySelector('#history-view')?.hidden };
    };
    // The click changes the hash at once; the views switch on the hashchange event that follows it.
    await page
      .waitForFunction(
        () => {
          const doc = (globalThis as unknown as InPage).document;
          return doc.querySelector('#live-view')?.hidden === false && doc.querySelector('#history-view')?.hidden === true;
        },
        undefined,
        { timeout: 10_000, polling: 50 },
      )
      .catch(() => undefined); // the assertion below names what was shown instead
    assert.deepEqual(await page.evaluate(views), { live: false, history: true });
    assert.equal(await hash(), '#live');
    await page.waitForFunction(
      () => (globalThis as unknown as InPage).document.querySelector('#connection')?.getAttribute('data-state') === 'live',
    );
    // The History tab remembers the range.
    assert.equal(await page.getAttribute('#tab-history', 'href'), '#history?range=1h');
    assert.deepEqual(pageErrors, []);
  });
});
