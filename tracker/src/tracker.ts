import { createDelivery, type Delivery, type Transport } from './delivery.ts';
import { clickTarget, selectorOf, textOf } from './describe-element.ts';
import { uuid } from './ids.ts';
import { createIdentity, type Identity } from './identity.ts';
import { mouseMoveDue } from './mouse-throttle.ts';
import { safeStore } from './storage.ts';
import { storageKeys, type EventType, type KeyValueStore, type PulseEvent } from './types.ts';

export interface PulseOptions {
  /** Site key, one of ingest's PULSE_SITES. */
  siteKey: string;
  /** Where events are posted. Default `/api/events` (the script build: `/api/events` on the origin it was loaded from). */
  endpoint?: string;
  /** Where mouse positions are posted. Default `/api/coordinates` beside an `/api/events` endpoint, else `endpoint`. */
  mouseEndpoint?: string;
  /** Track mouse movement from the start (default false; see setMouseTracking). */
  mouse?: boolean;
  /** Start tracking on init (default true); with false, call start(). */
  autostart?: boolean;
  /** Events per request (default 10, at most 100). */
  batchSize?: number;
  /** Longest wait (ms) before a batch is sent (default 1000). */
  flushInterval?: number;
  /** Least time (ms) between two mouse events (default and minimum 250). */
  mouseThrottle?: number;
  /** Inactivity (ms) after which a new session starts (default 30 minutes). */
  sessionTimeout?: number;
  /** Most events kept while ingest is unreachable (default 500). */
  maxQueue?: number;
  /** Automatic captures (default true each). */
  pageViews?: boolean;
  clicks?: boolean;
  forms?: boolean;
  /** Log the tracker's own errors to the console (default false: the host page never sees them). */
  debug?: boolean;
}

export interface PulseState {
  initialized: boolean;
  running: boolean;
  mouse: boolean;
  /** Do-Not-Track or opt-out: nothing is captured, stored or sent. */
  blocked: boolean;
  userId: string | null;
  sessionId: string | null;
  queued: number;
  sent: number;
  dropped: number;
  failures: number;
}

export interface PulseApi {
  init(options: PulseOptions): PulseApi;
  start(): void;
  stop(): void;
  track(name: string, props?: Record<string, unknown>): void;
  identify(userId: string): void;
  /** Forgets the visitor's ids (e.g. at logout). */
  reset(): void;
  setMouseTracking(on: boolean): void;
  /** Seed 000's names: start tracking with the mouse on / turn mouse tracking off. */
  initMouseTracker(options?: PulseOptions): void;
  stopMouseTracker(): void;
  /** Stops tracking and forgets ids and queued events; remembered in localStorage until optIn(). */
  optOut(): void;
  optIn(): void;
  isOptedOut(): boolean;
  /** Sends queued events now. */
  flush(): void;
  /** Calls `listener` with every captured event (e.g. a debug panel); returns the unsubscribe function. */
  onEvent(listener: (event: PulseEvent) => void): () => void;
  getState(): PulseState;
}

interface Settings {
  site: string;
  /** The browser says it is driven by automation: every event carries `automated: true`. */
  automated: boolean;
  endpoint: string;
  mouseEndpoint: string;
  throttle: number;
  pageViews: boolean;
  clicks: boolean;
  forms: boolean;
}

const int = (value: unknown, fallback: number, min: number, max: number): number =>
  typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, Math.round(value))) : fallback;

const cut = (value: string, max: number): string => (value.length > max ? value.slice(0, max) : value);

/** A JSON copy of custom props (later changes by the page do not alter a queued event); undefined unless a plain object that serialises. */
const snapshot = (props: unknown): Record<string, unknown> | undefined => {
  if (props === null || typeof props !== 'object' || Array.isArray(props)) return undefined;
  try {
    return JSON.parse(JSON.stringify(props)) as Record<string, unknown>;
  } catch {
    return undefined; // cyclic or otherwise not JSON
  }
};

