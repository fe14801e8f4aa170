/**
 * The dashboard's one live connection: an EventSource on /api/stream whose
 * `live` events carry every live figure. The browser reconnects by itself
 * after a dropped connection (the server asks for a 2 s retry); when the
 * server refuses the stream outright the EventSource closes, and this opens a
 * new one after a back-off.
 */
import type { LiveUpdate } from './api-types.ts';

export type ConnectionState = 'connecting' | 'live' | 'stalled' | 'reconnecting' | 'offline';

export interface LiveOptions {
  site: string | null;
  onUpdate: (update: LiveUpdate) => void;
  onState: (state: ConnectionState) => void;
  /** With no update for this long on an open stream, the state becomes `stalled`. */
  stallMs?: number;
}

export interface LiveConnection {
  close(): void;
}

export function streamUrl(site: string | null): string {
  return site === null ? '/api/stream' : `/api/stream?site=${encodeURIComponent(site)}`;
}

export function connectLive(options: LiveOptions): LiveConnection {
  const stallMs = options.stallMs ?? 5000;
  let source: EventSource | undefined;
  let state: ConnectionState | undefined;
  let lastMessageAt = 0;
  let retryDelay = 1000;
  let retryTimer: number | undefined;
  let closed = false;

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    options.onState(next);
  };

  const open = () => {
    if (closed) return;
    setState(state === undefined ? 'connecting' : 'reconnecting');
    const es = new EventSource(streamUrl(options.site));
    source = es;
    es.addEventListener('open', () => {
      retryDelay = 1000;
      lastMessageAt = Date.now();
      setState('live');
    });
    es.addEventListener('live', (event) => {
      lastMessageAt = Date.now();
      let update: LiveUpdate;
      try {
        update = JSON.parse((event as MessageEvent<string>).data) as LiveUpdate;
      } catch {
        return;
      }
      setState('live');
      options.onUpdate(update);
    });
    es.addEventListener('error', () => {
      if (es.readyState === EventSource.CONNECTING) {
        setState('reconnecting'); // the browser retries on its own
        return;
      }
      // CLOSED: the server answered but not with a stream (e.g. 400, 503); try again later.
      es.close();
      setState('offline');
      retryTimer = window.setTimeout(open, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30_000);
    });
  };

  const watchdog = window.setInterval(() => {
    if (source?.readyState === EventSource.OPEN && Date.now() - lastMessageAt > stallMs) setState('stalled');
  }, 1000);

  open();
  return {
    close() {
      closed = true;
      window.clearInterval(watchdog);
      if (retryTimer !== undefined) window.clearTimeout(retryTimer);
      source?.close();
    },
  };
}
