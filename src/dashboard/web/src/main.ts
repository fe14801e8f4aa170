/**
 * The Pulse dashboard. Every live figure comes from one EventSource on
 * /api/stream (no polling loop); only the cursor heat map, which is read per
 * page, is fetched, and only when a stream update arrives and the last fetch
 * is a few seconds old. `#history` shows the History view instead
 * (history-view.ts, loaded on first use), with the same site selector.
 */
import './styles.css';
import type { HeatmapResponse, LiveUpdate, PositionsResponse, RealtimeSnapshot, SitesResponse, TopPage, UserStats } from './api-types.ts';
import { eventsPerSecondChart, palette, topPagesChart } from './charts.ts';
import { feedView, shortId } from './feed-view.ts';
import {
  dataAgeLevel,
  formatAge,
  formatAgo,
  formatCount,
  formatDuration,
  formatPercent,
  formatRate,
  totalLag,
  type DataAgeLevel,
} from './format.ts';
import { heatColor, pickHeatPage, rgba } from './heat.ts';
import { heatmapView } from './heatmap-view.ts';
import type { HistoryView } from './history-view.ts';
import { connectLive, type ConnectionState, type LiveConnection } from './live.ts';
import { pipelineView } from './pipeline-view.ts';

/** The heat map is re-read at most this often. */
const HEAT_REFRESH_MS = 3000;
/** While the page shown has no cursor data, the top pages are searched for one that has, at most this often. */
const HEAT_SCAN_MS = 15_000;
const HEAT_SCAN_PAGES = 8;