/**
 * Whether the browser says it is driven by automation: WebDriver (`navigator.webdriver`, set by
 * Selenium, Playwright, Puppeteer), its `webdriver` attribute, PhantomJS, Nightmare, Chrome's DOM
 * automation. Only reported: ingest flags such events as bot traffic and the server decides whether
 * a site counts them (PULSE_COUNT_BOTS_SITES).
 */
export function automationSignal(win: Window & typeof globalThis): boolean {
  try {
    const own = win as unknown as Record<string, unknown>;
    return (
      (win.navigator as Navigator & { webdriver?: boolean }).webdriver === true ||
      win.document.documentElement?.getAttribute('webdriver') != null ||
      ['callPhantom', '_phantom', '__nightmare', 'domAutomation', 'domAutomationController'].some((name) => own[name] !== undefined)
    );
  } catch {
    return false; // a page's odd globals must not stop tracking
  }
}

/** The mouse endpoint beside an events endpoint: `/api/events` → `/api/coordinates`; a custom path takes both. */
export function mouseEndpointFor(endpoint: string): string {
  return /\/api\/events\/?(\?.*)?$/.test(endpoint) ? endpoint.replace(/\/api\/events\/?/, '/api/coordinates') : endpoint;
}

/**
 * The tracker over one window. Every handler and API method is wrapped so
 * that no error of the tracker ever reaches the host page.
 */
