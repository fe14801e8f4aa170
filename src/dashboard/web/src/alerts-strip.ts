/**
 * The Alerts strip under the header, on every view: the alerts Alertmanager
 * sent to Pulse's webhook (firing ones coloured by severity, those resolved in
 * the last hour greyed), hidden while there are none. The board is read once
 * from /api/alerts, then kept current by the `alerts` events of
 * /api/alerts/stream; when the stream cannot be had it is polled instead and
 * the stream tried again now and then. A 404 means the server has no alert
 * receiver (an older Pulse): the strip stays hidden and asks no more.
 */
import { el } from './dom.ts';
import { stripModel, type StripItem } from './alerts-model.ts';
import type { AlertBoardSnapshot } from './alerts-types.ts';
import { apiFetch } from './session.ts';

export const ALERTS_URL = '/api/alerts';
export const ALERTS_STREAM_URL = '/api/alerts/stream';

/** Items shown before "+N more". */
const COLLAPSED_ITEMS = 6;

export interface AlertsStripOptions {
  /** Between polls while the stream is unavailable; default 15 s. */
  pollMs?: number;
  /** While polling, the stream is tried again this often; default 60 s. */
  streamRetryMs?: number;
  /** An open stream without any event (the server pings every 20 s) for this long is given up for polling; default 60 s. */
  stallMs?: number;
}

export interface AlertsStrip {
  start(): void;
  close(): void;
}

class NoAlertReceiver extends Error {}

async function readBoard(signal: AbortSignal): Promise<AlertBoardSnapshot> {
  const response = await apiFetch(ALERTS_URL, { signal });
  if (response.status === 404) throw new NoAlertReceiver('this server has no alert receiver');
  if (!response.ok) throw new Error(`${ALERTS_URL}: HTTP ${response.status}`);
  return (await response.json()) as AlertBoardSnapshot;
}

function renderItem(item: StripItem): HTMLLIElement {
  const li = el('li', 'alert-item');
  li.dataset['status'] = item.status;
  li.dataset['tone'] = item.tone;
  li.dataset['alertname'] = item.name;
  li.title = item.details;
  li.append(el('i', 'alert-dot'));
  li.append(el('span', 'alert-severity', item.status === 'resolved' ? 'resolved' : item.severity));
  if (item.runbook === null) {
    li.append(el('strong', 'alert-name', item.name));
  } else {
    const link = el('a', 'alert-name', item.name);
    link.href = item.runbook;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    link.title = 'Runbook';
    li.append(link);
  }
  if (item.summary !== null) li.append(el('span', 'alert-summary', item.summary));
  if (item.instance !== null) li.append(el('code', 'alert-instance', item.instance));
  const when = el('span', 'alert-when', item.when);
  when.title = item.whenTitle;
  li.append(when);
  return li;
}

export function alertsStrip(root: HTMLElement, options: AlertsStripOptions = {}): AlertsStrip {
  const pollMs = options.pollMs ?? 15_000;
  const streamRetryMs = options.streamRetryMs ?? 60_000;
  const stallMs = options.stallMs ?? 60_000;
  const part = <T extends HTMLElement>(selector: string): T => {
    const found = root.querySelector<T>(selector);
    if (found === null) throw new Error(`${selector} is missing from #alerts-strip in index.html`);
    return found;
  };
  const list = part('[data-alerts-list]');
  const count = part('[data-alerts-count]');
  const more = part<HTMLButtonElement>('[data-alerts-more]');

  let board: AlertBoardSnapshot | undefined;
  /** Server clock minus the page's, from the last board. */
  let skew = 0;
  let expanded = false;
  let closed = false;
  let source: EventSource | undefined;
  let lastEventAt = 0;
  let pollTimer: number | undefined;
  let pollAbort: AbortController | undefined;
  let streamRetryAt = 0;
  const timers: number[] = [];

  function render(): void {
    if (board === undefined) return;
    const model = stripModel(board, Date.now() + skew);
    root.hidden = model.hidden;
    root.dataset['state'] = model.state;
    root.dataset['tone'] = model.tone;
    count.textContent = model.count;
    const shown = expanded ? model.items : model.items.slice(0, COLLAPSED_ITEMS);
    list.replaceChildren(...shown.map(renderItem));
    const hiddenItems = model.items.length - shown.length;
    more.hidden = model.items.length <= COLLAPSED_ITEMS;
    more.textContent = expanded ? 'show fewer' : `+${hiddenItems} more`;
    more.setAttribute('aria-expanded', String(expanded));
  }

  function receive(next: AlertBoardSnapshot): void {
    board = next;
    skew = next.serverTime - Date.now();
    render();
  }

  /** No alert receiver on this server: hidden for good. */
  function off(): void {
    closed = true;
    stopAll();
    root.hidden = true;
  }

  function stopPolling(): void {
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

  function schedulePoll(delay: number): void {
    if (closed || pollTimer !== undefined) return;
    pollTimer = window.setTimeout(() => void poll(), delay);
  }

  async function poll(): Promise<void> {
    pollTimer = undefined;
    if (closed || source !== undefined) return;
    const abort = new AbortController();
    pollAbort = abort;
    try {
      receive(await readBoard(abort.signal));
    } catch (error) {
      if (abort.signal.aborted) return;
      if (error instanceof NoAlertReceiver) return off();
      // Not reachable now: what was shown stays, and the next poll tries again.
    }
    if (Date.now() >= streamRetryAt) openStream();
    else schedulePoll(pollMs);
  }

  /** Reads by polling from now on, until the stream opens again. */
  function fallBack(): void {
    dropStream();
    streamRetryAt = Date.now() + streamRetryMs;
    schedulePoll(board === undefined ? 0 : pollMs);
  }

  function openStream(): void {
    if (closed) return;
    stopPolling();
    const es = new EventSource(ALERTS_STREAM_URL);
    source = es;
    lastEventAt = Date.now();
    const heard = (): void => {
      if (source === es) lastEventAt = Date.now();
    };
    es.addEventListener('open', heard);
    es.addEventListener('ping', heard);
    es.addEventListener('alerts', (event) => {
      if (source !== es) return;
      heard();
      try {
        receive(JSON.parse((event as MessageEvent<string>).data) as AlertBoardSnapshot);
      } catch {
        // a malformed event: the next one replaces it
      }
    });
    es.addEventListener('error', () => {
      if (source !== es) return;
      // CONNECTING: the browser retries on its own. CLOSED: the server answered, but not with a stream.
      if (es.readyState === EventSource.CLOSED) fallBack();
    });
  }

  more.addEventListener('click', () => {
    expanded = !expanded;
    render();
  });

  return {
    start() {
      // Read once first: a server without the receiver answers 404 and the strip stays hidden without opening a stream.
      const abort = new AbortController();
      pollAbort = abort;
      readBoard(abort.signal)
        .then((first) => {
          if (closed) return;
          receive(first);
          openStream();
        })
        .catch((error: unknown) => {
          if (closed || abort.signal.aborted) return;
          if (error instanceof NoAlertReceiver) off();
          else fallBack();
        });
      // "for 5m" moves on; a stalled stream (a buffering proxy) is given up for polling.
      timers.push(window.setInterval(render, 15_000));
      timers.push(
        window.setInterval(() => {
          if (source !== undefined && Date.now() - lastEventAt > stallMs) fallBack();
        }, 5_000),
      );
    },
    close() {
      closed = true;
      for (const timer of timers) window.clearInterval(timer);
      stopAll();
    },
  };
}
