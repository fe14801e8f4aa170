import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { buildDashboard } from '../../src/dashboard/build.ts';
import { formatCount } from '../../src/dashboard/web/src/format.ts';
import { loadSampleCatalog } from '../../src/shop/catalog/read-catalog.ts';
import { categoryFigures } from '../../src/shop/category-figures.ts';
import type { Product } from '../../src/shop/product.ts';
import type { CategoryFigure, QueryStats } from '../../src/stores/search/search-index.ts';
import { adminHeaders, freePort, repoRoot, spawnPulse, waitFor, waitForHealth, type PulseProcess } from '../helpers/services.ts';
import { launchChromium } from './support/browser.ts';

/**
 * The dashboard's Shop view (`#shop`) in headless Chromium against `pulse start`.
 * The sample catalog is published through the admin API and the brand "FakeBrand"
 * banned; once /api/shop/categories reports exactly the catalog without FakeBrand,
 * known searches are made through the client API. The view must then show those
 * categories in its chart (read back from the Chart.js instance through the
 * canvas's `data-chart`) and its figures, the searched texts in "Top queries" and
 * the ones that found nothing in "Queries with no result"; a search made while the
 * page is open must appear without a reload, pushed over /api/shop/stream. It must
 * fall back to polling without the stream, and say the marketplace is not enabled
 * when the shop API answers 404. Screenshot: test-results/dashboard-shop.png.
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
  scrollTo(x: number, y: number): void;
  shopMarker?: string;
}

interface ChartData {
  labels: string[];
  datasets: { label: string; data: number[] }[];
}

const screenshotPath = join(repoRoot, 'test-results', 'dashboard-shop.png');
const BANNED_BRAND = 'FakeBrand';
const NO_RESULT = 'zzzxqv';

/** The searches the test makes before opening the page: [text, user]. */
const searches: [string, string][] = [
  ['часы', 'shopper-1'],
  ['часы', 'shopper-2'],
  ['Часы ', 'shopper-3'], // lower-cased and trimmed: counts as «часы»
  ['laptop', 'shopper-4'],
  [NO_RESULT, 'shopper-5'],
  [NO_RESULT, 'shopper-1'],
];

let base = '';
let dataDir = '';
let pulse: PulseProcess | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page;
let expected: CategoryFigure[] = [];
const pageErrors: string[] = [];
/** Console errors of failed loads a test provokes on purpose (its routes answer 404). */
let expectedFailures: RegExp | undefined;
const shopRequests: { url: URL; type: string }[] = [];

async function api<T>(path: string, init?: { method: string; body: unknown }): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    ...(init === undefined
      ? { headers: adminHeaders }
      : { method: init.method, headers: { 'content-type': 'application/json', ...adminHeaders }, body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  assert.ok(response.ok, `${init?.method ?? 'GET'} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

const search = (q: string, user: string) =>
  api<{ total: number }>(`/api/shop/search?q=${encodeURIComponent(q)}&user_id=${encodeURIComponent(user)}`);

const stats = () => api<QueryStats>('/api/shop/stats');

/** Waits for the query log to hold what `ready` checks (queries reach the index through the `client-queries` topic). */
const statsWhere = (ready: (answer: QueryStats) => boolean, what: string) =>
  waitFor(
    async () => {
      const answer = await stats();
      return ready(answer) ? answer : undefined;
    },
    what,
    30_000,
  );

const countOf = (rows: { query: string; count: number }[], query: string) => rows.find((row) => row.query === query)?.count ?? 0;

const waitForView = (states: string[]) =>
  page.waitForFunction(
    (wanted) => wanted.includes((globalThis as unknown as InPage).document.querySelector('#shop-view')?.getAttribute('data-state') ?? ''),
    states,
  );

const connectionState = () =>
  page.evaluate(() => (globalThis as unknown as InPage).document.querySelector('#shop-connection')?.getAttribute('data-state'));

/** Everything the view shows, as the page holds it. */
async function readView() {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as InPage).document;
    const text = (selector: string) => doc.querySelector(selector)?.textContent?.trim() ?? '';
    const chart = (id: string) => JSON.parse(doc.querySelector(`#${id}`)?.getAttribute('data-chart') ?? 'null') as ChartData | null;
    const ranks = (id: string) =>
      Array.from(doc.querySelectorAll(`#${id} li`)).map((node) => ({
        query: node.getAttribute('data-query') ?? '',
        count: Number(node.getAttribute('data-count')),
      }));
    return {
      state: doc.querySelector('#shop-view')?.getAttribute('data-state'),
      updates: Number(doc.querySelector('#shop-view')?.getAttribute('data-updates') ?? 0),
      tiles: {
        searches: text('#shop-tile-searches [data-value]'),
        recommendations: text('#shop-tile-recommendations [data-value]'),
        users: text('#shop-tile-users [data-value]'),
        products: text('#shop-tile-products [data-value]'),
        stock: text('#shop-tile-stock [data-value]'),
      },
      categoriesChart: chart('shop-categories-chart'),
      categoriesList: Array.from(doc.querySelectorAll('#shop-categories-list li')).map((node) => ({
        category: node.getAttribute('data-category') ?? '',
        product_count: Number(node.getAttribute('data-count')),
        avg_price: Number(node.getAttribute('data-avg-price')),
        total_available: Number(node.getAttribute('data-available')),
      })),
      tableRows: doc.querySelectorAll('#shop-categories-table tbody tr').length,
      queriesChart: chart('shop-queries-chart'),
      usersChart: chart('shop-users-chart'),
      topQueries: ranks('shop-top-queries'),
      noResults: ranks('shop-no-results'),
    };
  });
}

