import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../src/config/config.ts';
import { buildDashboard } from '../../src/dashboard/build.ts';
import { embeddedStoresFrom } from '../../src/runtime/embedded-adapters.ts';
import { CHROME_UA } from '../helpers/events.ts';
import { realtimeEvent } from '../helpers/realtime-store-suite.ts';
import { adminHeaders, freePort, repoRoot, spawnPulse, waitFor, waitForHealth, type PulseProcess } from '../helpers/services.ts';
import { launchChromium } from './support/browser.ts';

/**
 * The dashboard's Funnels, Retention and Events views in headless Chromium against `pulse start`.
 * The embedded warehouse is seeded before the start with a known set of events spread over three
 * days (a retention table needs more than today), and two more custom events go through ingest
 * while it runs. The views must show exactly the figures worked out by hand below; a funnel is
 * saved, found again after a reload and deleted. Screenshots: test-results/funnels.png,
 * retention.png, events.png.
 */

/** What code inside `page.evaluate` uses (the tests' tsconfig has no DOM types). */
interface PageNode {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageNode | null;
  querySelectorAll(selector: string): ArrayLike<PageNode>;
}
interface InPage {
  document: { querySelector(selector: string): PageNode | null; querySelectorAll(selector: string): ArrayLike<PageNode> };
  scrollTo(x: number, y: number): void;
}

const SITE = 'demo';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const resultsDir = join(repoRoot, 'test-results');

/** Day 0 of the dataset: UTC midnight five days ago, so every preset from 7 days on and the 14-day retention hold it. */
const D0 = Math.floor(Date.now() / DAY) * DAY - 5 * DAY;

const page_ = (user: string, at: number, path: string) => realtimeEvent('page_view', { site: SITE, user, at, path });
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
 * Day 0: u1 views /pricing, signs up (pro) a minute later and buys five minutes after the view; u2
 * views /pricing, then /about, and signs up (free) two minutes after; u3 signs up (free) before
 * viewing /pricing; u4 signs up (pro) with no page view. Day 1: u1 is back; u5 arrives. Day 2: u1
 * and u2 are back; u5 signs up (no properties).
 *
 * Funnel /pricing → signup → purchase (in order, 24 h, visitors): 3, 2, 1.
 * Retention (daily): the day-0 cohort has 4 visitors, 1 back on day 1 and 2 on day 2; the day-1 cohort 1, back on day 1 after;
 * today's cohort the 2 newsletter readers.
 * Custom events: signup 5 (plan: free 2, pro 2, (none) 1), purchase 1; plus newsletter 2 sent through ingest now.
 */
const seeded = [
  page_('u1', D0 + 1 * HOUR, '/pricing'),
  custom('u1', D0 + 1 * HOUR + 60_000, 'signup', { plan: 'pro' }),
  custom('u1', D0 + 1 * HOUR + 300_000, 'purchase', { amount: 49 }),
  page_('u2', D0 + 2 * HOUR, '/pricing'),
  page_('u2', D0 + 2 * HOUR + 60_000, '/about'),
  custom('u2', D0 + 2 * HOUR + 120_000, 'signup', { plan: 'free' }),
  custom('u3', D0 + 3 * HOUR - 60_000, 'signup', { plan: 'free' }),
  page_('u3', D0 + 3 * HOUR, '/pricing'),
  custom('u4', D0 + 4 * HOUR, 'signup', { plan: 'pro' }),
  page_('u1', D0 + DAY + HOUR, '/'),
  page_('u5', D0 + DAY + 5 * HOUR, '/pricing/enterprise'),
  page_('u1', D0 + 2 * DAY + HOUR, '/'),
  page_('u2', D0 + 2 * DAY + 2 * HOUR, '/'),
  custom('u5', D0 + 2 * DAY, 'signup'),
];

let base = '';
let dataDir = '';
let pulse: PulseProcess | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page;
const pageErrors: string[] = [];

/** The warehouse `pulse start` will open, written before it starts (one process holds the embedded databases at a time). */
async function seedWarehouse(): Promise<void> {
  const stores = await embeddedStoresFrom(loadConfig({ PULSE_DATA_DIR: dataDir, PULSE_LOG_LEVEL: 'silent' }));
  try {
    assert.equal(stores.warehouse.kind, 'sqlite', 'the embedded default');
    await stores.warehouse.writeEvents(seeded);
  } finally {
    await stores.close();
  }
}

