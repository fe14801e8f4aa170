/**
 * Live | History, chosen by the URL hash (`#live`, `#history?…`), so a view
 * can be bookmarked. The History view's code (and its charts) is fetched the
 * first time it is shown, which keeps the live view's first load small.
 */
import { byId, errorText } from './dom.ts';
import type { HistoryView } from './history-view.ts';

export type View = 'live' | 'history';

const viewOf = (hash: string): View => (hash.startsWith('#history') ? 'history' : 'live');

export interface ViewRouterHooks {
  /** The live view is on screen again. */
  liveShown(): void;
  /** The History view was just made: it is given what the live view already knows. */
  historyCreated(panel: HistoryView): void;
  failed(message: string): void;
}

export interface ViewRouter {
  current(): View;
  /** The History view, once it has been shown. */
  history(): HistoryView | undefined;
  /** Shows the view of the current hash, and follows the hash from now on. */
  start(): void;
}

export function viewRouter(hooks: ViewRouterHooks): ViewRouter {
  const ui = {
    liveView: byId('live-view'),
    historyView: byId('history-view'),
    tabLive: byId<HTMLAnchorElement>('tab-live'),
    tabHistory: byId<HTMLAnchorElement>('tab-history'),
  };
  let current: View = 'live';
  let historyPanel: HistoryView | undefined;
  let historyLoading: Promise<HistoryView> | undefined;

  function loadHistory(): Promise<HistoryView> {
    historyLoading ??= import('./history-view.ts').then(({ historyView }) => {
      const panel = historyView(ui.historyView, { onHash: (hash) => ui.tabHistory.setAttribute('href', hash) });
      hooks.historyCreated(panel);
      historyPanel = panel;
      return panel;
    });
    return historyLoading;
  }

  function markTabs(live: boolean): void {
    for (const [tab, active] of [
      [ui.tabLive, live],
      [ui.tabHistory, !live],
    ] as const) {
      if (active) tab.setAttribute('aria-current', 'page');
      else tab.removeAttribute('aria-current');
    }
    for (const note of document.querySelectorAll<HTMLElement>('[data-foot]')) note.hidden = note.dataset['foot'] !== current;
    document.title = live ? 'Pulse · live' : 'Pulse · history';
  }

  function showView(): void {
    const hash = window.location.hash;
    current = viewOf(hash);
    const live = current === 'live';
    ui.liveView.hidden = !live;
    markTabs(live);
    if (live) {
      historyPanel?.hide();
      ui.historyView.hidden = true;
      hooks.liveShown();
      return;
    }
    ui.tabHistory.setAttribute('href', hash);
    ui.historyView.hidden = false;
    loadHistory()
      .then((panel) => {
        if (current === 'history') panel.show(window.location.hash);
      })
      .catch((error: unknown) => hooks.failed(`The History view did not load: ${errorText(error)}`));
  }

  return {
    current: () => current,
    history: () => historyPanel,
    start() {
      window.addEventListener('hashchange', showView);
      showView();
    },
  };
}
