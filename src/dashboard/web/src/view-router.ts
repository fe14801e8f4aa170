/**
 * Live | History | Funnels | Retention | Events | Shop | Kafka | Sites, chosen by the URL hash
 * (`#live`, `#history?…`, `#funnels`, `#retention`, `#events`, `#shop`, `#kafka/…`, `#sites`),
 * so a view can be bookmarked.
 * The History, Shop, Kafka and Sites views' code (and their charts) is
 * fetched the first time each is shown, which keeps the live view's first
 * load small. A view the signed-in role may not use (`allowed`) has no tab,
 * and its hash shows the live view.
 */
import type { AnalyticsKind, AnalyticsView } from './analytics-view.ts';
import { byId, errorText } from './dom.ts';
import type { HistoryView } from './history-view.ts';
import type { KafkaView } from './kafka-view.ts';
import type { ShopView } from './shop-view.ts';
import type { SitesView } from './sites-view.ts';

export type View = 'live' | 'history' | AnalyticsKind | 'shop' | 'kafka' | 'sites';

const analyticsKinds: readonly AnalyticsKind[] = ['funnels', 'retention', 'events'];
const isAnalytics = (view: View): view is AnalyticsKind => (analyticsKinds as readonly string[]).includes(view);

const viewOf = (hash: string): View =>
  analyticsKinds.find((kind) => hash.startsWith(`#${kind}`)) ??
  (hash.startsWith('#history')
    ? 'history'
    : hash.startsWith('#shop')
      ? 'shop'
      : hash.startsWith('#kafka')
        ? 'kafka'
        : hash.startsWith('#sites')
          ? 'sites'
          : 'live');

export interface ViewRouterHooks {
  /** The live view is on screen again. */
  liveShown(): void;
  /** The History view was just made: it is given what the live view already knows. */
  historyCreated(panel: HistoryView): void;
  failed(message: string): void;
  /** Whether the signed-in role may use a view (its tab is hidden otherwise). */
  allowed(view: View): boolean;
  /** The Sites view added or removed a site: the site picker is read again. */
  sitesChanged(): void;
  /** The site shown, null until the live view resolved one (later ones reach the views by their setSite). */
  site(): string | null;
}

export interface ViewRouter {
  current(): View;
  /** The History view, once it has been shown. */
  history(): HistoryView | undefined;
  /** The Funnels, Retention and Events views, once one has been shown. */
  analytics(): AnalyticsView | undefined;
  /** Shows the view of the current hash, and follows the hash from now on. */
  start(): void;
}