const sum = (values: readonly number[] | undefined) => (values ?? []).reduce((total, value) => total + value, 0);

describe('dashboard Shop view in Chromium → pulse start', { timeout: 240_000 }, () => {
  before(async () => {
    await buildDashboard(); // fast when the build is current
    await mkdir(join(repoRoot, 'test-results'), { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-dashboard-shop-'));
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
      const url = message.location().url;
      if (message.type() !== 'error' || url.endsWith('/api/sites')) return; // /api/sites is optional
      if (expectedFailures?.test(`${message.text()} ${url}`) === true) return;
      pageErrors.push(`${message.text()} (${url})`);
    });
    page.on('request', (request) => {
      if (request.url().includes('/api/shop/')) shopRequests.push({ url: new URL(request.url()), type: request.resourceType() });
    });
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await pulse?.stop();
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  test('the sample catalog, without the banned brand, reaches the categories API', async (t) => {
    const catalog: Product[] = await loadSampleCatalog();
    const allowed = catalog.filter((product) => product.brand !== BANNED_BRAND);
    assert.ok(allowed.length < catalog.length, `the sample catalog has ${BANNED_BRAND} products`);
    expected = categoryFigures(allowed);

    assert.deepEqual(await api('/api/admin/shop/products', { method: 'POST', body: catalog }), { published: catalog.length });
    await api('/api/admin/shop/bans', { method: 'POST', body: { kind: 'brand', value: BANNED_BRAND } });
    // The exact figures of every category, not only the total: a moment when some banned products were
    // still indexed and some allowed ones not yet cannot pass for the end state.
    const shown = await waitFor(
      async () => {
        const answer = await api<{ categories: CategoryFigure[] }>('/api/shop/categories');
        const total = sum(answer.categories.map((row) => row.product_count));
        return total === allowed.length && JSON.stringify(answer.categories) === JSON.stringify(expected) ? answer : undefined;
      },
      `/api/shop/categories to sum to ${allowed.length} products (${catalog.length} less ${BANNED_BRAND}'s)`,
      60_000,
    );
    t.diagnostic(`${shown.categories.length} categories, ${allowed.length} products`);
  });

  test('known searches reach the query log: top queries and queries with no result', async (t) => {
    for (const [q, user] of searches) {
      const answer = await search(q, user);
      if (q === NO_RESULT) assert.equal(answer.total, 0, `${q} finds nothing`);
      else assert.ok(answer.total > 0, `${q} finds something`);
    }
    await api('/api/shop/recommendations?user_id=shopper-1');
    const answer = await statsWhere(
      (s) => s.searches === searches.length && s.recommendations === 1,
      `${searches.length} searches and 1 recommendation in /api/shop/stats`,
    );
    t.diagnostic(JSON.stringify({ topQueries: answer.topQueries, noResults: answer.noResults }));
    assert.equal(countOf(answer.topQueries, 'часы'), 3);
    assert.equal(countOf(answer.noResults, NO_RESULT), 2);
    assert.equal(countOf(answer.noResults, 'часы'), 0);
  });

  test('the Shop view shows the categories chart, the statistics and both lists, pushed over SSE', async (t) => {
    await page.goto(`${base}/dashboard/`);
    await page.click('#tab-shop');
    await waitForView(['ready']);
    await waitFor(async () => ((await connectionState()) === 'live' ? true : undefined), 'the shop stream to be live', 15_000);
    assert.equal(await page.title(), 'Pulse · shop');
    assert.equal(await page.getAttribute('#tab-shop', 'aria-current'), 'page');
    assert.deepEqual(
      await page.evaluate(() => {
        const doc = (globalThis as unknown as InPage).document;
        return { live: doc.querySelector('#live-view')?.hidden, history: doc.querySelector('#history-view')?.hidden };
      }),
      { live: true, history: true },
    );
    const view = await readView();
    t.diagnostic(JSON.stringify(view));

    // Top categories: one bar per category, most products first, the chart's own data.
    const ranked = [...expected].sort((a, b) => b.product_count - a.product_count || (a.category < b.category ? -1 : 1));
    assert.ok(view.categoriesChart !== null, 'the categories chart was drawn');
    assert.deepEqual(
      view.categoriesChart.labels,
      ranked.map((row) => row.category),
    );
    assert.deepEqual(
      view.categoriesChart.datasets[0]?.data,
      ranked.map((row) => row.product_count),
    );
    // Average price and stock beside it (the chart's text twin and the figures table).
    assert.deepEqual(view.categoriesList, ranked);
    assert.equal(view.tableRows, expected.length);
    const products = sum(expected.map((row) => row.product_count));
    const stock = sum(expected.map((row) => row.total_available));
    assert.deepEqual(view.tiles, {
      searches: String(searches.length),
      recommendations: '1',
      users: '5',
      products: formatCount(products),
      stock: formatCount(stock),
    });

    // Queries per minute and active users: an hour of minutes, holding every query made.
    const minutes = view.queriesChart?.labels.length ?? 0;
    assert.ok(minutes === 60 || minutes === 61, `the minutes of the last hour, the first one cut by the range: ${minutes}`);
    assert.equal(sum(view.queriesChart?.datasets[0]?.data), searches.length, 'searches');
    assert.equal(sum(view.queriesChart?.datasets[1]?.data), 1, 'recommendations');
    assert.ok(Math.max(...(view.usersChart?.datasets[0]?.data ?? [0])) >= 1, 'active users');

    assert.deepEqual(view.topQueries[0], { query: 'часы', count: 3 });
    assert.ok(view.topQueries.some((row) => row.query === 'laptop' && row.count === 1));
    assert.deepEqual(view.noResults, [{ query: NO_RESULT, count: 2 }]);

    const streams = shopRequests.filter((request) => request.url.pathname === '/api/shop/stream');
    assert.equal(streams.length, 1, 'one EventSource');
    assert.equal(streams[0]?.type, 'eventsource');
    assert.deepEqual(pageErrors, []);
  });

  test('a search made while the page is open appears without a reload (pushed)', async (t) => {
    const marker = randomUUID();
    await page.evaluate((value) => ((globalThis as unknown as InPage).shopMarker = value), marker);
    const requestsBefore = shopRequests.length;
    const text = `qqpush${marker.slice(0, 6)}`;
    const asked = Date.now();
    assert.equal((await search(text, 'shopper-6')).total, 0);
    await page.waitForFunction(
      (text) => {
        const doc = (globalThis as unknown as InPage).document;
        const inList = (id: string) =>
          Array.from(doc.querySelectorAll(`#${id} li`)).some((node) => node.getAttribute('data-query') === text);
        return (
          inList('shop-top-queries') && inList('shop-no-results') && doc.querySelector('#shop-tile-users [data-value]')?.textContent === '6'
        );
      },
      text,
      { timeout: 20_000 },
    );
    t.diagnostic(`on the page ${Date.now() - asked} ms after the search answered`);
    const view = await readView();
    assert.equal(view.tiles.searches, String(searches.length + 1));
    assert.ok(
      view.noResults.some((row) => row.query === text && row.count === 1),
      'the new no-result query',
    );
    assert.equal(await page.evaluate(() => (globalThis as unknown as InPage).shopMarker), marker, 'the page was not reloaded');
    assert.equal(await connectionState(), 'live');
    assert.deepEqual(shopRequests.slice(requestsBefore), [], 'no request from the page: the update was pushed on the open stream');
    assert.deepEqual(pageErrors, []);
  });

  test('the search box shows hits with their category and brand facets (screenshot)', async (t) => {
    await page.fill('#shop-q', 'часы');
    await page.click('#shop-search button[type="submit"]');
    await page.waitForFunction(() => (globalThis as unknown as InPage).document.querySelectorAll('#shop-hits li').length > 0);
    const result = await page.evaluate(() => {
      const doc = (globalThis as unknown as InPage).document;
      const facet = (name: string) =>
        Array.from(doc.querySelectorAll(`#shop-facets [data-facet="${name}"] button`)).map((node) => node.getAttribute('data-value'));
      return {
        total: Number(doc.querySelector('#shop-search-summary')?.getAttribute('data-total')),
        hits: Array.from(doc.querySelectorAll('#shop-hits li .hit-meta')).map((node) => node.textContent ?? ''),
        categories: facet('category'),
        brands: facet('brand'),
      };
    });
    t.diagnostic(JSON.stringify(result));
    assert.ok(result.total > 0 && result.hits.length > 0);
    assert.ok(result.categories.length > 0 && result.brands.length > 0);
    assert.ok(!result.brands.includes(BANNED_BRAND), 'banned products are not found');

    // A brand facet narrows the hits to that brand.
    const brand = result.brands[0] ?? '';
    await page.click(`#shop-facets [data-facet="brand"] button[data-value="${brand}"]`);
    await page.waitForFunction(
      (brand) =>
        (globalThis as unknown as InPage).document
          .querySelector(`#shop-facets [data-facet="brand"] button[data-value="${brand}"]`)
          ?.getAttribute('aria-pressed') === 'true',
      brand,
    );
    const metas = await page.evaluate(() =>
      Array.from((globalThis as unknown as InPage).document.querySelectorAll('#shop-hits li .hit-meta')).map(
        (node) => node.textContent ?? '',
      ),
    );
    assert.ok(metas.length > 0 && metas.every((meta) => meta.startsWith(`${brand} · `)), JSON.stringify(metas));
    // The dashboard's searches are logged under their own user, like any client's.
    await waitFor(
      async () => {
        const view = await readView();
        return countOf(view.topQueries, 'часы') >= 4 ? true : undefined;
      },
      'the search box query in the pushed top queries',
      20_000,
    );

    await page.evaluate(() => (globalThis as unknown as InPage).scrollTo(0, 0));
    await page.screenshot({ path: screenshotPath, fullPage: true });
    t.diagnostic(`screenshot: ${screenshotPath}`);
    assert.deepEqual(pageErrors, []);
  });

  test('leaving the Shop view closes its stream', async () => {
    const stream = (request: Request) => new URL(request.url()).pathname === '/api/shop/stream';
    const ended = Promise.race([
      page.waitForEvent('requestfailed', { predicate: stream, timeout: 10_000 }).catch(() => undefined),
      page.waitForEvent('requestfinished', { predicate: stream, timeout: 10_000 }).catch(() => undefined),
    ]);
    await page.click('#tab-live');
    assert.ok((await ended) !== undefined, 'the EventSource request on /api/shop/stream ended');
    assert.equal(await page.evaluate(() => (globalThis as unknown as InPage).document.querySelector('#shop-view')?.hidden), true);
    assert.deepEqual(pageErrors, []);
  });

  test('without the stream the view polls the shop API', async () => {
    await page.route('**/api/shop/stream', (route) => route.fulfill({ status: 503, contentType: 'text/plain', body: 'no streams here' }));
    expectedFailures = /\/api\/shop\/stream|EventSource/;
    try {
      await page.goto(`${base}/dashboard/#shop`);
      await waitForView(['ready']);
      await waitFor(async () => ((await connectionState()) === 'polling' ? true : undefined), 'the polling state', 15_000);
      const polls = () => shopRequests.filter((request) => request.url.pathname === '/api/shop/stats').length;
      const before = polls();
      await waitFor(async () => (polls() > before ? true : undefined), 'another poll', 15_000);
      const view = await readView();
      assert.equal(view.categoriesChart?.labels.length, expected.length);
      assert.equal(countOf(view.noResults, NO_RESULT), 2);
    } finally {
      await page.unroute('**/api/shop/stream');
      expectedFailures = undefined;
    }
    assert.deepEqual(pageErrors, []);
  });

  test('when the shop API answers 404 the view says the marketplace is not enabled', async () => {
    await page.route('**/api/shop/**', (route) =>
      route.fulfill({
        status: 404,
        contentType: 'application/json',
        body: JSON.stringify({ error: 'not_found', message: 'Route not found' }),
      }),
    );
    expectedFailures = /\/api\/shop\/|EventSource/;
    try {
      await page.goto(`${base}/dashboard/#shop`);
      await waitForView(['off']);
      const shown = await page.evaluate(() => {
        const doc = (globalThis as unknown as InPage).document;
        return {
          off: doc.querySelector('#shop-off')?.hidden,
          title: doc.querySelector('#shop-off h2')?.textContent,
          connection: doc.querySelector('#shop-connection [data-text]')?.textContent,
          banner: doc.querySelector('#banner')?.hidden,
        };
      });
      assert.deepEqual(shown, {
        off: false,
        title: 'The marketplace is not enabled on this server',
        connection: 'Not enabled',
        banner: true,
      });
    } finally {
      await page.unroute('**/api/shop/**');
      expectedFailures = undefined;
    }
    assert.deepEqual(pageErrors, []);
  });
});