async function postNewsletterSignups(): Promise<void> {
  const events = ['n1', 'n2'].map((user) => ({
    type: 'custom',
    site: SITE,
    user_id: `u-analytics-${user}`,
    session_id: `s-analytics-${user}`,
    url: 'https://shop.example/blog',
    name: 'newsletter',
    props: { source: 'footer' },
  }));
  const response = await fetch(`${base}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA },
    body: JSON.stringify(events),
  });
  assert.equal(response.status, 202, await response.text());
}

const waitForPanel = (panel: string, states: string[]) =>
  page.waitForFunction(
    ([id, wanted]) => wanted.includes((globalThis as unknown as InPage).document.querySelector(`#${id}`)?.getAttribute('data-state') ?? ''),
    [panel, states] as const,
  );

async function readFunnel() {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as InPage).document;
    return {
      bars: Array.from(doc.querySelectorAll('#funnel-list li')).map((li) => ({
        step: li.getAttribute('data-step'),
        entered: Number(li.getAttribute('data-entered')),
        conversion: Number(li.getAttribute('data-conversion')),
      })),
      rows: Array.from(doc.querySelectorAll('#funnel-table tbody tr')).map((tr) =>
        ['entered', 'converted', 'dropped', 'from_previous', 'from_first', 'median'].map(
          (col) => tr.querySelector(`[data-col="${col}"]`)?.textContent ?? '',
        ),
      ),
      status: doc.querySelector('#funnels-view .analytics-status')?.textContent ?? '',
    };
  });
}

async function setStep(index: number, kind: 'page' | 'event', target: string): Promise<void> {
  const row = `#funnel-steps li:nth-child(${index + 1})`;
  await page.selectOption(`${row} [data-part="kind"]`, kind);
  await page.fill(`${row} [data-part="target"]`, target);
}

async function screenshot(name: string): Promise<void> {
  await page.evaluate(() => (globalThis as unknown as InPage).scrollTo(0, 0));
  await page.screenshot({ path: join(resultsDir, name), fullPage: true });
}