export function viewRouter(hooks: ViewRouterHooks): ViewRouter {
  const ui = {
    liveView: byId('live-view'),
    historyView: byId('history-view'),
    shopView: byId('shop-view'),
    kafkaView: byId('kafka-view'),
    tabLive: byId<HTMLAnchorElement>('tab-live'),
    tabHistory: byId<HTMLAnchorElement>('tab-history'),
    tabShop: byId<HTMLAnchorElement>('tab-shop'),
    tabKafka: byId<HTMLAnchorElement>('tab-kafka'),
    sitesView: byId('sites-view'),
    tabSites: byId<HTMLAnchorElement>('tab-sites'),
    analyticsView: byId('analytics-view'),
    tabFunnels: byId<HTMLAnchorElement>('tab-funnels'),
    tabRetention: byId<HTMLAnchorElement>('tab-retention'),
    tabEvents: byId<HTMLAnchorElement>('tab-events'),
  };
  let current: View = 'live';
  let historyPanel: HistoryView | undefined;
  let historyLoading: Promise<HistoryView> | undefined;
  let shopPanel: ShopView | undefined;
  let shopLoading: Promise<ShopView> | undefined;
  let kafkaPanel: KafkaView | undefined;
  let kafkaLoading: Promise<KafkaView> | undefined;
  let sitesPanel: SitesView | undefined;
  let sitesLoading: Promise<SitesView> | undefined;
  let analyticsPanel: AnalyticsView | undefined;
  let analyticsLoading: Promise<AnalyticsView> | undefined;

  function loadAnalytics(): Promise<AnalyticsView> {
    analyticsLoading ??= import('./analytics-view.ts').then(
      ({ analyticsView }) => (analyticsPanel = analyticsView(ui.analyticsView, hooks.site())),
    );
    return analyticsLoading;
  }

  function loadHistory(): Promise<HistoryView> {
    historyLoading ??= import('./history-view.ts').then(({ historyView }) => {
      const panel = historyView(ui.historyView, { onHash: (hash) => ui.tabHistory.setAttribute('href', hash) });
      hooks.historyCreated(panel);
      historyPanel = panel;
      return panel;
    });
    return historyLoading;
  }

  function loadShop(): Promise<ShopView> {
    shopLoading ??= import('./shop-view.ts').then(({ shopView }) => (shopPanel = shopView(ui.shopView)));
    return shopLoading;
  }

  function loadKafka(): Promise<KafkaView> {
    kafkaLoading ??= import('./kafka-view.ts').then(
      ({ kafkaView }) => (kafkaPanel = kafkaView(ui.kafkaView, { onHash: (hash) => ui.tabKafka.setAttribute('href', hash) })),
    );
    return kafkaLoading;
  }

  function loadSites(): Promise<SitesView> {
    sitesLoading ??= import('./sites-view.ts').then(
      ({ sitesView }) => (sitesPanel = sitesView(ui.sitesView, { sitesChanged: hooks.sitesChanged })),
    );
    return sitesLoading;
  }

  const tabs = [
    [ui.tabLive, 'live'],
    [ui.tabHistory, 'history'],
    [ui.tabFunnels, 'funnels'],
    [ui.tabRetention, 'retention'],
    [ui.tabEvents, 'events'],
    [ui.tabShop, 'shop'],
    [ui.tabKafka, 'kafka'],
    [ui.tabSites, 'sites'],
  ] as const;

  function markTabs(): void {
    for (const [tab, view] of tabs) {
      tab.hidden = !hooks.allowed(view);
      if (view === current) tab.setAttribute('aria-current', 'page');
      else tab.removeAttribute('aria-current');
    }
    for (const note of document.querySelectorAll<HTMLElement>('[data-foot]')) note.hidden = note.dataset['foot'] !== current;
    document.title = `Pulse · ${current}`;
  }

  function showView(): void {
    const hash = window.location.hash;
    current = viewOf(hash);
    if (!hooks.allowed(current)) current = 'live';
    ui.liveView.hidden = current !== 'live';
    markTabs();
    if (current !== 'history') {
      historyPanel?.hide();
      ui.historyView.hidden = true;
    }
    if (!isAnalytics(current)) {
      analyticsPanel?.hide();
      ui.analyticsView.hidden = true;
    }
    if (current !== 'shop') {
      shopPanel?.hide();
      ui.shopView.hidden = true;
    }
    if (current !== 'kafka') {
      kafkaPanel?.hide();
      ui.kafkaView.hidden = true;
    }
    if (current !== 'sites') {
      sitesPanel?.hide();
      ui.sitesView.hidden = true;
    }
    if (current === 'live') {
      hooks.liveShown();
      return;
    }
    if (isAnalytics(current)) {
      const kind = current;
      ui.analyticsView.hidden = false;
      loadAnalytics()
        .then((panel) => {
          if (current === kind) panel.show(kind);
        })
        .catch((error: unknown) => hooks.failed(`The ${kind} view did not load: ${errorText(error)}`));
      return;
    }
    if (current === 'sites') {
      ui.sitesView.hidden = false;
      loadSites()
        .then((panel) => {
          if (current === 'sites') panel.show();
        })
        .catch((error: unknown) => hooks.failed(`The Sites view did not load: ${errorText(error)}`));
      return;
    }
    if (current === 'kafka') {
      ui.kafkaView.hidden = false;
      loadKafka()
        .then((panel) => {
          if (current === 'kafka') panel.show(window.location.hash);
        })
        .catch((error: unknown) => hooks.failed(`The Kafka view did not load: ${errorText(error)}`));
      return;
    }
    if (current === 'shop') {
      ui.shopView.hidden = false;
      loadShop()
        .then((panel) => {
          if (current === 'shop') panel.show();
        })
        .catch((error: unknown) => hooks.failed(`The Shop view did not load: ${errorText(error)}`));
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
    analytics: () => analyticsPanel,
    start() {
      window.addEventListener('hashchange', showView);
      showView();
    },
  };
}
