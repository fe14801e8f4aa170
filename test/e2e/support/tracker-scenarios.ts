import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { InPage } from './page-globals.ts';
import { clickAndWaitForPage, launchChromium, moveMouseFor, newVisitor, serveSiteFromCopy, type Visitor } from './browser.ts';
import {
  countByType,
  fromPagesOf,
  fromUser,
  settledEvents,
  type ArrivedEvent,
  type EventReader,
  type PulseUnderTest,
} from './pulse-under-test.ts';

const typed = 'Ada Lovelace';
const email = 'ada@example.org';
const message = 'please call me back about order 4242';

const pathOf = (event: ArrivedEvent) => {
  const url = new URL(String(event.value['url']));
  return url.pathname + url.search;
};
const byTime = (a: ArrivedEvent, b: ArrivedEvent) => String(a.value['ts']).localeCompare(String(b.value['ts']));
const storedUserId = async (page: Page): Promise<string> => {
  const id = await page.evaluate(() => localStorage.getItem('pulse:uid'));
  assert.ok(id, 'the tracker stored an anonymous user id');
  return id;
};

/**
 * The browser scenarios of issue 3, run against a real Pulse server in one
 * mode: a real Chromium visits the demo site, and the events are read back
 * from where ingest wrote them (the embedded log or Kafka).
 */
