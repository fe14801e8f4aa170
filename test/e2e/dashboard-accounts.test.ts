import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildDashboard } from '../../src/dashboard/build.ts';
import { CHROME_UA, pageView } from '../helpers/events.ts';
import { freePort, repoRoot, spawnPulse, waitFor, type PulseProcess } from '../helpers/services.ts';
import { launchChromium } from './support/browser.ts';

/**
 * Accounts on the dashboard, in headless Chromium against `pulse start` run as a real process
 * (PULSE_SITES=alpha,beta; PULSE_ADMIN_TOKEN lets the test add users through the API):
 * the first admin is created from the one-time setup link Pulse prints; signing in and out, with
 * the refusals the form explains (wrong password, a locked account); a viewer granted one site
 * sees only that site; an admin issues a share link in the Sites tab, a browser with nothing but
 * that link sees the shared site read-only, and once revoked the link opens nothing.
 * Screenshots: test-results/accounts-sign-in.png, accounts-sites.png, accounts-shared-view.png.
 */

/** What code inside `page.waitForFunction` / `page.evaluate` uses (the tests' tsconfig has no DOM types). */
interface PageNode {
  textContent: string | null;
  hidden: boolean;
  getAttribute(name: string): string | null;
}
interface InPage {
  document: {
    title: string;
    body: PageNode;
    querySelector(selector: string): PageNode | null;
    querySelectorAll(selector: string): ArrayLike<PageNode>;
  };
  location: { href: string };
}

const operatorToken = `e2e-accounts-operator-${randomUUID()}`;
const admin = { username: 'root-admin', password: 'correct horse battery' };
const locked = { username: 'locky', password: 'locky-password-42' };
const viewer = { username: 'alpha-viewer', password: 'alpha-viewer-pass' };
/** Distinct visitors sent to each site: the figures each browser shows tell the sites apart. */
const visitors = { alpha: 3, beta: 5 } as const;
const results = join(repoRoot, 'test-results');

let base = '';
let dataDir = '';
let pulse: PulseProcess | undefined;
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
/** The admin's page, signed in by the setup link (a), used again in (e). */
let adminPage: Page;

async function newPage(): Promise<Page> {
  if (browser === undefined) throw new Error('no browser');
  const context = await browser.newContext({ viewport: { width: 1366, height: 860 } });
  context.setDefaultTimeout(15_000);
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return page;
}

async function api(path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${operatorToken}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(10_000),
  });
}

async function addUser(user: { username: string; password: string }, role: 'admin' | 'viewer', sites: string[] = []): Promise<void> {
  const response = await api('/api/users', { method: 'POST', body: { ...user, role, sites } });
  assert.equal(response.status, 201, await response.text());
}

