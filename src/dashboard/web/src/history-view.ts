/**
 * The History view (`#history`): figures from the warehouse over a chosen
 * time range. The range lives in the URL hash (`#history?range=7d`,
 * `#history?from=…&to=…&bucket=minute`), so a view can be bookmarked and
 * shared; presets are relative to the moment of reading and are re-read every
 * minute while shown. Every answer is drawn as a chart and also written as
 * text (lists inside the canvases, the pages table), which screen readers
 * and the browser test read.
 */
import type {
  BreakdownDimension,
  HistoryBreakdown,
  HistoryPages,
  HistoryTimeseries,
  HistoryUnavailable,
  PipelineHealth,
} from './api-types.ts';
import { palette } from './charts.ts';
import { formatCount, formatDuration, formatPercent, shortPath } from './format.ts';
import {
  otherColor,
  qualityChart,
  rankingChart,
  shareChart,
  sliceColors,
  trafficChart,
  type RankingRow,
  type TimeAxis,
} from './history-charts.ts';
import {
  bucketAllowed,
  bucketLabel,
  bucketNames,
  bucketTitle,
  fillBuckets,
  formatHistoryHash,
  formatMoment,
  fromLocalInput,
  historyQuery,
  breakdownLabel,
  isBucket,
  isPreset,
  parseHistoryHash,
  presets,
  resolveRange,
  toLocalInput,
  totals,
  type RangeChoice,
  type ResolvedRange,
} from './history-model.ts';

/** Presets (ranges ending now) are re-read this often while the view is shown. */
const REFRESH_MS = 60_000;
/** After a failed read, the next try comes this much later. */
const RETRY_MS = 10_000;
const TOP_PAGES = 50;
const REFERRERS = 8;
const SHARES = 6;
const UTM_VALUES = 8;

type TechDimension = Extract<BreakdownDimension, 'browser' | 'os' | 'device'>;
type UtmDimension = Extract<BreakdownDimension, 'utm_source' | 'utm_medium' | 'utm_campaign'>;

/** `data-state` of the view's root: what it shows now. */
export type HistoryState = 'idle' | 'loading' | 'ready' | 'empty' | 'unavailable' | 'error';

export interface HistoryView {
  /** Shows the view with the range of `hash` (`#history?…`); reads history when the range or site changed. */
  show(hash: string): void;
  hide(): void;
  /** The site the live view resolved (history asks for it explicitly: no site would mean all sites). */
  setSite(site: string): void;
  /** From the live stream: shows whether the warehouse worker has stored everything yet. */
  setPipeline(pipeline: PipelineHealth): void;
}

class HistoryHttpError extends Error {
  readonly status: number;
  readonly body: Partial<HistoryUnavailable>;
  constructor(status: number, body: Partial<HistoryUnavailable>, url: string) {
    super(body.message ?? `${url}: HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function getJson<T>(url: string, signal: AbortSignal): Promise<T> {
  const response = await fetch(url, { headers: { accept: 'application/json' }, signal });
  if (!response.ok) throw new HistoryHttpError(response.status, (await response.json().catch(() => ({}))) as HistoryUnavailable, url);
  return (await response.json()) as T;
}

const byId = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing from index.html`);
  return element as T;
};

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text?: string): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag);
  if (className !== '') element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
};

function setTile(tile: HTMLElement, value: string, sub: string): void {
  const valueElement = tile.querySelector<HTMLElement>('[data-value]');
  const subElement = tile.querySelector<HTMLElement>('[data-sub]');
  if (valueElement !== null) valueElement.textContent = value;
  if (subElement !== null) subElement.textContent = sub;
}

/** Marks one button of a segmented group as pressed. */
function press(group: HTMLElement, attribute: string, value: string | null): void {
  for (const button of group.querySelectorAll<HTMLButtonElement>(`button[${attribute}]`)) {
    button.setAttribute('aria-pressed', String(button.getAttribute(attribute) === value));
  }
}

export interface HistoryViewOptions {
  /** Told the view's hash whenever the range changes (the tab link keeps it). */
  onHash?: (hash: string) => void;
}