const byId = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing from index.html`);
  return element as T;
};

const ui = {
  site: byId<HTMLSelectElement>('site'),
  connection: byId('connection'),
  dataAge: byId('data-age'),
  banner: byId('banner'),
  tiles: {
    active: byId('tile-active'),
    eps: byId('tile-eps'),
    sessions: byId('tile-sessions'),
    bounce: byId('tile-bounce'),
    duration: byId('tile-duration'),
  },
  topAllList: byId<HTMLOListElement>('top-all-list'),
  topHourList: byId<HTMLOListElement>('top-hour-list'),
  heatPage: byId<HTMLSelectElement>('heat-page'),
  heatMeta: byId('heat-meta'),
  visitor: byId('visitor'),
  feedMoves: byId<HTMLInputElement>('feed-moves'),
  serverTime: byId('server-time'),
  liveView: byId('live-view'),
  historyView: byId('history-view'),
  tabLive: byId<HTMLAnchorElement>('tab-live'),
  tabHistory: byId<HTMLAnchorElement>('tab-history'),
};

const epsChart = eventsPerSecondChart(byId<HTMLCanvasElement>('eps-chart'));
const topAll = topPagesChart(byId<HTMLCanvasElement>('top-all-chart'), palette.indigo);
const topHour = topPagesChart(byId<HTMLCanvasElement>('top-hour-chart'), palette.cyan);
const feed = feedView(byId<HTMLOListElement>('feed'), byId('feed-empty'), (userId) => void showVisitor(userId));
const heat = heatmapView(byId<HTMLCanvasElement>('heat-canvas'), byId('heat-legend'));
const pipeline = pipelineView(byId('pipeline'));

const legendBar = document.querySelector<HTMLElement>('[data-legend-bar]');
if (legendBar !== null) {
  const stops = [0.08, 0.25, 0.5, 0.75, 1].map((t) => rgba(heatColor(t)));
  legendBar.style.background = `linear-gradient(90deg, ${stops.join(', ')})`;
}

const state: {
  site: string | null;
  heatPage: string | null;
  heatPageChosen: boolean;
  /** Whether the page shown had cursor data at the last read. */
  heatHasData: boolean;
  lastHeatScanAt: number;
  topPaths: string[];
  lastHeatAt: number;
  heatLoading: boolean;
  connection: LiveConnection | undefined;
  /** Bumped on every site switch, so answers for the previous site are dropped. */
  generation: number;
  latest: LiveUpdate | undefined;
} = {
  site: null,
  heatPage: null,
  heatPageChosen: false,
  heatHasData: false,
  lastHeatScanAt: 0,
  topPaths: [],
  lastHeatAt: 0,
  heatLoading: false,
  connection: undefined,
  generation: 0,
  latest: undefined,
};

const siteParam = (site: string | null) => (site === null ? '' : `site=${encodeURIComponent(site)}`);
const withSite = (path: string, site: string | null, extra: Record<string, string> = {}) => {
  const query = [siteParam(site), ...Object.entries(extra).map(([k, v]) => `${k}=${encodeURIComponent(v)}`)].filter((part) => part !== '');
  return query.length === 0 ? path : `${path}?${query.join('&')}`;
};

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { message?: string };
    throw new Error(body.message ?? `${url}: HTTP ${response.status}`);
  }
  return (await response.json()) as T;
}

function showBanner(message: string | null): void {
  ui.banner.hidden = message === null;
  ui.banner.textContent = message ?? '';
}

// ---------------------------------------------------------------- header

const connectionText: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  stalled: 'Stalled',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

function renderConnection(connection: ConnectionState): void {
  ui.connection.dataset['state'] = connection;
  const text = ui.connection.querySelector('[data-text]');
  if (text !== null) text.textContent = connectionText[connection];
}

function renderDataAge(update: LiveUpdate): DataAgeLevel {
  const age = update.newestEventAgeMs;
  const level = dataAgeLevel(age, totalLag(update.pipeline));
  ui.dataAge.dataset['level'] = level;
  const text = ui.dataAge.querySelector('[data-text]');
  if (text === null) return level;
  if (age === null) text.textContent = 'No events yet';
  else if (level === 'idle') text.textContent = `Idle · last event ${formatAgo(age)}`;
  else if (level === 'fresh') text.textContent = `Data age ${formatAge(age)}`;
  else text.textContent = `Behind · data ${formatAge(age)} old`;
  return level;
}

// ---------------------------------------------------------------- tiles and charts

function setTile(tile: HTMLElement, value: string, sub?: string): void {
  const valueElement = tile.querySelector<HTMLElement>('[data-value]');
  if (valueElement !== null && valueElement.textContent !== value) {
    valueElement.textContent = value;
    valueElement.classList.remove('bump');
    void valueElement.offsetWidth; // restart the animation
    valueElement.classList.add('bump');
  }
  const subElement = tile.querySelector<HTMLElement>('[data-sub]');
  if (sub !== undefined && subElement !== null) subElement.textContent = sub;
}

/** Text twin of a bar chart, inside its canvas: screen readers (and tests) read it. */
function renderPageList(list: HTMLOListElement, pages: readonly TopPage[]): void {
  list.replaceChildren(
    ...pages.map((page) => {
      const item = document.createElement('li');
      item.dataset['path'] = page.path;
      item.textContent = `${page.path}: ${page.views} views`;
      return item;
    }),
  );
}

function renderRealtime(realtime: RealtimeSnapshot, serverTime: number): void {
  setTile(ui.tiles.active, formatCount(realtime.activeUsers));
  const peak = Math.max(0, ...realtime.eventsPerSecondSeries.map((point) => point.count));
  setTile(ui.tiles.eps, formatRate(realtime.eventsPerSecond), `10 s average · peak ${formatCount(peak)}/s`);
  setTile(ui.tiles.sessions, formatCount(realtime.sessions.count));
  setTile(ui.tiles.bounce, realtime.sessions.count === 0 ? '–' : formatPercent(realtime.sessions.bounceRate));
  setTile(ui.tiles.duration, realtime.sessions.count === 0 ? '–' : formatDuration(realtime.sessions.avgDurationSeconds));

  epsChart.update(realtime.eventsPerSecondSeries.map((point) => ({ x: (point.ts - serverTime) / 1000, y: point.count })));
  topAll.update(realtime.topPages);
  topHour.update(realtime.topPagesLastHour);
  renderPageList(ui.topAllList, realtime.topPages);
  renderPageList(ui.topHourList, realtime.topPagesLastHour);
  feed.update(ui.feedMoves.checked ? realtime.feed : realtime.feed.filter((item) => item.type !== 'mouse_move'), serverTime);
  renderHeatPages(realtime.topPages);
}

// ---------------------------------------------------------------- heat map

function setHeatOptions(): void {
  const page = state.heatPage ?? '/';
  const paths = [...new Set([page, ...state.topPaths])];
  const current = [...ui.heatPage.options].map((option) => option.value);
  if (current.join('\n') !== paths.join('\n')) {
    ui.heatPage.replaceChildren(
      ...paths.map((path) => {
        const option = document.createElement('option');
        option.value = path;
        option.textContent = path;
        return option;
      }),
    );
  }
  ui.heatPage.value = page;
}

function renderHeatPages(pages: readonly TopPage[]): void {
  state.topPaths = pages.map((page) => page.path);
  if (state.heatPage === null && pages[0] !== undefined) {
    state.heatPage = pages[0].path;
    state.lastHeatAt = 0; // read it now
  }
  setHeatOptions();
}

/**
 * Until the user picks a page, the map looks for one with cursor data among
 * the most viewed pages, so it does not sit empty on a page nobody moved on.
 */
async function autoHeatPage(): Promise<{ page: string; map: HeatmapResponse | undefined }> {
  const current = state.heatPage ?? state.topPaths[0] ?? '/';
  if (state.heatPageChosen || state.heatHasData || Date.now() - state.lastHeatScanAt < HEAT_SCAN_MS)
    return { page: current, map: undefined };
  state.lastHeatScanAt = Date.now();
  const candidates = [...new Set([current, ...state.topPaths.slice(0, HEAT_SCAN_PAGES)])];
  const maps = await Promise.all(candidates.map((path) => getJson<HeatmapResponse>(withSite('/api/stats/heatmap', state.site, { path }))));
  const page = pickHeatPage(candidates.map((path, i) => ({ path, cells: maps[i]?.cells.length ?? 0 }))) ?? current;
  return { page, map: maps[candidates.indexOf(page)] };
}

async function refreshHeat(force = false): Promise<void> {
  if (state.heatPage === null || state.heatLoading || document.hidden || currentView !== 'live') return;
  if (!force && Date.now() - state.lastHeatAt < HEAT_REFRESH_MS) return;
  state.heatLoading = true;
  state.lastHeatAt = Date.now();
  const generation = state.generation;
  try {
    const picked = await autoHeatPage();
    const page = picked.page;
    const [map, positions] = await Promise.all([
      picked.map ?? getJson<HeatmapResponse>(withSite('/api/stats/heatmap', state.site, { path: page })),
      getJson<PositionsResponse>(withSite('/api/stats/positions', state.site, { path: page })),
    ]);
    if (generation !== state.generation) return;
    if (state.heatPageChosen && page !== state.heatPage) return; // the user picked another page meanwhile
    state.heatPage = page;
    setHeatOptions();
    const now = state.latest?.serverTime ?? Date.now();
    const grid = heat.draw(map, positions.positions, now);
    state.heatHasData = grid.total > 0 || positions.positions.length > 0;
    ui.heatMeta.textContent = `${formatCount(grid.total)} positions · ${formatCount(positions.positions.length)} cursor${positions.positions.length === 1 ? '' : 's'} in the last 5 min`;
  } catch (error) {
    ui.heatMeta.textContent = `Heat map unavailable: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    state.heatLoading = false;
  }
}