async function sendVisitors(site: 'alpha' | 'beta', count: number): Promise<void> {
  const events = Array.from({ length: count }, (_, i) =>
    pageView({
      site,
      url: `https://${site}.example/page-${i}`,
      title: `${site} ${i}`,
      user_id: `u-${site}-${i}-${randomUUID().slice(0, 8)}`,
    }),
  );
  const response = await fetch(`${base}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA },
    body: JSON.stringify(events),
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(response.status, 202, await response.text());
}

const text = (page: Page, selector: string) =>
  page.evaluate((s) => (globalThis as unknown as InPage).document.querySelector(s)?.textContent ?? null, selector);

/** Rendered (not hidden by its attribute, nor by the sign-in gate's styles). */
const isShown = (page: Page, selector: string) => page.isVisible(selector);

const authState = (page: Page) => page.evaluate(() => (globalThis as unknown as InPage).document.body.getAttribute('data-auth'));

async function waitForAuth(page: Page, state: 'in' | 'out' | 'setup'): Promise<void> {
  await page.waitForFunction((s) => (globalThis as unknown as InPage).document.body.getAttribute('data-auth') === s, state, {
    timeout: 15_000,
  });
}

/** The live view is up: the stream is live and the active users tile shows `active`. */
async function waitForLive(page: Page, active: number): Promise<void> {
  await page.waitForFunction(
    (active) => {
      const doc = (globalThis as unknown as InPage).document;
      return (
        doc.querySelector('#connection')?.getAttribute('data-state') === 'live' &&
        doc.querySelector('#tile-active [data-value]')?.textContent === String(active)
      );
    },
    active,
    { timeout: 20_000 },
  );
}

/** Submits the sign-in form and waits for the server's answer to it. */
async function signIn(page: Page, username: string, password: string): Promise<number> {
  await page.fill('#login-username', username);
  await page.fill('#login-password', password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/auth/login') && r.request().method() === 'POST', { timeout: 15_000 }),
    page.click('#login-submit'),
  ]);
  // The form is ready again (or gone) once the answer was handled.
  await page.waitForFunction(
    () => (globalThis as unknown as InPage).document.querySelector('#login-form')?.getAttribute('aria-busy') !== 'true',
    undefined,
    { timeout: 10_000 },
  );
  return response.status();
}

/** Status and `error` of a fetch made by the page itself (with its cookies). */
const fetchFromPage = (page: Page, path: string) =>
  page.evaluate(async (path) => {
    const response = await fetch(path, { headers: { accept: 'application/json' } });
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    return { status: response.status, error: body.error ?? null };
  }, path);

const siteOptions = (page: Page) =>
  page.evaluate(() => Array.from((globalThis as unknown as InPage).document.querySelectorAll('#site option')).map((o) => o.textContent));

const visibleTabs = (page: Page) =>
  page.evaluate(() =>
    Array.from((globalThis as unknown as InPage).document.querySelectorAll('.view-tabs .view-tab'))
      .filter((tab) => !tab.hidden)
      .map((tab) => tab.textContent),
  );

describe('dashboard accounts in Chromium → pulse start', { timeout: 240_000 }, () => {
  before(async () => {
    await buildDashboard(); // fast when the build is current
    await mkdir(results, { recursive: true });
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-accounts-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    pulse = spawnPulse(['start'], {
      PULSE_PORT: String(port),
      PULSE_DATA_DIR: dataDir,
      PULSE_LOG_LEVEL: 'warn',
      PULSE_SITES: 'alpha,beta',
      PULSE_ADMIN_TOKEN: operatorToken,
    });
    // Pulse's first start (PGlite, the embedded log, migrations) can take a while on a busy machine: bounded, but not tight.
    const server = pulse;
    await waitFor(
      async () => {
        if (server.child.exitCode !== null || server.child.signalCode !== null) throw new Error(`pulse exited: ${server.output()}`);
        const response = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
        return response?.ok === true ? true : undefined;
      },
      `${base}/health`,
      90_000,
    );
    await Promise.all([sendVisitors('alpha', visitors.alpha), sendVisitors('beta', visitors.beta)]);
    browser = await launchChromium();
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await pulse?.stop();
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  test('(a) the setup link printed at start creates the first admin, once', async (t) => {
    const link = await waitFor(
      async () => /(http:\/\/\S+\/dashboard\/\?setup=\S+)/.exec(pulse?.output() ?? '')?.[1],
      'the setup link in the process output',
      10_000,
    );
    assert.equal(new URL(link).origin, base, 'the link points at this Pulse');
    const unauthenticated = await fetch(`${base}/api/stats/realtime?site=alpha`);
    assert.equal(unauthenticated.status, 401, 'no figures without signing in');

    adminPage = await newPage();
    await adminPage.goto(link);
    await waitForAuth(adminPage, 'setup');
    assert.equal(await isShown(adminPage, '#setup-form'), true);
    assert.equal(await isShown(adminPage, '#login-form'), false);
    assert.equal(await isShown(adminPage, '#live-view'), false, 'no view before signing in');

    // The form checks what it can before asking the server.
    await adminPage.fill('#setup-username', admin.username);
    await adminPage.fill('#setup-password', 'short');
    await adminPage.fill('#setup-password2', 'short');
    await adminPage.click('#setup-submit');
    assert.equal(await text(adminPage, '#setup-error'), 'The password needs at least 10 characters.');

    await adminPage.fill('#setup-password', admin.password);
    await adminPage.fill('#setup-password2', admin.password);
    await adminPage.click('#setup-submit');
    await waitForAuth(adminPage, 'in');
    assert.equal(await text(adminPage, '#account-name'), admin.username);
    assert.equal(await text(adminPage, '#account-role'), 'admin');
    assert.equal(new URL(adminPage.url()).searchParams.get('setup'), null, 'the spent token left the address bar');
    assert.deepEqual(await visibleTabs(adminPage), ['Live', 'History', 'Funnels', 'Retention', 'Events', 'Shop', 'Kafka', 'Sites']);
    await waitForLive(adminPage, visitors.alpha); // an admin opens the first site, alpha
    assert.deepEqual(await siteOptions(adminPage), ['alpha', 'beta']);

    const setup = (await (await fetch(`${base}/api/auth/setup`)).json()) as { needed: boolean };
    assert.equal(setup.needed, false);

    // The same link again, in a browser without the admin's cookie: spent, the sign-in form says so.
    const again = await newPage();
    await again.goto(link);
    await waitForAuth(again, 'out');
    assert.match((await text(again, '#auth-notice')) ?? '', /setup link was used already/);
    t.diagnostic(`first admin created from ${new URL(link).pathname}?setup=…`);
  });

  test('(b) a wrong password is refused with a message; the right one opens the live view; signing out returns to the form', async () => {
    const page = await newPage();
    await page.goto(`${base}/dashboard/`);
    await waitForAuth(page, 'out');
    assert.equal(await isShown(page, '#login-form'), true);
    assert.equal(await isShown(page, '#login-hint'), false, 'an admin exists: no setup hint');
    await page.screenshot({ path: join(results, 'accounts-sign-in.png') });

    assert.equal(await signIn(page, admin.username, 'not the password'), 401);
    assert.equal(await text(page, '#login-error'), 'Wrong username or password.');
    assert.equal(await authState(page), 'out');
    assert.equal(await page.inputValue('#login-password'), '', 'the wrong password is cleared');

    assert.equal(await signIn(page, admin.username, admin.password), 200);
    await waitForAuth(page, 'in');
    assert.equal(await isShown(page, '#live-view'), true);
    assert.equal(await isShown(page, '#auth-view'), false);
    await waitForLive(page, visitors.alpha);
    assert.equal(await text(page, '#account-name'), admin.username);

    await page.click('#sign-out');
    await waitForAuth(page, 'out');
    assert.equal(await isShown(page, '#login-form'), true);
    assert.equal(await text(page, '#auth-notice'), 'You are signed out.');
    assert.equal(await isShown(page, '#live-view'), false);
    assert.equal((await fetchFromPage(page, '/api/auth/me')).status, 401, 'the session is gone on the server too');
  });

  test('(c) after 5 wrong passwords the account is locked: the right one is refused with the wait', async () => {
    await addUser(locked, 'viewer', ['alpha']);
    const page = await newPage();
    await page.goto(`${base}/dashboard/`);
    await waitForAuth(page, 'out');
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      assert.equal(await signIn(page, locked.username, `wrong-${attempt}`), 401, `attempt ${attempt}`);
      assert.equal(await text(page, '#login-error'), 'Wrong username or password.');
    }
    assert.equal(await signIn(page, locked.username, locked.password), 429);
    assert.equal(await text(page, '#login-error'), 'This account is locked after too many wrong passwords. Try again in 15 min.');
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as InPage).document.querySelector('#login-error')?.getAttribute('data-error')),
      'account_locked',
    );
    assert.equal(await authState(page), 'out');
  });

  test('(d) a viewer granted alpha sees alpha only; beta answers 403 even to a direct fetch; no Kafka page, no offset reset', async () => {
    await addUser(viewer, 'viewer', ['alpha']);
    const page = await newPage();
    await page.goto(`${base}/dashboard/`);
    await waitForAuth(page, 'out');
    assert.equal(await signIn(page, viewer.username, viewer.password), 200);
    await waitForAuth(page, 'in');
    await waitForLive(page, visitors.alpha);
    assert.deepEqual(await siteOptions(page), ['alpha']);
    assert.equal(await text(page, '#account-role'), 'viewer');
    assert.deepEqual(
      await visibleTabs(page),
      ['Live', 'History', 'Funnels', 'Retention', 'Events', 'Shop'],
      'no Kafka or Sites tab for a viewer',
    );

    const beta = await fetchFromPage(page, '/api/stats/realtime?site=beta');
    assert.deepEqual(beta, { status: 403, error: 'site_forbidden' });
    const alpha = await fetchFromPage(page, '/api/stats/realtime?site=alpha');
    assert.equal(alpha.status, 200);
    assert.deepEqual(await fetchFromPage(page, '/api/users'), { status: 403, error: 'admin_only' });

    // An admin-only view asked for by its address shows the live view instead.
    await page.evaluate(() => ((globalThis as unknown as InPage).location.href = '#sites'));
    await page.waitForFunction(() => (globalThis as unknown as InPage).document.title === 'Pulse · live', undefined, { timeout: 5000 });
    assert.equal(await isShown(page, '#sites-view'), false);
    assert.equal(await isShown(page, '#live-view'), true);

    // The Kafka page is the admins' too: its address shows the live view, and an offset reset the viewer
    // sends anyway (signed in, with the session's CSRF token) is refused for want of admin rights.
    await page.evaluate(() => ((globalThis as unknown as InPage).location.href = '#kafka/groups/pulse-realtime'));
    await page.waitForFunction(() => (globalThis as unknown as InPage).document.title === 'Pulse · live', undefined, { timeout: 5000 });
    assert.equal(await isShown(page, '#kafka-view'), false);
    const reset = await page.evaluate(async () => {
      const me = (await (await fetch('/api/auth/me')).json()) as { csrf: string | null };
      const response = await fetch('/api/kafka/groups/pulse-realtime/reset', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-pulse-csrf': me.csrf ?? '' },
        body: JSON.stringify({ to: 'latest', topics: ['page-views'] }),
      });
      const body = (await response.json().catch(() => ({}))) as { error?: string };
      return { csrf: me.csrf !== null, status: response.status, error: body.error ?? null };
    });
    assert.deepEqual(reset, { csrf: true, status: 403, error: 'admin_only' });

    // An admin's signed-in change sent without the session's CSRF token is refused too; (e) finds no such user.
    const noCsrf = await adminPage.evaluate(async () => {
      const response = await fetch('/api/users', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'no-csrf-user', password: 'no-csrf-password-1', role: 'viewer', sites: [] }),
      });
      const body = (await response.json().catch(() => ({}))) as { error?: string };
      return { status: response.status, error: body.error ?? null };
    });
    assert.deepEqual(noCsrf, { status: 403, error: 'csrf' });
  });

  test('(e) an admin shares beta from the Sites tab; the link shows beta read-only; revoked, it opens nothing', async (t) => {
    const page = adminPage;
    await page.click('#tab-sites');
    await page.waitForFunction(
      () => (globalThis as unknown as InPage).document.querySelectorAll('[data-sites-table] tbody tr[data-site]').length === 2,
      undefined,
      { timeout: 15_000 },
    );
    const users = await page.evaluate(() =>
      Array.from((globalThis as unknown as InPage).document.querySelectorAll('[data-users-table] tbody tr')).map((row) =>
        row.getAttribute('data-user'),
      ),
    );
    assert.deepEqual(users, [viewer.username, locked.username, admin.username].sort());

    // Add a site and a user through the forms (state-changing requests with the session's CSRF token), then remove the site.
    await page.fill('#site-add [name=key]', 'gamma');
    await page.fill('#site-add [name=name]', 'Gamma shop');
    await page.fill('#site-add [name=origins]', 'https://gamma.example');
    await page.click('[data-site-add]');
    await page.waitForSelector('[data-sites-table] tr[data-site="gamma"]', { timeout: 10_000 });
    assert.match((await text(page, '[data-site-add-status]')) ?? '', /^Site gamma added/);
    assert.match((await text(page, '[data-sites-table] tr[data-site="gamma"]')) ?? '', /Gamma shop.*https:\/\/gamma\.example/);
    await page.fill('#user-add [name=username]', 'beta-viewer');
    await page.fill('#user-add [name=password]', 'beta-viewer-pass');
    await page.check('#user-add input[name=site][value=beta]');
    await page.click('[data-user-add]');
    await page.waitForSelector('[data-users-table] tr[data-user="beta-viewer"]', { timeout: 10_000 });
    assert.match((await text(page, '[data-users-table] tr[data-user="beta-viewer"]')) ?? '', /viewer\s*beta/);
    await page.click('[data-site-remove="gamma"]');
    assert.equal(await text(page, '[data-site-remove="gamma"]'), 'Confirm remove?');
    await page.click('[data-site-remove="gamma"]');
    await page.waitForSelector('[data-sites-table] tr[data-site="gamma"]', { state: 'detached', timeout: 10_000 });
    // A key of PULSE_SITES cannot be removed: the server's refusal is shown.
    await page.click('[data-site-remove="alpha"]');
    await page.click('[data-site-remove="alpha"]');
    await page.waitForFunction(
      () => (globalThis as unknown as InPage).document.querySelector('[data-site-add-status]')?.getAttribute('data-level') === 'error',
      undefined,
      { timeout: 10_000 },
    );
    assert.match((await text(page, '[data-site-add-status]')) ?? '', /^Refused \(409, conflict\): .*PULSE_SITES/);

    // The share link for beta, shown once in full.
    await page.click('[data-site-shares="beta"]');
    assert.equal(await page.inputValue('#share-site'), 'beta');
    await page.click('[data-share-create]');
    await page.waitForSelector('[data-share-issued]:not([hidden])', { timeout: 10_000 });
    const shareUrl = await page.inputValue('[data-share-url]');
    assert.match(shareUrl, new RegExp(`^${base.replace(/\./g, '\\.')}/share/\\S+$`));
    await page.waitForFunction(
      () => (globalThis as unknown as InPage).document.querySelectorAll('[data-shares-table] tbody tr[data-share-id]').length === 1,
      undefined,
      { timeout: 10_000 },
    );
    await page.screenshot({ path: join(results, 'accounts-sites.png'), fullPage: true });

    // A browser with nothing but the link.
    const shared = await newPage();
    await shared.goto(shareUrl);
    assert.equal(new URL(shared.url()).pathname, '/dashboard/');
    assert.equal(new URL(shared.url()).searchParams.get('site'), 'beta');
    await waitForAuth(shared, 'in');
    await waitForLive(shared, visitors.beta);
    assert.equal(await text(shared, '#account-name'), 'shared view');
    assert.equal(await text(shared, '#account-role'), 'read-only');
    assert.deepEqual(
      await visibleTabs(shared),
      ['Live', 'History', 'Funnels', 'Retention', 'Events'],
      'no Sites, Kafka or Shop tab on a share link',
    );
    assert.deepEqual(await siteOptions(shared), ['beta']);
    assert.deepEqual(await fetchFromPage(shared, '/api/stats/realtime?site=alpha'), { status: 403, error: 'site_forbidden' });
    assert.equal((await fetchFromPage(shared, '/api/stats/realtime?site=beta')).status, 200);
    assert.equal((await fetchFromPage(shared, '/api/sites/beta/shares')).status, 403, 'a share link reads figures only');
    await shared.screenshot({ path: join(results, 'accounts-shared-view.png'), fullPage: true });

    // Revoked: the link answers 404, and the browser that held it sees the sign-in form. The shared page leaves the
    // dashboard first: an open dashboard that sees the revocation (a 401) reloads itself at any moment, and closing
    // or navigating a page while Chromium commits such a navigation can hang for good (microsoft/playwright#42366).
    await shared.goto('about:blank');
    const shareId = await page.evaluate(() =>
      (globalThis as unknown as InPage).document
        .querySelector('[data-shares-table] tbody tr[data-share-id]')
        ?.getAttribute('data-share-id'),
    );
    await page.click(`[data-share-revoke="${shareId}"]`);
    await page.click(`[data-share-revoke="${shareId}"]`);
    await page.waitForFunction(
      () => (globalThis as unknown as InPage).document.querySelectorAll('[data-shares-table] tbody tr[data-share-id]').length === 0,
      undefined,
      { timeout: 10_000 },
    );
    const revoked = await fetch(shareUrl, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    assert.equal(revoked.status, 404);
    // The same browser opens the dashboard again with the revoked share cookie it still holds.
    assert.ok(
      (await shared.context().cookies(base)).some((cookie) => cookie.name === 'pulse_share'),
      'the browser still holds the revoked link’s cookie',
    );
    await shared.goto(`${base}/dashboard/?site=beta`);
    await waitForAuth(shared, 'out');
    assert.deepEqual(await fetchFromPage(shared, '/api/stats/realtime?site=beta'), { status: 401, error: 'unauthorized' });
    t.diagnostic(`share link ${new URL(shareUrl).pathname.slice(0, 12)}… issued, used, revoked`);
    assert.deepEqual(pageErrors, []);
  });

  test('(f) shields set in the Sites tab drop a path’s visits at ingest, counted by reason (storage: test/integration/shields)', async () => {
    const page = adminPage;
    await page.selectOption('[data-shield-site]', 'alpha');
    await page.fill('[data-shield-paths]', '/checkout/*\n/preview');
    await page.click('[data-shield-save]');
    await page.waitForFunction(
      () => (globalThis as unknown as InPage).document.querySelector('[data-shield-status]')?.getAttribute('data-level') === 'ok',
      undefined,
      { timeout: 10_000 },
    );
    assert.match((await text(page, '[data-shield-status]')) ?? '', /^Shields of alpha saved: 0 address rule\(s\), 2 path rule\(s\)/);
    const counted = async () => {
      const metrics = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
      const line = metrics.split('\n').find((l) => l.startsWith('pulse_ingest_events_rejected_total{reason="shield_path"}'));
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const before = await counted();
    const sent = await fetch(`${base}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA },
      body: JSON.stringify([
        pageView({ site: 'alpha', url: 'https://alpha.example/checkout/pay' }),
        pageView({ site: 'alpha', url: 'https://alpha.example/preview' }),
        pageView({ site: 'alpha', url: 'https://alpha.example/checkout' }),
      ]),
      signal: AbortSignal.timeout(10_000),
    });
    assert.deepEqual(await sent.json(), { accepted: 1, rejected: 0, errors: [] }, 'only /checkout (no slash after it) passes /checkout/*');
    assert.equal(await counted(), before + 2);
    const record = (await (await api('/api/sites')).json()) as { records: { key: string; excludedPaths: string[] }[] };
    assert.deepEqual(record.records.find((r) => r.key === 'alpha')?.excludedPaths, ['/checkout/*', '/preview']);
    assert.deepEqual(pageErrors, []);
  });
});