describe('dashboard Funnels, Retention and Events in Chromium → pulse start', { timeout: 300_000 }, () => {
  before(async () => {
    await buildDashboard(); // fast when the build is current
    await mkdir(resultsDir, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-dashboard-analytics-'));
    await seedWarehouse();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    pulse = spawnPulse(['start'], { PULSE_PORT: String(port), PULSE_DATA_DIR: dataDir, PULSE_LOG_LEVEL: 'warn' });
    await waitForHealth(base, pulse);
    await postNewsletterSignups();
    await waitFor(
      async () => {
        const response = await fetch(`${base}/api/history/events?site=${SITE}&hours=24`, { headers: adminHeaders });
        const body = (await response.json()) as { events: { name: string; events: number }[] };
        return body.events.find((row) => row.name === 'newsletter')?.events === 2 ? true : undefined;
      },
      'the warehouse worker to store the newsletter signups',
      60_000,
    );
    browser = await launchChromium();
    // Reduced motion: the charts draw without transitions, so the screenshots show them finished.
    context = await browser.newContext({ viewport: { width: 1366, height: 900 }, reducedMotion: 'reduce', extraHTTPHeaders: adminHeaders });
    context.setDefaultTimeout(20_000);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await pulse?.stop();
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  test('Funnels: the steps show their figures as bars and a table; a saved funnel loads again after a reload', async (t) => {
    await page.goto(`${base}/dashboard/#funnels`);
    await page.waitForSelector('#funnels-view');
    await setStep(0, 'page', '/pricing');
    await setStep(1, 'event', 'signup');
    await page.click('#funnel-add-step');
    await setStep(2, 'event', 'purchase');
    await page.click('#funnel-run');
    await waitForPanel('funnels-view', ['ready']);
    const shown = await readFunnel();
    t.diagnostic(JSON.stringify(shown));
    assert.deepEqual(shown.bars, [
      { step: 'page:/pricing', entered: 3, conversion: 1 },
      { step: 'event:signup', entered: 2, conversion: 2 / 3 },
      { step: 'event:purchase', entered: 1, conversion: 1 / 3 },
    ]);
    assert.deepEqual(shown.rows, [
      ['3', '2', '1', '–', '100%', '–'],
      ['2', '1', '1', '66.7%', '66.7%', shown.rows[1]?.[5] ?? ''],
      ['1', '1', '0', '50.0%', '33.3%', '4m 00s'],
    ]);
    assert.match(shown.status, /1 of 3 visitors completed the funnel \(33\.3%\)/);

    // A property filter narrows a step: only u1 signed up on the pro plan after /pricing.
    await page.fill('#funnel-steps li:nth-child(2) [data-part="key"]', 'plan');
    await page.fill('#funnel-steps li:nth-child(2) [data-part="value"]', 'pro');
    await page.click('#funnel-run');
    await page.waitForFunction(
      () =>
        (globalThis as unknown as InPage).document.querySelector('#funnel-list li:nth-child(2)')?.getAttribute('data-step') ===
        'event:signup|plan=pro',
    );
    await waitForPanel('funnels-view', ['ready']);
    assert.deepEqual(
      (await readFunnel()).bars.map((bar) => bar.entered),
      [3, 1, 1],
    );
    await screenshot('funnels.png');

    await page.fill('#funnel-name', 'Pro signups');
    await page.click('#funnel-save');
    await page.waitForFunction(() =>
      /Saved/.test((globalThis as unknown as InPage).document.querySelector('#funnel-saved-note')?.textContent ?? ''),
    );
    const stored = (await (await fetch(`${base}/api/funnels?site=${SITE}`, { headers: adminHeaders })).json()) as {
      funnels: { name: string; steps: string[]; order: string; window: number }[];
    };
    assert.deepEqual(
      stored.funnels.map(({ name, steps, order, window }) => ({ name, steps, order, window })),
      [{ name: 'Pro signups', steps: ['page:/pricing', 'event:signup|plan=pro', 'event:purchase'], order: 'sequential', window: 86_400 }],
    );

    // After a reload the editor starts afresh; loading the saved funnel asks its question again.
    await page.reload();
    await page.waitForSelector('#funnels-view');
    await page.waitForFunction(
      () => (globalThis as unknown as InPage).document.querySelector('#funnel-saved-list option')?.textContent === 'Pro signups',
    );
    assert.equal(await page.inputValue('#funnel-steps li:nth-child(1) [data-part="target"]'), '/');
    await page.click('#funnel-load');
    await page.waitForFunction(() => (globalThis as unknown as InPage).document.querySelectorAll('#funnel-list li').length === 3);
    await waitForPanel('funnels-view', ['ready']);
    assert.deepEqual(await page.inputValue('#funnel-steps li:nth-child(2) [data-part="value"]'), 'pro');
    assert.deepEqual(
      (await readFunnel()).bars.map((bar) => [bar.step, bar.entered]),
      [
        ['page:/pricing', 3],
        ['event:signup|plan=pro', 1],
        ['event:purchase', 1],
      ],
    );

    await page.click('#funnel-delete');
    await page.waitForFunction(() =>
      /Deleted/.test((globalThis as unknown as InPage).document.querySelector('#funnel-saved-note')?.textContent ?? ''),
    );
    const left = (await (await fetch(`${base}/api/funnels?site=${SITE}`, { headers: adminHeaders })).json()) as { funnels: unknown[] };
    assert.deepEqual(left.funnels, []);
    assert.deepEqual(pageErrors, []);
  });

  test('Retention: the triangle table with shares coloured as a heat map, and the curve', async (t) => {
    await page.click('#tab-retention');
    await waitForPanel('retention-view', ['ready']);
    const shown = await page.evaluate(() => {
      const doc = (globalThis as unknown as InPage).document;
      return {
        cohorts: Array.from(doc.querySelectorAll('#retention-table tbody tr'))
          .filter((tr) => Number(tr.getAttribute('data-visitors')) > 0)
          .map((tr) => ({
            cohort: tr.getAttribute('data-cohort'),
            visitors: Number(tr.getAttribute('data-visitors')),
            counts: Array.from(tr.querySelectorAll('td.retention-cell[data-count]')).map((td) => Number(td.getAttribute('data-count'))),
            shares: Array.from(tr.querySelectorAll('td.retention-cell[data-count]')).map((td) => td.textContent),
            coloured: Array.from(tr.querySelectorAll('td.retention-cell[data-count]')).every((td) =>
              /rgba\(129, 140, 248/.test(td.getAttribute('style') ?? ''),
            ),
          })),
        curve: Array.from(doc.querySelectorAll('#retention-list li')).map((li) => Number(li.getAttribute('data-share'))),
      };
    });
    t.diagnostic(JSON.stringify(shown));
    // The two newsletter readers of today are today's cohort.
    const [day0, day1, today] = shown.cohorts;
    assert.equal(shown.cohorts.length, 3);
    assert.deepEqual([today?.visitors, today?.counts], [2, [2]]);
    assert.deepEqual(
      [day0?.cohort, day0?.visitors, day0?.counts.slice(0, 3), day0?.shares.slice(0, 3)],
      [new Date(D0).toISOString(), 4, [4, 1, 2], ['100%', '25.0%', '50.0%']],
    );
    assert.ok(
      day0?.counts.slice(3).every((n) => n === 0),
      'nobody of day 0 came back after day 2',
    );
    assert.deepEqual([day1?.cohort, day1?.visitors, day1?.counts.slice(0, 2)], [new Date(D0 + DAY).toISOString(), 1, [1, 1]]);
    assert.ok(day0?.coloured === true && day1?.coloured === true, 'every share has its heat colour');
    // The curve: day 0 is everyone; day 1: (1 + 1) of (4 + 1) (today's cohort has no day 1 yet); day 2: 2 of (4 + 1).
    assert.deepEqual(shown.curve.slice(0, 3), [1, 2 / 5, 2 / 5]);
    await screenshot('retention.png');
    assert.deepEqual(pageErrors, []);
  });

  test('Events: counts, visitors and trend of each custom event, and one event by one property', async (t) => {
    await page.click('#tab-events');
    await waitForPanel('events-view', ['ready']);
    const readEvents = () =>
      page.evaluate(() => {
        const doc = (globalThis as unknown as InPage).document;
        const rows = (selector: string, key: string) =>
          Array.from(doc.querySelectorAll(`${selector} tbody tr`)).map((tr) => [
            tr.getAttribute(key),
            tr.querySelector('[data-col="events"]')?.textContent,
            tr.querySelector('[data-col="visitors"]')?.textContent,
          ]);
        return {
          events: rows('#events-table', 'data-name'),
          bars: Array.from(doc.querySelectorAll('#events-list li')).map((li) => [
            li.getAttribute('data-name'),
            Number(li.getAttribute('data-events')),
          ]),
          trend: Array.from(doc.querySelectorAll('#events-trend-list li')).map((li) => [
            li.getAttribute('data-name'),
            Number(li.getAttribute('data-events')),
          ]),
          values: rows('#events-values-table', 'data-value'),
          valueBars: Array.from(doc.querySelectorAll('#events-values-list li')).map((li) => [
            li.getAttribute('data-value'),
            Number(li.getAttribute('data-events')),
          ]),
          key: (doc.querySelector('#events-property-key') as unknown as { value: string } | null)?.value,
        };
      });
    let shown = await readEvents();
    t.diagnostic(JSON.stringify(shown));
    assert.deepEqual(shown.events, [
      ['signup', '5', '5'],
      ['newsletter', '2', '2'],
      ['purchase', '1', '1'],
    ]);
    assert.deepEqual(shown.bars, [
      ['signup', 5],
      ['newsletter', 2],
      ['purchase', 1],
    ]);
    assert.deepEqual(shown.trend, [
      ['signup', 5],
      ['newsletter', 2],
      ['purchase', 1],
    ]);
    // The most frequent event is chosen first, broken down by its first property.
    assert.equal(shown.key, 'plan');
    assert.deepEqual(shown.values, [
      ['free', '2', '2'],
      ['pro', '2', '2'],
      ['(none)', '1', '1'],
    ]);
    assert.deepEqual(shown.valueBars, [
      ['free', 2],
      ['pro', 2],
      ['(none)', 1],
    ]);

    await page.click('#events-table tr[data-name="newsletter"] button');
    await page.waitForFunction(
      () =>
        (globalThis as unknown as InPage).document.querySelector('#events-values-table tbody tr')?.getAttribute('data-value') === 'footer',
    );
    shown = await readEvents();
    assert.equal(shown.key, 'source');
    assert.deepEqual(shown.values, [['footer', '2', '2']]);
    await screenshot('events.png');
    assert.deepEqual(pageErrors, []);
  });
});
