import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { validateEvent } from '../../src/contract/validate-event.ts';
import { buildTracker } from '../../tracker/build.ts';
import { launchChromium } from './support/browser.ts';
import type { InPage } from './support/page-globals.ts';

/**
 * The tracker alone in Chromium: a made-up site (http://shop.test) whose pages,
 * script and collect endpoint are answered by the test, so each answer (503,
 * 400, unreachable…) and each request can be controlled and seen exactly.
 */
const site = 'http://shop.test';

interface Sent {
  path: string;
  contentType: string;
  events: Record<string, unknown>[];
}

const page = (path: string, attributes: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop ${path}</title>
<script src="/t.js" ${attributes}></script>
<script>document.addEventListener('submit', (e) => e.preventDefault()); window.hostClicks = 0; document.addEventListener('click', () => window.hostClicks++);</script>
</head><body><main>
<button id="buy"><span class="icon">★</span> Buy   now</button>
<a href="/next" id="next">Next page</a>
<input id="q" name="q" value="what I searched">
<form id="signup-form" name="signup"><input name="email" value="typed@secret.test"><input type="password" name="pw" value="hunter2"><button id="join" type="submit">Join</button></form>
<ul class="list"><li>one</li><li class="x">two</li></ul>
<div data-pulse-ignore><button id="private">Private</button></div>
<div id="area" style="height:600px"></div>
</main></body></html>`;

interface Shop {
  context: BrowserContext;
  page: Page;
  sent: Sent[];
  /** The status the collect endpoint answers next (0: connection refused); 202 when empty. */
  answers: number[];
  events: () => Record<string, unknown>[];
  errors: Error[];
}

describe('the tracker in Chromium (network answered by the test)', { timeout: 240_000 }, () => {
  let browser: Browser;
  let script: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    ({ iife: script } = await buildTracker());
    browser = await launchChromium();
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
  });

  async function openShop(options: { attributes?: string; answers?: number[]; init?: () => void } = {}): Promise<Shop> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    contexts.push(context);
    context.setDefaultTimeout(10_000);
    if (options.init !== undefined) await context.addInitScript(options.init);
    const sent: Sent[] = [];
    const answers = options.answers ?? [];
    const attributes = options.attributes ?? 'data-site="demo"';
    await context.route(`${site}/**`, async (route: Route) => {
      const request = route.request();
      const path = new URL(request.url()).pathname;
      if (request.method() === 'POST') {
        sent.push({
          path,
          contentType: request.headers()['content-type'] ?? '',
          events: JSON.parse(request.postData() ?? '[]') as Record<string, unknown>[],
        });
        const status = answers.shift() ?? 202;
        if (status === 0) return route.abort('connectionrefused');
        return route.fulfill({ status, contentType: 'application/json', body: '{}' });
      }
      if (path === '/t.js') return route.fulfill({ contentType: 'text/javascript', body: script });
      if (path === '/favicon.ico') return route.fulfill({ status: 404, body: '' });
      return route.fulfill({ contentType: 'text/html', body: page(path, attributes) });
    });
    const tab = await context.newPage();
    const errors: Error[] = [];
    tab.on('pageerror', (error) => errors.push(error));
    await tab.goto(`${site}/`);
    return { context, page: tab, sent, answers, events: () => sent.flatMap((s) => s.events), errors };
  }

  const inPage = (shop: Shop) => shop.page;
  const flush = (shop: Shop) => inPage(shop).evaluate(() => (globalThis as unknown as InPage).pulse?.flush());
  const until = async (what: string, probe: () => boolean | Promise<boolean>, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const types = (events: Record<string, unknown>[]) => events.map((e) => e['type']);

  test('captures page views, clicks, form submits and custom events that pass the ingest contract', async () => {
    const shop = await openShop();
    const p = shop.page;
    await p.click('#buy .icon'); // a click on an icon inside a button is the button's
    await p.click('#q');
    await p.click('li.x');
    await p.click('#private');
    await p.click('#join'); // a click and a submit
    await p.evaluate(() => (globalThis as unknown as InPage).pulse?.track('signup', { plan: 'pro' }));
    await flush(shop);
    await until('6 events', () => shop.events().length >= 6);
    await p.waitForTimeout(300);
    const events = shop.events();
    assert.deepEqual(types(events), ['page_view', 'click', 'click', 'click', 'click', 'form_submit', 'custom']);
    const [view, buy, search, item, join, submit, custom] = events;
    assert.equal(buy?.['selector'], 'button#buy');
    assert.equal(buy?.['text'], '★ Buy now');
    assert.equal(search?.['selector'], 'input#q');
    assert.equal(search?.['text'], undefined, 'a text field shows no text');
    assert.match(String(item?.['selector']), /ul\.list > li\.x:nth-of-type\(2\)$/);
    assert.equal(join?.['selector'], 'button#join');
    assert.deepEqual([submit?.['form_id'], submit?.['form_name']], ['signup-form', 'signup']);
    assert.deepEqual([custom?.['name'], custom?.['props']], ['signup', { plan: 'pro' }]);
    const body = JSON.stringify(shop.sent);
    for (const secret of ['typed@secret.test', 'hunter2', 'what I searched', 'Private'])
      assert.ok(!body.includes(secret), `"${secret}" is never sent`);

    const userId = await p.evaluate(() => (globalThis as unknown as InPage).localStorage.getItem('pulse:uid'));
    assert.equal(view?.['url'], `${site}/`);
    assert.equal(view?.['title'], 'Shop /');
    for (const event of events) {
      const outcome = validateEvent(event);
      assert.ok(
        outcome.kind === 'ok',
        `${String(event['type'])} passes the ingest contract: ${outcome.kind === 'ok' ? '' : outcome.reason}`,
      );
      assert.equal(event['site'], 'demo');
      assert.equal(event['user_id'], userId);
      assert.match(String(event['event_id']), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.ok(Math.abs(Date.parse(String(event['ts'])) - Date.now()) < 60_000);
      assert.equal(typeof event['screen_w'], 'number');
      assert.equal(typeof event['language'], 'string');
      assert.equal(event['automated'], true, 'Chromium driven by Playwright says so (navigator.webdriver); the server decides');
    }
    assert.equal(new Set(events.map((e) => e['session_id'])).size, 1);
    assert.ok(
      shop.sent.every((s) => s.path === '/api/events' && s.contentType.startsWith('text/plain')),
      'text/plain: no CORS preflight',
    );
    assert.equal(await p.evaluate(() => (globalThis as unknown as { hostClicks: number }).hostClicks), 5, "the page's own handlers ran");
    assert.deepEqual(shop.errors, []);
  });

  test('SPA route changes are page views: pushState, replaceState to a new URL, back/forward, hash changes', async () => {
    const shop = await openShop();
    const p = shop.page;
    const views = () => shop.events().filter((e) => e['type'] === 'page_view');
    const nav = async (action: () => void) => {
      await p.evaluate(action);
      await p.waitForTimeout(50);
    };
    await nav(() => (globalThis as unknown as InPage).history.pushState({}, '', '/products'));
    await nav(() => (globalThis as unknown as InPage).history.replaceState({ scroll: 1 }, '', '/products')); // same URL: not a view
    await nav(() => (globalThis as unknown as InPage).history.replaceState({}, '', '/products?sort=price'));
    await nav(() => (globalThis as unknown as InPage).history.back());
    await nav(() => {
      (globalThis as unknown as InPage).location.href = '#reviews';
    });
    await flush(shop);
    await until('5 page views', () => views().length >= 5);
    await p.waitForTimeout(300);
    assert.deepEqual(
      views().map((e) => String(e['url']).slice(site.length)),
      ['/', '/products', '/products?sort=price', '/', '/#reviews'],
    );
    assert.equal(views()[1]?.['referrer'], `${site}/`, 'an SPA view is referred by the previous route');
    assert.equal(views()[2]?.['referrer'], `${site}/products`);
  });

  test('batches by count (data-batch-size) and time', async () => {
    const shop = await openShop({ attributes: 'data-site="demo" data-batch-size="3"' });
    for (let i = 0; i < 7; i++) await shop.page.click('#buy');
    await until('8 events', () => shop.events().length >= 8, 5000);
    assert.ok(
      shop.sent.every((s) => s.events.length <= 3),
      `batches of at most 3: ${shop.sent.map((s) => s.events.length).join(',')}`,
    );
    assert.ok(shop.sent.length >= 3);
  });

  test('503, 429 and an unreachable ingest are retried with backoff and the same event ids; other 4xx are dropped', async () => {
    const shop = await openShop({ answers: [503, 0, 429] });
    await until('4 attempts', () => shop.sent.length >= 4, 15_000); // 1 s, 2 s, 4 s of backoff
    const ids = shop.sent.map((s) => s.events.map((e) => e['event_id']).join());
    assert.equal(new Set(ids).size, 1, 'each retry resends the same events with the same ids');
    assert.equal(await shop.page.evaluate(() => (globalThis as unknown as InPage).pulse?.getState().failures), 0);

    shop.answers.push(400);
    await shop.page.click('#buy');
    await flush(shop);
    await until('the refused batch', () => shop.sent.length >= 5);
    await shop.page.waitForTimeout(2500);
    assert.equal(shop.sent.length, 5, 'a 400 is not retried');
    const state = await shop.page.evaluate(() => (globalThis as unknown as InPage).pulse?.getState());
    assert.deepEqual([state?.queued, state?.dropped, state?.failures], [0, 1, 0]);
    assert.deepEqual(shop.errors, []);
  });

  test('while ingest is unreachable the queue is kept in localStorage and survives a reload', async () => {
    const shop = await openShop({ answers: Array.from({ length: 50 }, () => 0) });
    const p = shop.page;
    await p.click('#buy');
    await p.waitForFunction(() => ((globalThis as unknown as InPage).pulse?.getState().failures ?? 0) > 0);
    const queued = () =>
      p.evaluate(
        () => JSON.parse((globalThis as unknown as InPage).localStorage.getItem('pulse:q') ?? '[]') as { e: { event_id: string } }[],
      );
    const before = (await queued()).map((i) => i.e.event_id);
    assert.equal(before.length, 2, 'the page view and the click wait in localStorage');
    await p.reload();
    await p.waitForFunction(() => ((globalThis as unknown as InPage).pulse?.getState().failures ?? 0) > 0);
    assert.equal((await queued()).length, 3, 'and the new page view with them');
    shop.answers.length = 0; // ingest is back
    await until('delivery', () => shop.sent.some((s) => s.events.length === 3), 20_000);
    const delivered = shop.sent.find((s) => s.events.length === 3)?.events.map((e) => e['event_id']);
    assert.deepEqual(delivered?.slice(0, 2), before);
    await p.waitForFunction(() => (globalThis as unknown as InPage).localStorage.getItem('pulse:q') === null);
  });

  test('what is queued when the page is left goes by sendBeacon', async () => {
    // Chromium sends an unloading page's beacons past request interception, so the calls are recorded in the
    // page (sessionStorage outlives the navigation); test/e2e/tracker-*.test.ts see them reach a real ingest.
    const shop = await openShop({
      attributes: 'data-site="demo" data-flush-interval="60000"',
      init: () => {
        const g = globalThis as unknown as {
          navigator: { sendBeacon: (url: string, body: string) => boolean };
          sessionStorage: InPage['localStorage'];
        };
        const original = g.navigator.sendBeacon.bind(g.navigator);
        g.navigator.sendBeacon = (url, body) => {
          g.sessionStorage.setItem(
            'beacons',
            JSON.stringify([...(JSON.parse(g.sessionStorage.getItem('beacons') ?? '[]') as unknown[]), { url, body }]),
          );
          return original(url, body);
        };
      },
    });
    await shop.page.click('#buy');
    await Promise.all([shop.page.waitForURL(`${site}/next`), shop.page.click('#next')]);
    const beacons = await shop.page.evaluate(
      () =>
        JSON.parse((globalThis as unknown as { sessionStorage: InPage['localStorage'] }).sessionStorage.getItem('beacons') ?? '[]') as {
          url: string;
          body: string;
        }[],
    );
    assert.equal(beacons.length, 1);
    assert.equal(beacons[0]?.url, `${site}/api/events`);
    assert.deepEqual(types(JSON.parse(beacons[0]?.body ?? '[]') as Record<string, unknown>[]), ['page_view', 'click', 'click']);
    assert.equal(shop.sent.filter((s) => s.events.some((e) => e['type'] === 'click')).length, 0, 'the clicks went by beacon, not fetch');
  });

  test('mouse positions: at most one every 250 ms, to /api/coordinates; on/off, and seed 000 names', async () => {
    const shop = await openShop({ attributes: 'data-site="demo" data-mouse="true"' });
    const p = shop.page;
    const move = async (ms: number) => {
      const start = Date.now();
      while (Date.now() - start < ms) {
        await p.mouse.move(100 + ((Date.now() - start) % 400), 200 + ((Date.now() - start) % 300));
        await p.waitForTimeout(15);
      }
    };
    const mouse = () => shop.sent.filter((s) => s.path === '/api/coordinates').flatMap((s) => s.events);
    // The page's own clock times the cursor moves it saw, so the bound below does not depend on how
    // fast this process could drive the browser (a loaded machine delivers fewer moves per second).
    await p.evaluate(() => {
      const page = globalThis as unknown as { movesSeen: number[]; addEventListener: (type: string, listener: () => void) => void };
      page.movesSeen = [];
      page.addEventListener('mousemove', () => page.movesSeen.push(Date.now()));
    });
    await until(
      'mouse events',
      async () => {
        await move(250);
        await flush(shop);
        return mouse().length >= 4;
      },
      30_000,
    );
    await p.evaluate(() => (globalThis as unknown as InPage).pulse?.stopMouseTracker());
    await flush(shop);
    await until(
      'the last batch',
      async () => (await p.evaluate(() => (globalThis as unknown as InPage).pulse?.getState().queued ?? 0)) === 0,
    );
    const count = mouse().length;
    const seen = await p.evaluate(() => (globalThis as unknown as { movesSeen: number[] }).movesSeen);
    // The page records a move a moment after the tracker stamps it: 50 ms of slack, far below one more event.
    const span = (seen.at(-1) ?? 0) - (seen[0] ?? 0) + 50;
    assert.ok(count >= 4 && count <= Math.floor(span / 250) + 1, `${count} events for ${seen.length} moves over ${span} ms`);
    const times = mouse().map((e) => Date.parse(String(e['ts'])));
    assert.ok(
      times.slice(1).every((t, i) => t - (times[i] ?? 0) >= 250),
      `at most one mouse event per 250 ms: ${times.map((t) => t - (times[0] ?? 0)).join(',')}`,
    );
    assert.ok(
      mouse().every(
        (e) => e['type'] === 'mouse_move' && e['viewport_w'] === 1000 && e['viewport_h'] === 700 && validateEvent(e).kind === 'ok',
      ),
    );

    await move(600);
    await flush(shop);
    await p.waitForTimeout(300);
    assert.equal(mouse().length, count, 'nothing after stopMouseTracker()');
    await p.evaluate(() => (globalThis as unknown as InPage).pulse?.initMouseTracker());
    await move(300);
    await flush(shop);
    await until('mouse again', () => mouse().length > count);
    assert.ok(shop.sent.filter((s) => s.path === '/api/events').every((s) => s.events.every((e) => e['type'] !== 'mouse_move')));
  });

  test('sessions renew after 30 minutes without events; identify() switches the user id', async () => {
    const oldSession = await openShop({
      init: () => {
        const storage = (globalThis as unknown as InPage).localStorage;
        storage.setItem('pulse:uid', 'visitor-1');
        storage.setItem('pulse:sid', JSON.stringify({ id: 'session-old', t: Date.now() - 31 * 60_000 }));
      },
    });
    const recent = await openShop({
      init: () => {
        const storage = (globalThis as unknown as InPage).localStorage;
        storage.setItem('pulse:uid', 'visitor-2');
        storage.setItem('pulse:sid', JSON.stringify({ id: 'session-recent', t: Date.now() - 29 * 60_000 }));
      },
    });
    await recent.page.evaluate(() => (globalThis as unknown as InPage).pulse?.identify('customer-42'));
    await recent.page.click('#buy');
    for (const shop of [oldSession, recent]) await flush(shop);
    await until('events', () => oldSession.events().length >= 1 && recent.events().length >= 3);
    const [view] = oldSession.events();
    assert.equal(view?.['user_id'], 'visitor-1');
    assert.notEqual(view?.['session_id'], 'session-old', 'a new session after 31 minutes');
    const [recentView, identify, click] = recent.events();
    assert.deepEqual([recentView?.['user_id'], recentView?.['session_id']], ['visitor-2', 'session-recent']);
    assert.deepEqual([identify?.['type'], identify?.['name'], identify?.['props']], ['custom', 'identify', { previous_id: 'visitor-2' }]);
    assert.deepEqual([click?.['type'], click?.['user_id'], click?.['session_id']], ['click', 'customer-42', 'session-recent']);
  });

  test('Do-Not-Track and opt-out: nothing is captured, stored or sent', async () => {
    const dnt = await openShop({
      init: () => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1', configurable: true }),
    });
    await dnt.page.click('#buy');
    await dnt.page.evaluate(() => (globalThis as unknown as InPage).pulse?.track('x'));
    await flush(dnt);

    const optedOut = await openShop();
    const p = optedOut.page;
    await p.evaluate(() => (globalThis as unknown as InPage).pulse?.optOut());
    const sentBefore = optedOut.events().length;
    await p.click('#buy');
    await p.reload();
    await p.click('#buy');
    await flush(optedOut);
    await p.waitForTimeout(1500);
    assert.equal(dnt.sent.length, 0, 'nothing sent with Do-Not-Track');
    assert.deepEqual(
      await dnt.page.evaluate(() => Object.keys((globalThis as unknown as InPage).localStorage).filter((k) => k.startsWith('pulse:'))),
      [],
    );
    assert.equal(optedOut.events().length, sentBefore, 'nothing sent after optOut(), even after a reload');
    assert.equal(await p.evaluate(() => (globalThis as unknown as InPage).pulse?.isOptedOut()), true);
    assert.deepEqual(
      await p.evaluate(() => Object.keys((globalThis as unknown as InPage).localStorage).filter((k) => k.startsWith('pulse:'))),
      ['pulse:optout'],
      'ids and queue are forgotten',
    );
    await p.evaluate(() => {
      const pulse = (globalThis as unknown as InPage).pulse;
      pulse?.optIn();
      pulse?.start();
    });
    await flush(optedOut);
    await until('tracking again', () => optedOut.events().length > sentBefore);
  });

  test('no error of the tracker reaches the page, whatever the browser or the caller does', async () => {
    const shop = await openShop({
      attributes: 'data-site="demo" data-mouse="true"',
      init: () => {
        const g = globalThis as unknown as Record<string, unknown> & {
          Storage: { prototype: Record<string, unknown> };
          navigator: Record<string, unknown>;
        };
        for (const method of ['getItem', 'setItem', 'removeItem']) {
          g.Storage.prototype[method] = () => {
            throw new Error('SecurityError: storage is disabled');
          };
        }
        g['fetch'] = () => {
          throw new TypeError('fetch is broken');
        };
        Object.defineProperty(g.navigator, 'sendBeacon', {
          value: () => {
            throw new Error('beacon is broken');
          },
        });
        g['crypto'] = undefined;
      },
    });
    const p = shop.page;
    await p.click('#buy');
    await p.click('#join');
    await p.mouse.move(50, 50);
    await p.mouse.move(300, 300);
    await p.evaluate(() => {
      const pulse = (globalThis as unknown as InPage).pulse as unknown as Record<string, (...args: unknown[]) => unknown>;
      const g = globalThis as unknown as InPage;
      pulse['track']?.(undefined, 5);
      pulse['track']?.({ toString: null });
      pulse['identify']?.(null);
      pulse['init']?.({});
      pulse['init']?.(null);
      pulse['setMouseTracking']?.('yes');
      pulse['onEvent']?.(() => {
        throw new Error('a listener that throws');
      });
      pulse['track']?.(
        'cyclic',
        (() => {
          const o: Record<string, unknown> = {};
          o['self'] = o;
          return o;
        })(),
      );
      g.history.pushState({}, '', '/spa');
      pulse['flush']?.();
    });
    await Promise.all([p.waitForURL(`${site}/next`), p.click('#next')]); // page hide with a broken beacon
    await p.click('#buy');
    await p.waitForTimeout(1500);
    assert.deepEqual(shop.errors.map(String), []);
    assert.equal(await p.evaluate(() => (globalThis as unknown as { hostClicks: number }).hostClicks), 1, 'the page works');
  });
});
