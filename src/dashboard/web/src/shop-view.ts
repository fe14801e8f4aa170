/**
 * The Shop view (`#shop`): the marketplace's analytics, what seed 003 built
 * in Kibana. Top categories of the filtered catalog, search statistics
 * (queries per minute, top queries, queries with no result) and shop user
 * activity, all pushed by the server over /api/shop/stream while the view is
 * shown (shop-live.ts, which polls when the stream cannot be had), plus a
 * search box. A server without a marketplace answers 404, and the view says
 * so instead of failing.
 *
 * This file holds the connection's life and the view's state; the panels
 * are in shop-panels.ts, the charts in shop-charts.ts, the search box in
 * shop-search.ts.
 */
import { byId } from './dom.ts';
import { formatCount } from './format.ts';
import { connectShop, type ShopConnection, type ShopConnectionState } from './shop-live.ts';
import { catalogTotals, updateKey } from './shop-model.ts';
import { shopPanels } from './shop-panels.ts';
import { shopSearch } from './shop-search.ts';
import type { ShopUpdate } from './shop-types.ts';

/** `data-state` of the view's root: what it shows now. */
export type ShopState = 'idle' | 'loading' | 'ready' | 'off';

export interface ShopView {
  /** Shows the view and opens its live connection. */
  show(): void;
  /** Hides the view and closes the connection: nothing is read while it is not on screen. */
  hide(): void;
}

const connectionText: Record<ShopConnectionState, { text: string; title: string }> = {
  connecting: { text: 'Connecting…', title: 'Opening the shop stream' },
  live: { text: 'Live', title: 'Pushed by the server every 2 s (server-sent events)' },
  reconnecting: { text: 'Reconnecting…', title: 'The shop stream dropped; the browser is reconnecting' },
  polling: { text: 'Polling', title: 'The shop stream is not available here: the figures are read every 2 s instead' },
  offline: { text: 'Offline', title: 'The shop API does not answer; retrying' },
  off: { text: 'Not enabled', title: 'This server has no marketplace' },
};

export function shopView(root: HTMLElement): ShopView {
  const ui = {
    connection: byId('shop-connection'),
    status: byId('shop-status'),
    summary: byId('shop-summary'),
    off: byId('shop-off'),
  };
  const panels = shopPanels();
  shopSearch();
  let connection: ShopConnection | undefined;
  let shownKey = '';
  let updatedAt: number | undefined;
  let problem: string | null = null;
  let updates = 0;

  function setState(state: ShopState): void {
    root.dataset['state'] = state;
    root.setAttribute('aria-busy', String(state === 'loading'));
    ui.off.hidden = state !== 'off';
  }

  function say(): void {
    ui.status.dataset['level'] = problem === null ? 'ok' : 'error';
    ui.status.textContent =
      problem ?? (updatedAt === undefined ? 'Waiting for the first figures…' : `Updated ${new Date(updatedAt).toLocaleTimeString()}`);
  }

  function renderConnection(state: ShopConnectionState): void {
    ui.connection.dataset['state'] = state;
    ui.connection.title = connectionText[state].title;
    const text = ui.connection.querySelector('[data-text]');
    if (text !== null) text.textContent = connectionText[state].text;
    if (state === 'off') {
      setState('off');
      problem = null;
      ui.status.textContent = '';
    }
  }

  function render(update: ShopUpdate): void {
    updatedAt = Date.now();
    updates += 1;
    root.dataset['updates'] = String(updates);
    const key = updateKey(update);
    setState('ready'); // before drawing: Chart.js sizes a chart from its visible box
    if (key !== shownKey) {
      shownKey = key;
      panels.render(update);
      const totals = catalogTotals(update.categories);
      ui.summary.textContent = `${formatCount(totals.products)} products in ${formatCount(totals.categories)} categories · queries of the last hour, per minute`;
    }
    say();
  }

  return {
    show() {
      root.hidden = false;
      if (connection !== undefined) return;
      if (root.dataset['state'] !== 'ready') setState('loading');
      say();
      connection = connectShop({
        onUpdate: render,
        onState: renderConnection,
        onProblem: (message) => {
          problem = message;
          say();
        },
      });
    },
    hide() {
      root.hidden = true;
      connection?.close();
      connection = undefined;
    },
  };
}
