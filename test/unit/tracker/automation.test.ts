import assert from 'node:assert/strict';
import { test } from 'node:test';
import { automationSignal } from '../../../tracker/src/tracker.ts';

type Win = Parameters<typeof automationSignal>[0];

/** Just what automationSignal reads of a window. */
const fakeWindow = (options: { webdriver?: unknown; attribute?: string; globals?: Record<string, unknown> } = {}): Win =>
  ({
    navigator: { webdriver: options.webdriver },
    document: { documentElement: { getAttribute: (name: string) => (name === 'webdriver' ? (options.attribute ?? null) : null) } },
    ...options.globals,
  }) as unknown as Win;

test('a browser driven by automation says so: navigator.webdriver, the webdriver attribute, PhantomJS, Nightmare', () => {
  assert.equal(automationSignal(fakeWindow()), false, 'a person’s browser');
  assert.equal(automationSignal(fakeWindow({ webdriver: false })), false);
  assert.equal(automationSignal(fakeWindow({ webdriver: true })), true, 'Playwright, Puppeteer, Selenium');
  assert.equal(automationSignal(fakeWindow({ attribute: 'true' })), true);
  assert.equal(automationSignal(fakeWindow({ globals: { callPhantom: () => undefined } })), true);
  assert.equal(automationSignal(fakeWindow({ globals: { __nightmare: {} } })), true);
});

test('odd page globals never stop the tracker: the signal is then false', () => {
  const hostile = {
    get navigator(): never {
      throw new Error('blocked');
    },
  } as unknown as Win;
  assert.equal(automationSignal(hostile), false);
});
