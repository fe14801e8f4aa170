/**
 * The Shop view's live connection: an EventSource on /api/shop/stream whose
 * `shop` events carry the category figures and the last hour of search
 * statistics (pushed every 2 s). When the stream cannot be had (the server
 * refused it, or it stalled behind a proxy that buffers), the same figures
 * are polled from /api/shop/categories and /api/shop/stats instead, and the
 * stream is tried again now and then. A 404 from the polled API means the
 * server has no marketplace: the connection stops and says so.
 */
import { errorText } from './dom.ts';
import { isShopOff, readShop } from './shop-api.ts';
import type { ShopUpdate } from './shop-types.ts';

export const SHOP_STREAM_URL = '/api/shop/stream';

/** `polling`: figures arrive, but by polling; `off`: the server has no marketplace. */
export type ShopConnectionState = 'connecting' | 'live' | 'reconnecting' | 'polling' | 'offline' | 'off';

export interface ShopConnectionOptions {
  onUpdate(update: ShopUpdate): void;
  onState(state: ShopConnectionState): void;
  /** A read failed on the server (an `error` event) or a poll failed; null once figures arrive again. */
  onProblem(message: string | null): void;
  /** Between polls; default 2000 ms, like the stream. */
  pollMs?: number;
  /** An open stream without an event for this long is given up for polling; default 10 s. */
  stallMs?: number;
  /** While polling, the stream is tried again this often; default 30 s. */
  streamRetryMs?: number;
}

export interface ShopConnection {
  state(): ShopConnectionState;
  close(): void;
}

export function connectShop(options: ShopConnectionOptions): ShopConnection {
  const pollMs = options.pollMs ?? 2000;
  const stallMs = options.stallMs ?? 10_000;
  const streamRetryMs = options.streamRetryMs ?? 30_000;
  let state: ShopConnectionState = 'connecting';
  let source: EventSource | undefined;
  let lastEventAt = 0;
  let closed = false;
  let polling = false;
  let pollTimer: number | undefined;
  let pollDelay = pollMs;
  let pollAbort: AbortController | undefined;
  let streamRetryAt = 0;

  const setState = (next: ShopConnectionState): void => {
    if (next === state) return;
    state = next;
    options.onState(next);
  };

  const receive = (update: ShopUpdate): void => {
    options.onProblem(null);
    options.onUpdate(update);
  };

  function stopPolling(): void {
    polling = false;
    if (pollTimer !== undefined) window.clearTimeout(pollTimer);
    pollTimer = undefined;
    pollAbort?.abort();
    pollAbort = undefined;
  }

  function dropStream(): void {
    source?.close();
    source = undefined;
  }

  function stopAll(): void {
    stopPolling();
    dropStream();
  }

  async function poll(): Promise<void> {
    pollTimer = undefined;
    if (closed || !polling) return;
    if (source === undefined && Date.now() >= streamRetryAt) {
      streamRetryAt = Date.now() + streamRetryMs;
      openStream(); // polls go on until it opens
    }
    const abort = new AbortController();
    pollAbort = abort;
    try {
      const update = await readShop(abort.signal);
      if (abort.signal.aborted || !polling) return;
      pollDelay = pollMs;
      if (state !== 'live') setState('polling');
      receive(update);
    } catch (error) {
      if (abort.signal.aborted || !polling) return;
      if (isShopOff(error)) {
        stopAll();
        setState('off');
        return;
      }
      setState('offline');
      options.onProblem(`The shop API did not answer: ${errorText(error)}`);
      pollDelay = Math.min(pollDelay * 2, 30_000);
    }
    if (polling && !closed) pollTimer = window.setTimeout(() => void poll(), pollDelay);
  }

  function startPolling(): void {
    if (polling || closed) return;
    polling = true;
    pollDelay = pollMs;
    streamRetryAt = Date.now() + streamRetryMs;
    void poll();
  }

  function openStream(): void {
    if (closed) return;
    const es = new EventSource(SHOP_STREAM_URL);
    source = es;
    es.addEventListener('open', () => {
      if (source !== es) return;
      lastEventAt = Date.now();
      stopPolling();
      setState('live');
    });
    es.addEventListener('shop', (event) => {
      if (source !== es) return;
      lastEventAt = Date.now();
      let update: ShopUpdate;
      try {
        update = JSON.parse((event as MessageEvent<string>).data) as ShopUpdate;
      } catch {
        return;
      }
      setState('live');
      receive(update);
    });
    es.addEventListener('error', (event) => {
      if (source !== es) return;
      // An `error` event the server sent: a read failed there, the stream goes on.
      if (event instanceof MessageEvent && typeof event.data === 'string') {
        lastEventAt = Date.now();
        let message = event.data;
        try {
          message = (JSON.parse(event.data) as { message?: string }).message ?? message;
        } catch {
          // not JSON: shown as sent
        }
        options.onProblem(`The server could not read the shop figures: ${message}`);
        return;
      }
      if (es.readyState === EventSource.CONNECTING) {
        if (!polling) setState('reconnecting'); // the browser retries on its own
        return;
      }
      // CLOSED: the server answered, but not with a stream (404 without a marketplace, a proxy's error page…).
      dropStream();
      startPolling();
    });
  }

  const watchdog = window.setInterval(() => {
    if (source?.readyState === EventSource.OPEN && Date.now() - lastEventAt > stallMs) {
      dropStream(); // e.g. a proxy that buffers the stream: the figures are polled instead
      startPolling();
    }
  }, 1000);

  options.onState(state);
  openStream();
  return {
    state: () => state,
    close() {
      closed = true;
      window.clearInterval(watchdog);
      stopAll();
    },
  };
}