ui.feedMoves.addEventListener('change', () => {
  if (state.latest !== undefined) renderRealtime(state.latest.realtime, state.latest.serverTime);
});

ui.heatPage.addEventListener('change', () => {
  state.heatPage = ui.heatPage.value;
  state.heatPageChosen = true;
  state.lastHeatAt = 0;
  void refreshHeat(true);
});

// ---------------------------------------------------------------- visitor details

async function showVisitor(userId: string): Promise<void> {
  ui.visitor.hidden = false;
  ui.visitor.textContent = `Loading visitor ${shortId(userId)}…`;
  try {
    const stats = await getJson<UserStats>(withSite(`/api/stats/users/${encodeURIComponent(userId)}`, state.site));
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'visitor-close';
    close.textContent = '×';
    close.title = 'Close';
    close.addEventListener('click', () => (ui.visitor.hidden = true));
    const title = document.createElement('strong');
    title.textContent = `Visitor ${shortId(stats.user_id)}`;
    title.title = stats.user_id;
    const now = state.latest?.serverTime ?? Date.now();
    const where =
      stats.lastPosition === null
        ? 'no cursor position recorded'
        : `last cursor at (${Math.round(stats.lastPosition.x)}, ${Math.round(stats.lastPosition.y)}) on ${stats.lastPosition.path}, ${formatAgo(now - stats.lastPosition.ts)}`;
    const text = document.createElement('span');
    text.textContent = `${formatCount(stats.eventsLastHour)} event${stats.eventsLastHour === 1 ? '' : 's'} in the last hour · ${where}`;
    ui.visitor.replaceChildren(title, text, close);
  } catch (error) {
    ui.visitor.textContent = `Visitor ${shortId(userId)}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

// ---------------------------------------------------------------- sites and the stream

function onUpdate(update: LiveUpdate): void {
  state.latest = update;
  historyPanel?.setPipeline(update.pipeline);
  renderRealtime(update.realtime, update.serverTime);
  renderDataAge(update);
  pipeline.update(update.pipeline, update.serverTime, update.newestEventAgeMs);
  ui.serverTime.textContent = `Server time ${new Date(update.serverTime).toLocaleTimeString()}`;
  void refreshHeat();
}

function setSiteOptions(sites: readonly string[], selected: string): void {
  const all = [...new Set([...sites, selected])];
  ui.site.replaceChildren(
    ...all.map((site) => {
      const option = document.createElement('option');
      option.value = site;
      option.textContent = site;
      return option;
    }),
  );
  ui.site.value = selected;
  ui.site.disabled = all.length < 2;
}

/** The sites to offer: from /api/sites when the server has it, else the one being shown. */
async function knownSites(): Promise<string[]> {
  try {
    const response = await getJson<SitesResponse>('/api/sites');
    return response.sites;
  } catch {
    return [];
  }
}

async function openSite(site: string | null, notice: string | null = null): Promise<void> {
  state.generation += 1;
  const generation = state.generation;
  state.connection?.close();
  state.latest = undefined;
  state.heatPage = null;
  state.heatPageChosen = false;
  state.heatHasData = false;
  state.lastHeatScanAt = 0;
  state.topPaths = [];
  state.lastHeatAt = 0;
  feed.reset();
  epsChart.reset();
  pipeline.reset();
  heat.clear();
  ui.visitor.hidden = true;

  // One read first: it checks the site key and fills the page before the stream's first tick.
  let snapshot: RealtimeSnapshot;
  try {
    snapshot = await getJson<RealtimeSnapshot>(withSite('/api/stats/realtime', site));
  } catch (error) {
    if (site !== null) {
      return openSite(null, `Site "${site}": ${error instanceof Error ? error.message : String(error)}. Showing the default site.`);
    }
    showBanner(`The stats API did not answer: ${error instanceof Error ? error.message : String(error)}. Retrying…`);
    window.setTimeout(() => void openSite(site, notice), 3000);
    return;
  }
  if (generation !== state.generation) return;
  showBanner(notice);
  state.site = snapshot.site;
  historyPanel?.setSite(snapshot.site);
  setSiteOptions(await knownSites(), snapshot.site);
  renderRealtime(snapshot, Date.now());

  state.connection = connectLive({
    site: snapshot.site,
    onUpdate: (update) => {
      if (generation === state.generation) onUpdate(update);
    },
    onState: renderConnection,
  });
}

ui.site.addEventListener('change', () => {
  const site = ui.site.value;
  const url = new URL(window.location.href);
  url.searchParams.set('site', site);
  window.history.replaceState(null, '', url);
  void openSite(site);
});

// ---------------------------------------------------------------- views: Live | History

type View = 'live' | 'history';
const viewOf = (hash: string): View => (hash.startsWith('#history') ? 'history' : 'live');
let currentView: View = 'live';
let historyPanel: HistoryView | undefined;
let historyLoading: Promise<HistoryView> | undefined;

/** The History view's code (and its charts) is fetched the first time it is shown. */
function loadHistory(): Promise<HistoryView> {
  historyLoading ??= import('./history-view.ts').then(({ historyView }) => {
    const panel = historyView(ui.historyView, { onHash: (hash) => ui.tabHistory.setAttribute('href', hash) });
    if (state.site !== null) panel.setSite(state.site);
    if (state.latest !== undefined) panel.setPipeline(state.latest.pipeline);
    historyPanel = panel;
    return panel;
  });
  return historyLoading;
}

function showView(): void {
  const hash = window.location.hash;
  currentView = viewOf(hash);
  const live = currentView === 'live';
  ui.liveView.hidden = !live;
  for (const [tab, active] of [
    [ui.tabLive, live],
    [ui.tabHistory, !live],
  ] as const) {
    if (active) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  for (const note of document.querySelectorAll<HTMLElement>('[data-foot]')) note.hidden = note.dataset['foot'] !== currentView;
  document.title = live ? 'Pulse · live' : 'Pulse · history';
  if (live) {
    historyPanel?.hide();
    ui.historyView.hidden = true;
    void refreshHeat(true);
    return;
  }
  ui.tabHistory.setAttribute('href', hash);
  ui.historyView.hidden = false;
  loadHistory()
    .then((panel) => {
      if (currentView === 'history') panel.show(window.location.hash);
    })
    .catch((error: unknown) => showBanner(`The History view did not load: ${error instanceof Error ? error.message : String(error)}`));
}

window.addEventListener('hashchange', showView);
showView();

window.addEventListener('pageshow', () => {
  if (state.latest !== undefined) void refreshHeat(true);
});
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) void refreshHeat(true);
});

void openSite(new URL(window.location.href).searchParams.get('site'));
