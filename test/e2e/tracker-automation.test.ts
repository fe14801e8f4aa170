import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { AUTOMATED_BROWSER, botNameOfUserAgent } from '../../src/contract/bot-traffic.ts';
import type { RealtimeSnapshot } from '../../src/stores/realtime/realtime-store.ts';
import type { BotTraffic, PageAggregate } from '../../src/stores/warehouse/warehouse.ts';
import { adminHeaders, repoRoot, waitFor } from '../helpers/services.ts';
import { join } from 'node:path';
import { launchChromium, newVisitor, type Visitor } from './support/browser.ts';
import type { InPage } from './support/page-globals.ts';
import { embeddedPulse, settledEvents, type PulseUnderTest } from './support/pulse-under-test.ts';

/**
 * A browser driven by automation (here Playwright: navigator.webdriver is true) is bot traffic.
 * The tracker reports it (`automated: true`), ingest flags it, and it is stored but left out of
 * every figure by default, counted only in the bot figures. A site in PULSE_COUNT_BOTS_SITES
 * counts it like a visitor — which is how the other tracker tests opt in (PULSE_COUNT_BOTS_SITES=demo).
 *
 * `pulse start` with two sites: `demo` (the default: bots left out) and `counted` (counts bots).
 */
describe('an automated visit (Chromium driven by Playwright) → pulse start', { timeout: 180_000 }, () => {
  let pulse: PulseUnderTest;
  let browser: Browser;
  const visitors: Visitor[] = [];

  before(async () => {
    pulse = await embeddedPulse({ PULSE_SITES: 'demo,counted', PULSE_COUNT_BOTS_SITES: 'counted' });
    browser = await launchChromium();
  });
  after(async () => {
    for (const visitor of visitors) await visitor.context.close();
    await browser?.close();
    await pulse?.close();
  });

  const getJson = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${pulse.base}${path}`, { headers: adminHeaders });
    assert.equal(response.status, 200, `GET ${path}`);
    return (await response.json()) as T;
  };
  const realtime = (site: string) => getJson<RealtimeSnapshot>(`/api/stats/realtime?site=${site}`);
  const history = (what: 'pages' | 'bots', site: string) =>
    getJson<{ pages: PageAggregate[] } & BotTraffic>(
      `/api/history/${what}?site=${site}&from=${new Date(Date.now() - 3_600_000).toISOString()}`,
    );

  /** One visit of `path` on `site`: a page view and a click, sent; returns what the bot figures name the browser. */
  async function visit(site: string, path: string): Promise<{ botName: string; userId: string }> {
    const visitor = await newVisitor(browser);
    visitors.push(visitor);
    const { context, page } = visitor;
    await context.route(`${pulse.base}${path}`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><html><head><title>${site}</title><script src="/t.js" data-site="${site}"></script></head>
          <body><button id="buy">Buy</button></body></html>`,
      }),
    );
    await page.goto(`${pulse.base}${path}`);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { navigator: { webdriver: boolean } }).navigator.webdriver), true);
    await page.click('#buy');
    await page.evaluate(() => (globalThis as unknown as InPage).pulse?.flush());
    await waitFor(async () => {
      const state = await page.evaluate(() => (globalThis as unknown as InPage).pulse?.getState());
      return state !== undefined && state.sent === 2 && state.queued === 0 ? true : undefined;
    }, 'the page view and the click sent');
    const userAgent = await page.evaluate(() => (globalThis as unknown as { navigator: { userAgent: string } }).navigator.userAgent);
    const userId = await page.evaluate(() => (globalThis as unknown as InPage).localStorage.getItem('pulse:uid'));
    assert.ok(userId);
    return { botName: botNameOfUserAgent(userAgent) ?? AUTOMATED_BROWSER, userId };
  }

  test('by default the visit is stored, flagged, and left out of every figure; the bot figures count it', async () => {
    const reader = await pulse.openReader();
    const { botName, userId } = await visit('demo', '/automation/demo.html');

    // Stored and flagged: both events are on the topic with the tracker's signal and ingest's verdict.
    const stored = await settledEvents(
      reader,
      (e) => e.value['user_id'] === userId,
      (events) => events.length >= 2,
    );
    assert.deepEqual(stored.map((e) => e.value['type']).sort(), ['click', 'page_view']);
    for (const event of stored) {
      assert.equal(event.value['automated'], true, 'the tracker reported navigator.webdriver');
      assert.equal(event.value['is_bot'], true, 'ingest flagged it');
      assert.equal(event.value['bot_name'], botName);
    }

    // Applied: the live bot figures count both events (so the figures below are final, not early).
    const live = await waitFor(async () => {
      const snapshot = await realtime('demo');
      return snapshot.bots.requestsLastHour === 2 ? snapshot : undefined;
    }, 'the live bot figures of demo');
    assert.deepEqual(live.bots, { counted: false, requestsLastHour: 2, topLastHour: [{ name: botName, requests: 2 }] });
    assert.equal(live.activeUsers, 0);
    assert.deepEqual([live.topPages, live.topPagesLastHour, live.feed], [[], [], []]);
    assert.equal(live.sessions.count, 0);
    assert.ok(live.eventsPerSecondSeries.every((point) => point.count === 0));

    const bots = await waitFor(async () => {
      const answer = await history('bots', 'demo');
      return answer.requests === 2 ? answer : undefined;
    }, 'the stored bot figures of demo');
    assert.deepEqual(
      { requests: bots.requests, pageViews: bots.pageViews, top: bots.top },
      { requests: 2, pageViews: 1, top: [{ name: botName, requests: 2 }] },
    );
    assert.deepEqual((await history('pages', 'demo')).pages, [], 'no page view in the history figures');

    // The dashboard shows it in its Bots tile, and nowhere else.
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, extraHTTPHeaders: adminHeaders });
    try {
      const page = await context.newPage();
      await page.goto(`${pulse.base}/dashboard/?site=demo`);
      await page.waitForFunction(
        () =>
          ((globalThis as unknown as InPage).document.querySelector('#tile-bots [data-value]') as { textContent: string | null } | null)
            ?.textContent === '2',
        undefined,
        { timeout: 30_000 },
      );
      const tile = (await page.textContent('#tile-bots')) ?? '';
      assert.match(tile, /left out/);
      assert.ok(tile.includes(`${botName} 2`), tile);
      assert.equal(await page.textContent('#tile-active [data-value]'), '0');
      await page.screenshot({ path: join(repoRoot, 'test-results', 'dashboard-bots.png') });
    } finally {
      await context.close();
    }
  });

  test('a site in PULSE_COUNT_BOTS_SITES counts the same visit like a visitor', async () => {
    const { botName } = await visit('counted', '/automation/counted.html');
    const live = await waitFor(async () => {
      const snapshot = await realtime('counted');
      return snapshot.bots.requestsLastHour === 2 && snapshot.feed.length === 2 ? snapshot : undefined;
    }, 'the live figures of counted');
    assert.equal(live.activeUsers, 1);
    assert.deepEqual(live.topPages, [{ path: '/automation/counted.html', views: 1 }]);
    assert.deepEqual(live.bots, { counted: true, requestsLastHour: 2, topLastHour: [{ name: botName, requests: 2 }] });
    const pages = await waitFor(async () => {
      const answer = await history('pages', 'counted');
      return answer.pages.length > 0 ? answer.pages : undefined;
    }, 'the history of counted');
    assert.deepEqual(
      pages.map((p) => [p.page, p.views, p.unique_users]),
      [['/automation/counted.html', 1, 1]],
    );
    assert.equal((await history('bots', 'counted')).requests, 2, 'still in the bot figures');
  });
});
