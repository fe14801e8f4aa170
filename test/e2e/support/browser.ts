import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (scripts/install-chromium), driven by playwright-core; never a downloaded browser build. */
export const chromiumPath = process.env['PULSE_TEST_CHROMIUM'] ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 30_000,
  });
}

export interface Visitor {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors of the pages (the tracker must never cause one). */
  pageErrors: Error[];
}

/** A new browser profile (empty localStorage) with a 1280×800 viewport. */
export async function newVisitor(browser: Browser, options: { doNotTrack?: boolean } = {}): Promise<Visitor> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(15_000);
  if (options.doNotTrack === true) {
    await context.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1', configurable: true });
    });
  }
  const page = await context.newPage();
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  return { context, page, pageErrors };
}

/**
 * Moves the mouse continuously over the page for `ms`: a step every 20 ms on a fixed schedule (a slow step
 * does not push the later ones back); returns the number of steps.
 */
export async function moveMouseFor(page: Page, ms: number): Promise<number> {
  const start = Date.now();
  let steps = 0;
  while (Date.now() - start < ms) {
    const t = (Date.now() - start) / 1000;
    await page.mouse.move(400 + Math.round(250 * Math.cos(t * 3)), 400 + Math.round(200 * Math.sin(t * 3)));
    steps += 1;
    const wait = start + steps * 20 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return steps;
}

/** Navigates by clicking `selector` (a link) and waits for the new page. */
export async function clickAndWaitForPage(page: Page, selector: string, urlPart: string): Promise<void> {
  await Promise.all([page.waitForURL((url) => url.href.includes(urlPart), { waitUntil: 'load' }), page.click(selector)]);
}

/**
 * Serves the demo's pages and t.js to `context` from a copy taken now, so the
 * website stays up while a test stops the Pulse server (ingest) behind it.
 */
export async function serveSiteFromCopy(context: BrowserContext, base: string): Promise<void> {
  const paths = ['/demo/', '/demo/products.html', '/demo/contact.html', '/demo/demo.css', '/demo/demo.js', '/t.js'];
  const copies = new Map<string, { body: Buffer; contentType: string }>();
  for (const path of paths) {
    const response = await fetch(`${base}${path}`);
    if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
    copies.set(path, {
      body: Buffer.from(await response.arrayBuffer()),
      contentType: response.headers.get('content-type') ?? 'text/plain',
    });
  }
  await context.route(
    (url) => url.origin === base && copies.has(url.pathname),
    (route) => {
      const copy = copies.get(new URL(route.request().url()).pathname);
      return copy === undefined ? route.continue() : route.fulfill({ status: 200, body: copy.body, contentType: copy.contentType });
    },
  );
}