export function historyView(root: HTMLElement, options: HistoryViewOptions = {}): HistoryView {
  const ui = {
    presets: root.querySelector<HTMLElement>('[data-presets]') ?? root,
    form: byId<HTMLFormElement>('history-range'),
    from: byId<HTMLInputElement>('history-from'),
    to: byId<HTMLInputElement>('history-to'),
    bucket: byId<HTMLSelectElement>('history-bucket'),
    reload: byId<HTMLButtonElement>('history-reload'),
    summary: byId('history-summary'),
    status: byId('history-status'),
    warehouse: byId('history-warehouse'),
    off: byId('history-off'),
    empty: byId('history-empty'),
    tiles: {
      views: byId('history-tile-views'),
      peak: byId('history-tile-peak'),
      bounce: byId('history-tile-bounce'),
      duration: byId('history-tile-duration'),
      pages: byId('history-tile-pages'),
    },
    bucketHint: root.querySelector<HTMLElement>('[data-bucket-hint]'),
    trafficList: byId<HTMLOListElement>('history-traffic-list'),
    qualityList: byId<HTMLOListElement>('history-quality-list'),
    pagesBody: byId<HTMLTableElement>('history-pages').tBodies[0] ?? byId<HTMLTableElement>('history-pages').createTBody(),
    pagesHint: byId('history-pages-hint'),
    referrersList: byId<HTMLOListElement>('history-referrers-list'),
    tech: root.querySelector<HTMLElement>('[data-tech]') ?? root,
    techLegend: byId<HTMLUListElement>('history-tech-legend'),
    utm: root.querySelector<HTMLElement>('[data-utm]') ?? root,
    utmList: byId<HTMLOListElement>('history-utm-list'),
  };

  // Charts are made when first drawn, after the view is first shown; Chart.js resizes them whenever their box is shown again.
  let charts:
    | {
        traffic: ReturnType<typeof trafficChart>;
        quality: ReturnType<typeof qualityChart>;
        referrers: ReturnType<typeof rankingChart>;
        tech: ReturnType<typeof shareChart>;
        utm: ReturnType<typeof rankingChart>;
      }
    | undefined;
  const ensureCharts = () =>
    (charts ??= {
      traffic: trafficChart(byId<HTMLCanvasElement>('history-traffic-chart')),
      quality: qualityChart(byId<HTMLCanvasElement>('history-quality-chart')),
      referrers: rankingChart(byId<HTMLCanvasElement>('history-referrers-chart'), palette.green),
      tech: shareChart(byId<HTMLCanvasElement>('history-tech-chart')),
      utm: rankingChart(byId<HTMLCanvasElement>('history-utm-chart'), palette.amber),
    });

  const state: {
    visible: boolean;
    site: string | null;
    choice: RangeChoice;
    range: ResolvedRange | undefined;
    /** What the data on screen was read for (site and range); a new key means a new read. */
    shownKey: string;
    techDimension: TechDimension;
    utmDimension: UtmDimension;
    totalViews: number;
    abort: AbortController | undefined;
    timer: number | undefined;
  } = {
    visible: false,
    site: null,
    choice: parseHistoryHash(''),
    range: undefined,
    shownKey: '',
    techDimension: 'browser',
    utmDimension: 'utm_source',
    totalViews: 0,
    abort: undefined,
    timer: undefined,
  };

  const setState = (next: HistoryState) => {
    root.dataset['state'] = next;
    root.setAttribute('aria-busy', String(next === 'loading'));
    ui.off.hidden = next !== 'unavailable';
    ui.empty.hidden = next !== 'empty';
    root.classList.toggle('is-off', next === 'unavailable');
    root.classList.toggle('is-empty', next === 'empty');
  };

  const url = (path: string, range: ResolvedRange, extra: Record<string, string> = {}) =>
    `${path}?${historyQuery(state.site, range, extra)}`;

  // ------------------------------------------------------------ controls

  const renderControls = (range: ResolvedRange) => {
    press(ui.presets, 'data-preset', state.choice.kind === 'preset' ? state.choice.preset : null);
    ui.form.dataset['custom'] = String(state.choice.kind === 'custom');
    // Inputs being edited are left alone (a preset re-read every minute would overwrite them).
    if (ui.form.dataset['editing'] !== 'true') {
      ui.from.value = toLocalInput(range.from);
      ui.to.value = toLocalInput(range.to);
    }
    for (const option of ui.bucket.options) {
      if (option.value === 'auto') option.textContent = `Auto (${range.autoBucket})`;
      else option.disabled = !isBucket(option.value) || !bucketAllowed(range.from, range.to, option.value);
    }
    ui.bucket.value = state.choice.bucket === 'auto' || state.choice.bucket !== range.bucket ? 'auto' : state.choice.bucket;
    const span = state.choice.kind === 'preset' ? presets[state.choice.preset].summary : 'custom range';
    ui.summary.textContent = `${formatMoment(range.from)} – ${formatMoment(range.to)} · ${span} · ${bucketNames[range.bucket].adjective}`;
    root.dataset['from'] = String(range.from);
    root.dataset['to'] = String(range.to);
    root.dataset['bucket'] = range.bucket;
    if (ui.bucketHint !== null) ui.bucketHint.textContent = bucketNames[range.bucket].adjective;
  };

  /** Writes the choice into the URL (keeping `?site=`) and reads history for it. */
  const choose = (choice: RangeChoice) => {
    state.choice = choice;
    delete ui.form.dataset['editing'];
    const next = new URL(window.location.href);
    next.hash = formatHistoryHash(choice);
    window.history.replaceState(null, '', next);
    options.onHash?.(next.hash);
    void load();
  };

  ui.presets.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-preset]');
    const preset = button?.dataset['preset'];
    if (!isPreset(preset)) return;
    choose({ kind: 'preset', preset, bucket: state.choice.bucket });
  });

  ui.form.addEventListener('input', () => (ui.form.dataset['editing'] = 'true'));

  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    const from = fromLocalInput(ui.from.value);
    const to = fromLocalInput(ui.to.value);
    if (!Number.isFinite(from) || !Number.isFinite(to)) {
      ui.status.textContent = 'Enter both a start and an end.';
      return;
    }
    if (!(from < to)) {
      ui.status.textContent = 'The start must be before the end.';
      return;
    }
    choose({ kind: 'custom', from, to, bucket: state.choice.bucket });
  });

  ui.bucket.addEventListener('change', () => {
    const value = ui.bucket.value;
    choose({ ...state.choice, bucket: isBucket(value) ? value : 'auto' });
  });

  ui.reload.addEventListener('click', () => void load());

  const onDimension = <D extends BreakdownDimension>(group: HTMLElement, set: (dimension: D) => void) =>
    group.addEventListener('click', (event) => {
      const dimension = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-dimension]')?.dataset['dimension'];
      if (dimension === undefined) return;
      set(dimension as D);
      press(group, 'data-dimension', dimension);
      void loadBreakdown(dimension as D);
    });
  onDimension<TechDimension>(ui.tech, (dimension) => (state.techDimension = dimension));
  onDimension<UtmDimension>(ui.utm, (dimension) => (state.utmDimension = dimension));

  // ------------------------------------------------------------ rendering

  const renderSeries = (series: HistoryTimeseries, range: ResolvedRange) => {
    const points = fillBuckets(series.points, range);
    const span = range.to - range.from;
    const axis: TimeAxis = {
      timestamps: points.map((point) => point.ts),
      bucket: range.bucket,
      labels: points.map((point) => bucketLabel(point.ts, range.bucket, span)),
      titles: points.map((point) => bucketTitle(point.ts, range.bucket)),
    };
    const active = ensureCharts();
    active.traffic.update(
      axis,
      points.map((point) => point.views),
      points.map((point) => point.uniqueUsers),
    );
    active.quality.update(
      axis,
      points.map((point) => point.bounceRate),
      points.map((point) => point.avgDuration),
    );
    const withViews = points.filter((point) => point.views > 0);
    ui.trafficList.replaceChildren(
      ...withViews.map((point) => {
        const item = el('li', '', `${bucketTitle(point.ts, range.bucket)}: ${point.views} views, ${point.uniqueUsers} unique users`);
        item.dataset['ts'] = String(point.ts);
        item.dataset['views'] = String(point.views);
        item.dataset['users'] = String(point.uniqueUsers);
        return item;
      }),
    );
    ui.qualityList.replaceChildren(
      ...withViews.map((point) => {
        const item = el(
          'li',
          '',
          `${bucketTitle(point.ts, range.bucket)}: bounce rate ${formatPercent(point.bounceRate ?? 0)}, average duration ${formatDuration(point.avgDuration ?? 0)}`,
        );
        item.dataset['ts'] = String(point.ts);
        item.dataset['bounces'] = String(point.bounces);
        item.dataset['bounceRate'] = String(point.bounceRate ?? 0);
        item.dataset['avgDuration'] = String(point.avgDuration ?? 0);
        return item;
      }),
    );
  };

  const renderTiles = (series: HistoryTimeseries, pages: HistoryPages, range: ResolvedRange) => {
    const sum = totals(series.points, pages.pages);
    state.totalViews = sum.views;
    const unit = bucketNames[range.bucket].noun;
    setTile(
      ui.tiles.views,
      formatCount(sum.views),
      `${formatCount(series.points.length)} ${unit}${series.points.length === 1 ? '' : 's'} with views`,
    );
    setTile(
      ui.tiles.peak,
      sum.peak === null ? '–' : formatCount(sum.peak.views),
      sum.peak === null ? `views in one ${unit}` : `views · ${bucketTitle(sum.peak.ts, range.bucket)}`,
    );
    const peakTitle = ui.tiles.peak.querySelector('.tile-title');
    if (peakTitle !== null) peakTitle.textContent = `Busiest ${unit}`;
    setTile(
      ui.tiles.bounce,
      sum.bounceRate === null ? '–' : formatPercent(sum.bounceRate),
      `${formatCount(sum.bounces)} view${sum.bounces === 1 ? '' : 's'} under 5 s`,
    );
    setTile(ui.tiles.duration, sum.avgDuration === null ? '–' : formatDuration(sum.avgDuration), 'per page view');
    setTile(ui.tiles.pages, formatCount(sum.pages), `distinct path${sum.pages === 1 ? '' : 's'} viewed`);
  };

  const renderPages = (pages: HistoryPages) => {
    const shown = pages.pages.slice(0, TOP_PAGES);
    const max = Math.max(1, ...shown.map((page) => page.views));
    ui.pagesBody.replaceChildren(
      ...shown.map((page) => {
        const row = el('tr');
        row.dataset['page'] = page.page;
        const name = el('th', 'page-cell', shortPath(page.page, 48));
        name.scope = 'row';
        name.title = page.page;
        const views = el('td', 'num col-views');
        const inner = el('div', 'bar-cell');
        const bar = el('span', 'cell-bar');
        bar.style.setProperty('--share', String(page.views / max));
        inner.append(bar, el('span', 'cell-value', formatCount(page.views)));
        views.append(inner);
        const cell = (column: string, text: string) => {
          const td = el('td', 'num', text);
          td.dataset['col'] = column;
          return td;
        };
        views.dataset['col'] = 'views';
        row.append(
          name,
          views,
          cell('unique_users', formatCount(page.unique_users)),
          cell('bounces', formatCount(page.bounces)),
          cell('bounce_rate', page.views === 0 ? '–' : formatPercent(page.bounces / page.views)),
          cell('avg_duration', formatDuration(page.avg_duration)),
        );
        return row;
      }),
    );
    const more = pages.pages.length - shown.length;
    ui.pagesHint.textContent =
      pages.pages.length === 0
        ? 'no page views'
        : `${formatCount(pages.pages.length)} page${pages.pages.length === 1 ? '' : 's'}, most viewed first${more > 0 ? ` · top ${shown.length} shown` : ''}`;
  };

  const rankingRows = (breakdown: HistoryBreakdown): RankingRow[] =>
    breakdown.rows.map((row) => {
      const label = breakdownLabel(row.value, breakdown.dimension);
      return { label, title: label, value: row.views, detail: `${formatCount(row.unique_users)} unique users` };
    });

  const renderList = (list: HTMLOListElement, breakdown: HistoryBreakdown) =>
    list.replaceChildren(
      ...breakdown.rows.map((row) => {
        const label = breakdownLabel(row.value, breakdown.dimension);
        const item = el('li', '', `${label}: ${row.views} views, ${row.unique_users} unique users`);
        item.dataset['value'] = label;
        item.dataset['views'] = String(row.views);
        item.dataset['users'] = String(row.unique_users);
        return item;
      }),
    );

  const renderBreakdown = (breakdown: HistoryBreakdown) => {
    const active = ensureCharts();
    if (breakdown.dimension === 'referrer_host') {
      active.referrers.update(rankingRows(breakdown));
      renderList(ui.referrersList, breakdown);
    } else if (breakdown.dimension.startsWith('utm_')) {
      if (breakdown.dimension !== state.utmDimension) return;
      const rows = rankingRows(breakdown);
      active.utm.update(rows);
      renderList(ui.utmList, breakdown);
    } else {
      if (breakdown.dimension !== state.techDimension) return;
      const rows = rankingRows(breakdown).map((row, index) => ({ ...row, color: sliceColors[index % sliceColors.length] ?? otherColor }));
      const listed = rows.reduce((sum, row) => sum + row.value, 0);
      const rest = state.totalViews - listed;
      if (rest > 0) rows.push({ label: 'other', title: 'other', value: rest, detail: 'the remaining values', color: otherColor });
      active.tech.update(rows);
      const total = Math.max(
        1,
        rows.reduce((sum, row) => sum + row.value, 0),
      );
      ui.techLegend.replaceChildren(
        ...rows.map((row) => {
          const item = el('li');
          item.dataset['value'] = row.label;
          item.dataset['views'] = String(row.value);
          const swatch = el('i');
          swatch.style.background = row.color;
          const name = el('span', 'share-name', row.label);
          name.title = row.label;
          item.append(
            swatch,
            name,
            el('span', 'share-count', formatCount(row.value)),
            el('span', 'share-pct', formatPercent(row.value / total)),
          );
          return item;
        }),
      );
    }
  };

  // ------------------------------------------------------------ reading

  const schedule = (ms: number) => {
    if (state.timer !== undefined) window.clearTimeout(state.timer);
    state.timer = window.setTimeout(() => {
      state.timer = undefined;
      if (!state.visible) return;
      if (document.hidden) return schedule(ms);
      void load({ quiet: true });
    }, ms);
  };

  /** Reads every figure of the view for the current site and range. */
  async function load(options: { quiet?: boolean } = {}): Promise<void> {
    if (!state.visible || state.site === null) return;
    state.abort?.abort();
    const abort = new AbortController();
    state.abort = abort;
    const range = resolveRange(state.choice, Date.now());
    state.range = range;
    state.shownKey = `${state.site}\n${formatHistoryHash(state.choice)}`;
    renderControls(range);
    if (options.quiet !== true) {
      setState('loading');
      ui.status.textContent = 'Loading…';
    }
    try {
      const [series, pages, referrers, tech, utm] = await Promise.all([
        getJson<HistoryTimeseries>(url('/api/history/timeseries', range, { bucket: range.bucket }), abort.signal),
        getJson<HistoryPages>(url('/api/history/pages', range), abort.signal),
        getJson<HistoryBreakdown>(
          url('/api/history/breakdown', range, { dimension: 'referrer_host', limit: String(REFERRERS) }),
          abort.signal,
        ),
        getJson<HistoryBreakdown>(
          url('/api/history/breakdown', range, { dimension: state.techDimension, limit: String(SHARES) }),
          abort.signal,
        ),
        getJson<HistoryBreakdown>(
          url('/api/history/breakdown', range, { dimension: state.utmDimension, limit: String(UTM_VALUES) }),
          abort.signal,
        ),
      ]);
      if (abort.signal.aborted) return;
      const empty = series.points.length === 0 && pages.pages.length === 0;
      renderTiles(series, pages, range);
      if (empty) {
        const message = ui.empty.querySelector('[data-message]');
        if (message !== null)
          message.textContent = `Nothing was stored for site "${state.site}" between ${formatMoment(range.from)} and ${formatMoment(range.to)}.`;
      }
      // Drawn even when empty, so the charts are cleared before they are shown again.
      setState(empty ? 'empty' : 'ready');
      renderSeries(series, range);
      renderPages(pages);
      renderBreakdown(referrers);
      renderBreakdown(tech);
      renderBreakdown(utm);
      ui.status.textContent = `Updated ${new Date().toLocaleTimeString()}`;
      if (state.choice.kind === 'preset') schedule(REFRESH_MS);
    } catch (error) {
      if (abort.signal.aborted) return;
      if (error instanceof HistoryHttpError && error.status === 503 && error.body.error === 'history_unavailable') {
        setState('unavailable');
        const message = ui.off.querySelector('[data-message]');
        if (message !== null) message.textContent = `The server answered: ${error.message}.`;
        ui.status.textContent = '';
        return;
      }
      setState('error');
      ui.status.textContent = `Could not read history: ${error instanceof Error ? error.message : String(error)}. Retrying…`;
      schedule(RETRY_MS);
    }
  }

  /** Re-reads one breakdown after its dimension was switched. */
  async function loadBreakdown(dimension: BreakdownDimension): Promise<void> {
    const range = state.range;
    if (range === undefined || state.site === null) return;
    const limit = dimension.startsWith('utm_') ? UTM_VALUES : SHARES;
    const signal = state.abort?.signal ?? new AbortController().signal;
    try {
      const breakdown = await getJson<HistoryBreakdown>(url('/api/history/breakdown', range, { dimension, limit: String(limit) }), signal);
      if (state.range === range) renderBreakdown(breakdown);
    } catch (error) {
      if (!signal.aborted) ui.status.textContent = `Could not read ${dimension}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  return {
    show(hash) {
      const choice = parseHistoryHash(hash);
      const changed = formatHistoryHash(choice) !== formatHistoryHash(state.choice);
      state.choice = choice;
      const wasVisible = state.visible;
      state.visible = true;
      root.hidden = false;
      if (state.site === null) {
        setState('loading');
        ui.status.textContent = 'Waiting for the site…';
        renderControls(resolveRange(choice, Date.now()));
        return;
      }
      // Presets move with time: coming back to the view reads them again.
      if (changed || !wasVisible || state.shownKey !== `${state.site}\n${formatHistoryHash(choice)}`) void load();
    },
    hide() {
      state.visible = false;
      root.hidden = true;
      state.abort?.abort();
      if (state.timer !== undefined) window.clearTimeout(state.timer);
      state.timer = undefined;
    },
    setSite(site) {
      if (site === state.site) return;
      state.site = site;
      state.shownKey = '';
      if (state.visible) void load();
    },
    setPipeline(pipeline) {
      const groups = pipeline.error === null ? pipeline.groups.filter((group) => group.group.includes('warehouse')) : [];
      ui.warehouse.hidden = groups.length === 0;
      if (groups.length === 0) return;
      const lag = groups.reduce((sum, group) => sum + group.totalLag, 0);
      ui.warehouse.dataset['level'] = lag === 0 ? 'ok' : lag < 1000 ? 'warn' : 'bad';
      ui.warehouse.textContent = lag === 0 ? 'warehouse caught up' : `${formatCount(lag)} event${lag === 1 ? '' : 's'} not stored yet`;
      ui.warehouse.title = groups.map((group) => `${group.group}: ${formatCount(group.totalLag)} behind`).join('\n');
    },
  };
}
