import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { mouseMoveDue } from '../../../tracker/src/mouse-throttle.ts';
import { createTracker } from '../../../tracker/src/tracker.ts';
import type { PulseEvent } from '../../../tracker/src/types.ts';

const THROTTLE = 250;

test('a move is due when no mouse event was sent yet, or the last one is at least the throttle old', () => {
  assert.equal(mouseMoveDue(1000, undefined, THROTTLE), true);
  assert.equal(mouseMoveDue(1249, 1000, THROTTLE), false);
  assert.equal(mouseMoveDue(1250, 1000, THROTTLE), true);
  assert.equal(mouseMoveDue(5000, 1000, THROTTLE), true);
});

test('after the wall clock steps back, no move is due until it passes the last event again', () => {
  assert.equal(mouseMoveDue(400, 1000, THROTTLE), false);
  assert.equal(mouseMoveDue(1249, 1000, THROTTLE), false);
  assert.equal(mouseMoveDue(1250, 1000, THROTTLE), true);
});

/**
 * Wall time on a busy page: each reading lets a few milliseconds pass before
 * the next one, unevenly, so two readings within one handler differ by a
 * varying amount (what made the browser test see a 249 ms gap).
 */
function busyClock(start: number): { read(): number; wait(ms: number): void } {
  const lags = [0, 3, 1, 4, 1, 5, 9, 2, 6];
  let time = start;
  let reads = 0;
  return {
    read() {
      const now = time;
      time += lags[reads++ % lags.length] ?? 0;
      return now;
    },
    wait(ms) {
      time += ms;
    },
  };
}

/** Just enough of a window for the tracker with only mouse capture on; nothing is ever sent. */
function fakeWindow(): { win: Window & typeof globalThis; move(x: number, y: number): void } {
  const listeners = new Map<string, (event: unknown) => void>();
  const storage = new Map<string, string>();
  const noop = () => undefined;
  const document = {
    referrer: '',
    title: 'Shop',
    readyState: 'complete',
    visibilityState: 'visible',
    addEventListener: (type: string, listener: (event: unknown) => void) => void listeners.set(type, listener),
    removeEventListener: (type: string) => void listeners.delete(type),
  };
  const win = {
    document,
    location: { href: 'https://shop.example/' },
    navigator: { language: 'en' },
    screen: { width: 1280, height: 800 },
    innerWidth: 1000,
    innerHeight: 700,
    localStorage: {
      getItem: (key: string) => storage.get(key) ?? null,
      setItem: (key: string, value: string) => void storage.set(key, value),
      removeItem: (key: string) => void storage.delete(key),
    },
    history: { pushState: noop, replaceState: noop },
    addEventListener: noop,
    removeEventListener: noop,
    setTimeout: () => 0, // delivery's timers never fire: the test reads events through onEvent
    clearTimeout: noop,
    fetch: () => new Promise(noop),
    console,
  };
  return {
    win: win as unknown as Window & typeof globalThis,
    move: (clientX, clientY) => listeners.get('mousemove')?.({ clientX, clientY }),
  };
}

function mouseEventsOnBusyPage(t: TestContext, options: { moves: number; everyMs: number }): number[] {
  const clock = busyClock(Date.parse('2026-01-01T10:00:00Z'));
  t.mock.method(Date, 'now', () => clock.read());
  const page = fakeWindow();
  const tracker = createTracker(page.win);
  const events: PulseEvent[] = [];
  tracker.onEvent((event) => events.push(event));
  tracker.init({ siteKey: 'demo', mouse: true, pageViews: false, clicks: false, forms: false, mouseThrottle: THROTTLE });
  for (let i = 0; i < options.moves; i++) {
    page.move(100 + (i % 400), 200 + (i % 300));
    clock.wait(options.everyMs);
  }
  assert.ok(
    events.every((event) => event.type === 'mouse_move'),
    'only mouse capture is on',
  );
  return events.map((event) => Date.parse(event.ts));
}

test('on a busy page, no two mouse events carry timestamps closer than the throttle', (t) => {
  const times = mouseEventsOnBusyPage(t, { moves: 3000, everyMs: 7 });
  const gaps = times.slice(1).map((ts, i) => ts - (times[i] ?? 0));
  assert.ok(times.length >= 40, `a mouse event about every 250 ms over ~21 s, got ${times.length}`);
  assert.ok(
    gaps.every((gap) => gap >= THROTTLE),
    `gaps between mouse events: ${gaps.join(',')}`,
  );
});