export function defineTrackerScenarios(
  name: string,
  makePulse: () => Promise<PulseUnderTest>,
  options: { screenshot?: string } = {},
): void {
  describe(name, { timeout: 300_000 }, () => {
    let pulse: PulseUnderTest;
    let browser: Browser;
    let visitor: Visitor | undefined;
    let reader: EventReader | undefined;

    before(async () => {
      // one after the other: if the server cannot start, no browser is left running (and the reverse)
      pulse = await makePulse();
      browser = await launchChromium();
    });
    after(async () => {
      await visitor?.context.close();
      await reader?.close();
      await browser?.close();
      await pulse?.close();
    });

    const begin = async (opts: { doNotTrack?: boolean } = {}) => {
      await visitor?.context.close();
      await reader?.close();
      reader = await pulse.openReader();
      visitor = await newVisitor(browser, opts);
      return { page: visitor.page, reader };
    };
    const finish = async () => {
      assert.deepEqual(visitor?.pageErrors.map(String) ?? [], [], 'no uncaught error reached the page');
      await visitor?.context.close();
      await reader?.close();
      visitor = undefined;
      reader = undefined;
    };

    test(
      'a visit arrives exactly: a page view per navigation, one click per click, one form submit, 7–9 mouse events in 2 s',
      { timeout: 90_000 },
      async (t) => {
        const { page, reader } = await begin();
        await page.goto(`${pulse.base}/demo/`); // page view 1
        await page.click('#buy-now'); // click 1
        if (options.screenshot !== undefined) {
          await page.waitForSelector('#event-log li:nth-child(2)');
          await page.waitForFunction(() => {
            const sent = (globalThis as unknown as InPage).document.querySelector('#state-sent') as { textContent: string } | null;
            return sent !== null && sent.textContent !== '0'; // the panel shows the delivery
          });
          await mkdir(dirname(options.screenshot), { recursive: true });
          await page.screenshot({ path: options.screenshot, fullPage: true });
        }
        await clickAndWaitForPage(page, '#nav-products', '/demo/products.html'); // click 2, page view 2
        await page.click('#add-to-cart'); // click 3
        await page.click('#tab-reviews'); // click 4, page view 3 (history.pushState)
        await page.waitForURL('**/products.html?tab=reviews');
        await clickAndWaitForPage(page, '#nav-contact', '/demo/contact.html'); // click 5, page view 4
        await page.fill('input[name=name]', typed);
        await page.fill('input[name=email]', email);
        await page.fill('textarea[name=message]', message);
        await page.click('#send-message'); // click 6, form submit 1
        await page.waitForSelector('#form-thanks:not([hidden])');
        // The page counts the cursor moves it saw and the mouse events its tracker captured, so the check
        // below is exact however fast this process could drive a possibly loaded browser.
        await page.evaluate(() => {
          const page = globalThis as unknown as InPage & {
            seenMoves: number[];
            capturedMoves: number;
            addEventListener(type: string, f: () => void): void;
          };
          page.seenMoves = [];
          page.capturedMoves = 0;
          page.addEventListener('mousemove', () => page.seenMoves.push(Date.now()));
          page.pulse?.onEvent((event) => {
            if (event['type'] === 'mouse_move') page.capturedMoves += 1;
          });
        });
        await page.click('#toggle-mouse'); // the demo's panel is data-pulse-ignore: not a click event
        const steps = await moveMouseFor(page, 2000);
        const { seen, captured } = await page.evaluate(() => {
          const page = globalThis as unknown as { seenMoves: number[]; capturedMoves: number };
          return { seen: page.seenMoves, captured: page.capturedMoves };
        });
        const userId = await storedUserId(page);

        const events = await settledEvents(
          reader,
          fromUser(userId),
          (evs) => {
            const counts = countByType(evs);
            return (
              counts['page_view'] === 4 && counts['click'] === 6 && counts['form_submit'] === 1 && (counts['mouse_move'] ?? 0) >= captured
            );
          },
          { onRepeats: (n) => t.diagnostic(`${n} event(s) arrived again with the same event_id (a retry after an unclear failure)`) },
        );
        const counts = countByType(events);
        assert.equal(counts['page_view'], 4, `page views: ${JSON.stringify(counts)}`);
        assert.equal(counts['click'], 6, `clicks: ${JSON.stringify(counts)}`);
        assert.equal(counts['form_submit'], 1, `form submits: ${JSON.stringify(counts)}`);
        const mouse = counts['mouse_move'] ?? 0;
        // A move the page saw is stamped by the tracker a moment earlier: 50 ms of slack, far below one more event.
        const span = (seen.at(-1) ?? 0) - (seen[0] ?? 0) + 50;
        assert.equal(mouse, captured, `every mouse event the tracker captured arrived once (${steps} steps, ${seen.length} moves seen)`);
        assert.ok(mouse >= 1 && mouse <= Math.floor(span / 250) + 1, `${mouse} mouse events for ${span} ms of movement`);
        assert.equal(events.length, 11 + mouse, `nothing else arrived: ${JSON.stringify(counts)}`);

        assert.ok(
          events.every((e) => e.value['user_id'] === userId && e.key === userId),
          'every event carries (and is keyed by) the user id the page stored',
        );
        assert.equal(new Set(events.map((e) => e.value['session_id'])).size, 1, 'one session');
        assert.equal(new Set(events.map((e) => e.value['event_id'])).size, events.length, 'no event arrived twice');
        assert.ok(events.every((e) => e.value['site'] === 'demo'));
        // A driven browser: reported by the tracker, flagged by ingest (counted here: PULSE_COUNT_BOTS_SITES=demo).
        assert.ok(events.every((e) => e.value['automated'] === true && e.value['is_bot'] === true));

        const views = events.filter((e) => e.value['type'] === 'page_view').sort(byTime);
        assert.deepEqual(views.map(pathOf), ['/demo/', '/demo/products.html', '/demo/products.html?tab=reviews', '/demo/contact.html']);
        assert.equal(views[2]?.value['referrer'], `${pulse.base}/demo/products.html`, 'an SPA view is referred by the previous route');
        assert.equal(views[1]?.value['referrer'], `${pulse.base}/demo/`);
        assert.match(String(views[3]?.value['title']), /Contact/);

        const clicks = events.filter((e) => e.value['type'] === 'click').sort(byTime);
        assert.deepEqual(
          clicks.map((e) => [e.value['selector'], e.value['text']]),
          [
            ['button#buy-now', 'Buy now'],
            ['a#nav-products', 'Products'],
            ['button#add-to-cart', 'Add to cart'],
            ['a#tab-reviews', 'Reviews'],
            ['a#nav-contact', 'Contact'],
            ['button#send-message', 'Send message'],
          ],
        );
        const submit = events.find((e) => e.value['type'] === 'form_submit');
        assert.equal(submit?.value['form_id'], 'contact-form');
        assert.equal(submit?.value['form_name'], 'contact');
        const everything = JSON.stringify(events);
        for (const secret of [typed, email, message]) assert.ok(!everything.includes(secret), `what was typed ("${secret}") is never sent`);

        const moves = events.filter((e) => e.value['type'] === 'mouse_move').sort(byTime);
        assert.ok(moves.every((e) => e.topic === 'mouse-coordinates' && e.value['viewport_w'] === 1280 && e.value['viewport_h'] === 800));
        assert.ok(moves.every((e) => typeof e.value['x'] === 'number' && typeof e.value['y'] === 'number'));
        const times = moves.map((e) => Date.parse(String(e.value['ts'])));
        assert.ok(
          times.slice(1).every((t, i) => t - (times[i] ?? 0) >= 250),
          `at most one mouse event per 250 ms: ${times.map((t) => t - (times[0] ?? 0)).join(',')}`,
        );
        assert.ok(events.filter((e) => e.value['type'] !== 'mouse_move').every((e) => e.topic === 'user-activity'));
        await finish();
      },
    );

    test('with tracking stopped, no event arrives', { timeout: 60_000 }, async () => {
      const { page, reader } = await begin();
      await page.goto(`${pulse.base}/demo/`); // the one page view before tracking is stopped
      const userId = await storedUserId(page);
      await page.click('#toggle-tracking'); // off (remembered by the demo across pages)
      assert.equal(await page.evaluate(() => (globalThis as unknown as InPage).pulse?.getState().running), false);
      await page.click('#buy-now');
      await page.click('#toggle-mouse');
      await moveMouseFor(page, 600);
      await clickAndWaitForPage(page, '#nav-products', '/demo/products.html');
      await page.click('#add-to-cart');
      await page.click('#tab-reviews');
      await clickAndWaitForPage(page, '#nav-contact', '/demo/contact.html');
      await page.fill('input[name=name]', typed);
      await page.click('#send-message');
      await page.evaluate(() => (globalThis as unknown as InPage).pulse?.track('after_stop', { n: 1 }));
      await moveMouseFor(page, 600);
      await page.evaluate(() => (globalThis as unknown as InPage).pulse?.flush());

      const events = await settledEvents(reader, fromPagesOf(pulse.base), () => true, { settleMs: 3000 });
      assert.ok(events.every(fromUser(userId)));
      assert.deepEqual(
        events.map((e) => [e.value['type'], pathOf(e)]),
        [['page_view', '/demo/']],
        'only the page view from before stop() arrived',
      );
      await finish();
    });

    test('with Do-Not-Track on, no event arrives and nothing is stored', { timeout: 60_000 }, async () => {
      const { page, reader } = await begin({ doNotTrack: true });
      const collectRequests: string[] = [];
      page.on('request', (request) => {
        if (request.method() === 'POST') collectRequests.push(request.url());
      });
      await page.goto(`${pulse.base}/demo/`);
      assert.equal(await page.evaluate(() => (globalThis as unknown as InPage).navigator.doNotTrack), '1');
      await page.click('#buy-now');
      await clickAndWaitForPage(page, '#nav-products', '/demo/products.html');
      await page.click('#tab-reviews');
      await page.click('#toggle-mouse');
      await moveMouseFor(page, 600);
      await clickAndWaitForPage(page, '#nav-contact', '/demo/contact.html');
      await page.fill('input[name=name]', typed);
      await page.click('#send-message');
      await page.evaluate(() => (globalThis as unknown as InPage).pulse?.track('dnt', {}));
      const state = await page.evaluate(() => (globalThis as unknown as InPage).pulse?.getState());
      assert.equal(state?.blocked, true);
      assert.equal(await page.isVisible('#blocked'), true, 'the demo says nothing is sent');
      const keys = await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('pulse:')));
      assert.deepEqual(keys, [], 'no id or queue is stored');

      const events = await settledEvents(reader, fromPagesOf(pulse.base), () => true, { settleMs: 3000 });
      assert.deepEqual(events, []);
      assert.deepEqual(collectRequests, [], 'no request was even attempted');
      await finish();
    });

    test('with ingest down during a session, the queued events arrive once it is back', { timeout: 120_000 }, async () => {
      const { page, reader } = await begin();
      await serveSiteFromCopy(page.context(), pulse.base); // the website stays up; only ingest goes down
      await page.goto(`${pulse.base}/demo/`);
      const userId = await storedUserId(page);
      const first = await settledEvents(reader, fromUser(userId), (evs) => evs.length === 1, { settleMs: 200 });
      assert.equal(first.length, 1, 'the first page view arrived while ingest was up');

      await pulse.stop();
      await page.click('#buy-now'); // queued; the first attempt fails a second later
      await page.waitForFunction(() => ((globalThis as unknown as InPage).pulse?.getState().failures ?? 0) > 0, undefined, {
        timeout: 10_000,
      });
      await clickAndWaitForPage(page, '#nav-products', '/demo/products.html'); // a page load while down: the queue is in localStorage
      await page.click('#add-to-cart');
      await page.click('#tab-reviews');
      // 4 clicks and 2 page views wait in localStorage (the first page view was delivered)
      await page.waitForFunction(() => (JSON.parse(localStorage.getItem('pulse:q') ?? '[]') as unknown[]).length === 6, undefined, {
        timeout: 10_000,
      });
      await page.reload(); // the queue survives a reload too (and the reload adds a page view)
      await page.waitForFunction(() => ((globalThis as unknown as InPage).pulse?.getState().failures ?? 0) > 0, undefined, {
        timeout: 10_000,
      });

      await pulse.start(); // same port, same data
      const events = await settledEvents(
        reader,
        fromUser(userId),
        (evs) => {
          const counts = countByType(evs);
          return counts['page_view'] === 4 && counts['click'] === 4;
        },
        { timeoutMs: 60_000 },
      );
      const counts = countByType(events);
      assert.deepEqual(counts, { page_view: 4, click: 4 }, 'every event of the session arrived');
      assert.equal(new Set(events.map((e) => e.value['event_id'])).size, events.length, 'each once');
      assert.deepEqual(
        events
          .filter((e) => e.value['type'] === 'page_view')
          .sort(byTime)
          .map(pathOf),
        ['/demo/', '/demo/products.html', '/demo/products.html?tab=reviews', '/demo/products.html?tab=reviews'],
      );
      await page.waitForFunction(
        () => (globalThis as unknown as InPage).pulse?.getState().queued === 0 && localStorage.getItem('pulse:q') === null,
        undefined,
        {
          timeout: 10_000,
        },
      );
      await finish();
    });
  });
}
