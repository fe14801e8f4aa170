/**
 * The live view's cursor heat map panel: which page it shows and when it is
 * read. The map is read per page, so unlike every other live figure it is
 * fetched, and only when a stream update arrives and the last read is a few
 * seconds old. Until the user picks a page, the panel looks for one with
 * cursor data among the most viewed pages, so it does not sit empty on a page
 * nobody moved on.
 */
import type { HeatmapResponse, PositionsResponse, TopPage } from './api-types.ts';
import { byId, el, errorText } from './dom.ts';
import { formatCount } from './format.ts';
import { heatColor, pickHeatPage, rgba } from './heat.ts';
import { heatmapView } from './heatmap-view.ts';
import { getJson, withSite } from './stats-api.ts';

/** The heat map is re-read at most this often. */
const HEAT_REFRESH_MS = 3000;
/** While the page shown has no cursor data, the top pages are searched for one that has, at most this often. */
const HEAT_SCAN_MS = 15_000;
const HEAT_SCAN_PAGES = 8;

export interface HeatPanelContext {
  site(): string | null;
  /** The server's clock as of the last update, which cursor ages count from. */
  serverNow(): number;
  /** Whether the live view is on screen: a map nobody sees is not read. */
  shown(): boolean;
}

export interface HeatPanel {
  /** The most viewed pages, offered in the page selector; the first is shown until one is picked. */
  setTopPages(pages: readonly TopPage[]): void;
  /** Reads the map again if the last read is a few seconds old, or now with `force`. */
  refresh(force?: boolean): Promise<void>;
  /** Another site: forgets the page shown, and drops answers still on their way. */
  reset(): void;
}

function paintLegendBar(): void {
  const bar = document.querySelector<HTMLElement>('[data-legend-bar]');
  if (bar === null) return;
  const stops = [0.08, 0.25, 0.5, 0.75, 1].map((t) => rgba(heatColor(t)));
  bar.style.background = `linear-gradient(90deg, ${stops.join(', ')})`;
}

export function heatPanel(context: HeatPanelContext): HeatPanel {
  const select = byId<HTMLSelectElement>('heat-page');
  const meta = byId('heat-meta');
  const map = heatmapView(byId<HTMLCanvasElement>('heat-canvas'), byId('heat-legend'));
  paintLegendBar();
  const state = {
    page: null as string | null,
    /** The user picked the page: no more searching for one with data. */
    chosen: false,
    /** Whether the page shown had cursor data at the last read. */
    hasData: false,
    lastScanAt: 0,
    topPaths: [] as string[],
    lastReadAt: 0,
    loading: false,
    /** Bumped by reset(), so answers for the previous site are dropped. */
    epoch: 0,
  };
  const mapUrl = (path: string) => withSite('/api/stats/heatmap', context.site(), { path });

  function renderOptions(): void {
    const page = state.page ?? '/';
    const paths = [...new Set([page, ...state.topPaths])];
    const current = [...select.options].map((option) => option.value);
    if (current.join('\n') !== paths.join('\n')) {
      select.replaceChildren(
        ...paths.map((path) => {
          const option = el('option', '', path);
          option.value = path;
          return option;
        }),
      );
    }
    select.value = page;
  }

  async function choosePage(): Promise<{ page: string; map: HeatmapResponse | undefined }> {
    const current = state.page ?? state.topPaths[0] ?? '/';
    if (state.chosen || state.hasData || Date.now() - state.lastScanAt < HEAT_SCAN_MS) return { page: current, map: undefined };
    state.lastScanAt = Date.now();
    const candidates = [...new Set([current, ...state.topPaths.slice(0, HEAT_SCAN_PAGES)])];
    const maps = await Promise.all(candidates.map((path) => getJson<HeatmapResponse>(mapUrl(path))));
    const page = pickHeatPage(candidates.map((path, i) => ({ path, cells: maps[i]?.cells.length ?? 0 }))) ?? current;
    return { page, map: maps[candidates.indexOf(page)] };
  }

  async function refresh(force = false): Promise<void> {
    if (state.page === null || state.loading || document.hidden || !context.shown()) return;
    if (!force && Date.now() - state.lastReadAt < HEAT_REFRESH_MS) return;
    state.loading = true;
    state.lastReadAt = Date.now();
    const epoch = state.epoch;
    try {
      const picked = await choosePage();
      const page = picked.page;
      const [heat, positions] = await Promise.all([
        picked.map ?? getJson<HeatmapResponse>(mapUrl(page)),
        getJson<PositionsResponse>(withSite('/api/stats/positions', context.site(), { path: page })),
      ]);
      if (epoch !== state.epoch) return;
      if (state.chosen && page !== state.page) return; // the user picked another page meanwhile
      state.page = page;
      renderOptions();
      const grid = map.draw(heat, positions.positions, context.serverNow());
      const cursors = positions.positions.length;
      state.hasData = grid.total > 0 || cursors > 0;
      meta.textContent = `${formatCount(grid.total)} positions · ${formatCount(cursors)} cursor${cursors === 1 ? '' : 's'} in the last 5 min`;
    } catch (error) {
      meta.textContent = `Heat map unavailable: ${errorText(error)}`;
    } finally {
      state.loading = false;
    }
  }

  select.addEventListener('change', () => {
    state.page = select.value;
    state.chosen = true;
    state.lastReadAt = 0;
    void refresh(true);
  });

  return {
    setTopPages(pages) {
      state.topPaths = pages.map((page) => page.path);
      if (state.page === null && pages[0] !== undefined) {
        state.page = pages[0].path;
        state.lastReadAt = 0; // read it now
      }
      renderOptions();
    },
    refresh,
    reset() {
      state.epoch += 1;
      state.page = null;
      state.chosen = false;
      state.hasData = false;
      state.lastScanAt = 0;
      state.topPaths = [];
      state.lastReadAt = 0;
      map.clear();
    },
  };
}