export function createTracker(win: Window & typeof globalThis): PulseApi {
  const doc = win.document;
  let debug = false;
  const report = (error: unknown): void => {
    if (debug) win.console.warn('[pulse]', error);
  };
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => R, fallback: R) =>
    (...args: A): R => {
      try {
        return fn(...args);
      } catch (error) {
        report(error);
        return fallback;
      }
    };

  let store: KeyValueStore | undefined;
  let settings: Settings | undefined;
  let initOptions: PulseOptions | undefined;
  let identity: Identity | undefined;
  let delivery: Delivery | undefined;
  let running = false;
  let mouse = false;
  let lastUrl = '';
  let referrer = doc.referrer;
  /** The `ts` of the last mouse event sent: the throttle counts from what the collector sees. */
  let lastMouseTs: number | undefined;
  let historyPatched = false;
  const listeners = new Set<(event: PulseEvent) => void>();

  const storage = (): KeyValueStore => (store ??= safeStore(() => win.localStorage));
  const optedOut = (): boolean => storage().getItem(storageKeys.optOut) === '1';
  const doNotTrack = (): boolean => {
    const nav = win.navigator as Navigator & { globalPrivacyControl?: boolean; msDoNotTrack?: string };
    const flag = nav.doNotTrack ?? (win as unknown as { doNotTrack?: string }).doNotTrack ?? nav.msDoNotTrack;
    return flag === '1' || flag === 'yes' || nav.globalPrivacyControl === true;
  };
  const blocked = (): boolean => optedOut() || doNotTrack();

  const transport: Transport = {
    post: (url, body) =>
      win
        .fetch(url, {
          method: 'POST',
          body,
          headers: { 'content-type': 'text/plain' },
          keepalive: body.length < 60_000,
          credentials: 'omit',
        })
        .then((response) => ({ status: response.status, retryAfter: Number(response.headers.get('retry-after')) || undefined })),
    beacon: (url, body) => typeof win.navigator.sendBeacon === 'function' && win.navigator.sendBeacon(url, body),
  };

  /** Queues one event stamped `now`; false when nothing may be captured. */
  function emit(type: EventType, fields: Record<string, unknown>, endpoint?: string, now = Date.now()): boolean {
    if (settings === undefined || identity === undefined || delivery === undefined || !running || blocked()) return false;
    const event: PulseEvent = {
      type,
      event_id: uuid(),
      site: settings.site,
      user_id: identity.userId(),
      session_id: identity.sessionId(now),
      url: cut(win.location.href, 2048),
      ts: new Date(now).toISOString(),
      screen_w: win.screen?.width,
      screen_h: win.screen?.height,
      language: cut(win.navigator.language ?? '', 35) || undefined,
      title: cut(doc.title ?? '', 512) || undefined,
      referrer: cut(referrer ?? '', 2048) || undefined,
      ...(settings.automated ? { automated: true } : {}),
      ...fields,
    };
    delivery.enqueue({ u: endpoint ?? settings.endpoint, e: event });
    for (const listener of listeners) guard(listener, undefined)(event);
    return true;
  }

  function pageView(): void {
    const url = win.location.href;
    if (url === lastUrl) return;
    if (lastUrl !== '') referrer = lastUrl;
    lastUrl = url;
    emit('page_view', {});
  }

  // SPA routers change the URL, then the title: read both once the router's turn is over.
  const routeChanged = guard(() => {
    win.setTimeout(
      guard(() => {
        if (running && settings?.pageViews === true) pageView();
      }, undefined),
      0,
    );
  }, undefined);

  function patchHistory(): void {
    if (historyPatched) return;
    historyPatched = true;
    const history = win.history;
    for (const name of ['pushState', 'replaceState'] as const) {
      const original = history[name];
      history[name] = function (this: History, ...args: Parameters<History['pushState']>) {
        const result = original.apply(this, args);
        routeChanged();
        return result;
      };
    }
  }

  const onClick = guard((event: Event) => {
    const element = clickTarget(event.target);
    if (element !== null) emit('click', { selector: selectorOf(element), text: textOf(element) || undefined });
  }, undefined);

  const onSubmit = guard((event: Event) => {
    const form = event.target;
    if (!(form instanceof win.HTMLFormElement)) return;
    // getAttribute: form.id / form.name would return a field named "id" / "name".
    emit('form_submit', { form_id: form.getAttribute('id') || undefined, form_name: form.getAttribute('name') || undefined });
  }, undefined);

  const onMouseMove = guard((event: MouseEvent) => {
    // One reading both decides and stamps (see mouse-throttle.ts).
    const now = Date.now();
    if (settings === undefined || !mouseMoveDue(now, lastMouseTs, settings.throttle) || event.clientX < 0 || event.clientY < 0) return;
    const position = {
      x: Math.round(event.clientX),
      y: Math.round(event.clientY),
      viewport_w: win.innerWidth,
      viewport_h: win.innerHeight,
    };
    if (emit('mouse_move', position, settings.mouseEndpoint, now)) lastMouseTs = now;
  }, undefined);

  const onPageHide = guard(() => delivery?.pageHidden(), undefined);
  const onVisibility = guard(() => {
    if (doc.visibilityState === 'hidden') delivery?.pageHidden();
  }, undefined);
  const onOnline = guard(() => delivery?.retryNow(), undefined);

  function listenMouse(on: boolean): void {
    if (on && running) doc.addEventListener('mousemove', onMouseMove, { passive: true, capture: true });
    else doc.removeEventListener('mousemove', onMouseMove, { capture: true });
  }

  /** Identity, delivery and page-lifecycle listeners: created only for a visitor who may be tracked. */
  function setUp(options: PulseOptions): void {
    if (delivery !== undefined || blocked()) return;
    identity = createIdentity(storage(), uuid, int(options.sessionTimeout, 30 * 60_000, 1000, 7 * 86_400_000));
    delivery = createDelivery(
      transport,
      {
        now: () => Date.now(),
        setTimeout: (callback, ms) => win.setTimeout(guard(callback, undefined), ms),
        clearTimeout: (handle) => win.clearTimeout(handle as number),
        random: () => Math.random(),
      },
      storage(),
      {
        batchSize: int(options.batchSize, 10, 1, 100),
        flushInterval: int(options.flushInterval, 1000, 0, 60_000),
        maxQueue: int(options.maxQueue, 500, 10, 5000),
        minBackoff: 1000,
        maxBackoff: 30_000,
      },
    );
    win.addEventListener('pagehide', onPageHide);
    doc.addEventListener('visibilitychange', onVisibility);
    win.addEventListener('online', onOnline);
  }

  function init(options: PulseOptions): PulseApi {
    try {
      if (settings !== undefined) return api; // one tracker per page; later calls are ignored
      debug = options.debug === true;
      const site = String(options.siteKey ?? '');
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(site)) throw new Error(`invalid siteKey "${site}"`);
      const endpoint = options.endpoint ?? '/api/events';
      initOptions = options;
      settings = {
        site,
        automated: automationSignal(win),
        endpoint,
        mouseEndpoint: options.mouseEndpoint ?? mouseEndpointFor(endpoint),
        throttle: int(options.mouseThrottle, 250, 250, 60_000),
        pageViews: options.pageViews !== false,
        clicks: options.clicks !== false,
        forms: options.forms !== false,
      };
      mouse = options.mouse === true;
      setUp(options);
      if (options.autostart !== false) api.start();
    } catch (error) {
      report(error);
    }
    return api;
  }

  const api: PulseApi = {
    init,

    start: guard(() => {
      if (settings === undefined || initOptions === undefined || running || blocked()) return;
      setUp(initOptions); // after an opt-in, what a blocked init skipped
      running = true;
      if (settings.clicks) doc.addEventListener('click', onClick, true);
      if (settings.forms) doc.addEventListener('submit', onSubmit, true);
      if (settings.pageViews) {
        patchHistory();
        win.addEventListener('popstate', routeChanged);
        win.addEventListener('hashchange', routeChanged);
        // A script in <head> runs before the document is parsed: wait for its title.
        if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', routeChanged, { once: true });
        else pageView();
      }
      listenMouse(mouse);
    }, undefined),

    stop: guard(() => {
      if (!running) return;
      running = false;
      doc.removeEventListener('click', onClick, true);
      doc.removeEventListener('submit', onSubmit, true);
      win.removeEventListener('popstate', routeChanged);
      win.removeEventListener('hashchange', routeChanged);
      listenMouse(false);
      delivery?.flush(); // what was captured before stop() is still delivered
    }, undefined),

    track: guard((name: string, props?: Record<string, unknown>) => {
      const eventName = cut(String(name), 128);
      if (eventName === '') return;
      emit('custom', { name: eventName, props: snapshot(props) });
    }, undefined),

    identify: guard((userId: string) => {
      const id = String(userId);
      if (identity === undefined || blocked() || !/^.{1,128}$/s.test(id)) return;
      const previous = identity.identify(id);
      if (previous !== id) emit('custom', { name: 'identify', props: { previous_id: previous } });
    }, undefined),

    reset: guard(() => identity?.reset(), undefined),

    setMouseTracking: guard((on: boolean) => {
      mouse = on === true;
      listenMouse(false);
      listenMouse(mouse);
    }, undefined),

    initMouseTracker: guard((options?: PulseOptions) => {
      if (settings === undefined && options !== undefined) api.init({ ...options, autostart: false });
      api.setMouseTracking(true);
      api.start();
    }, undefined),

    stopMouseTracker: guard(() => api.setMouseTracking(false), undefined),

    optOut: guard(() => {
      storage().setItem(storageKeys.optOut, '1');
      delivery?.clear(); // before stop(), which would send what is queued
      identity?.reset();
      api.stop();
    }, undefined),

    optIn: guard(() => storage().removeItem(storageKeys.optOut), undefined),

    isOptedOut: guard(() => optedOut(), false),

    flush: guard(() => delivery?.flush(), undefined),

    onEvent: guard(
      (listener: (event: PulseEvent) => void) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      () => false,
    ),

    getState: guard(
      (): PulseState => {
        const ids = identity?.peek() ?? { userId: null, sessionId: null };
        const stats = delivery?.stats() ?? { queued: 0, sent: 0, dropped: 0, failures: 0 };
        return { initialized: settings !== undefined, running, mouse, blocked: blocked(), ...ids, ...stats };
      },
      {
        initialized: false,
        running: false,
        mouse: false,
        blocked: true,
        userId: null,
        sessionId: null,
        queued: 0,
        sent: 0,
        dropped: 0,
        failures: 0,
      },
    ),
  };
  return api;
}
