/**
 * The History view (`#history`): figures from the warehouse over a chosen
 * time range. The range lives in the URL hash (`#history?range=7d`,
 * `#history?from=…&to=…&bucket=minute`), so a view can be bookmarked and
 * shared; presets are relative to the moment of reading and are re-read every
 * minute while shown. Every answer is drawn as a chart and also written as
 * text (lists inside the canvases, the pages table), which screen readers
 * and the browser test read.
 *
 * This file holds the reading cycle; the panels it fills are in
 * history-range-controls.ts, history-tiles.ts, history-series.ts,
 * history-pages-table.ts, history-breakdowns.ts and history-bots.ts, and its
 * own state is shown by history-status.ts.
 */
import type { BreakdownDimension, HistoryBots, HistoryBreakdown, HistoryPages, HistoryTimeseries, PipelineHealth } from './api-types.ts';
import { errorText } from './dom.ts';
import { formatCount } from './format.ts';
import { historyReader, isHistoryOff } from './history-api.ts';
import { BOTS_LISTED, botsPanel } from './history-bots.ts';
import { breakdownLimit, breakdownPanels } from './history-breakdowns.ts';
import { formatHistoryHash, formatMoment, parseHistoryHash, resolveRange, type RangeChoice, type ResolvedRange } from './history-model.ts';
import { pagesTable } from './history-pages-table.ts';
import { rangeControls } from './history-range-controls.ts';
import { seriesPanels } from './history-series.ts';
import { historyStatus } from './history-status.ts';
import { historyTiles } from './history-tiles.ts';

/** Presets (ranges ending now) are re-read this often while the view is shown. */
const REFRESH_MS = 60_000;
/** After a failed read, the next try comes this much later. */
const RETRY_MS = 10_000;

export type { HistoryState } from './history-status.ts';

export interface HistoryView {
  /** Shows the view with the range of `hash` (`#history?…`); reads history when the range or site changed. */
  show(hash: string): void;
  hide(): void;
  /** The site the live view resolved (history asks for it explicitly: no site would mean all sites). */
  setSite(site: string): void;
  /** From the live stream: shows whether the warehouse worker has stored everything yet. */
  setPipeline(pipeline: PipelineHealth): void;
}

export interface HistoryViewOptions {
  /** Told the view's hash whenever the range changes (the tab link keeps it). */
  onHash?: (hash: string) => void;
}

interface Answers {
  series: HistoryTimeseries;
  pages: HistoryPages;
  breakdowns: HistoryBreakdown[];
  bots: HistoryBots;
}

/** What the data on screen was read for; a new key means a new read. */
const keyOf = (site: string, choice: RangeChoice) => `${site}\n${formatHistoryHash(choice)}`;

export function historyView(root: HTMLElement, options: HistoryViewOptions = {}): HistoryView {
  const state: {
    visible: boolean;
    site: string | null;
    choice: RangeChoice;
    range: ResolvedRange | undefined;
    shownKey: string;
    totalViews: number;
    abort: AbortController | undefined;
    timer: number | undefined;
  } = {
    visible: false,
    site: null,
    choice: parseHistoryHash(''),
    range: undefined,
    shownKey: '',
    totalViews: 0,
    abort: undefined,
    timer: undefined,
  };

  const status = historyStatus(root);
  const controls = rangeControls(root, {
    current: () => state.choice,
    choose,
    reload: () => void load(),
    invalid: (text) => status.say(text),
  });
  const tiles = historyTiles();
  const series = seriesPanels();
  const pages = pagesTable();
  const breakdowns = breakdownPanels(root, (dimension) => void loadBreakdown(dimension));
  const bots = botsPanel();

  /** Writes the choice into the URL (keeping `?site=`) and reads history for it. */
  function choose(choice: RangeChoice): void {
    state.choice = choice;
    const next = new URL(window.location.href);
    next.hash = formatHistoryHash(choice);
    window.history.replaceState(null, '', next);
    options.onHash?.(next.hash);
    void load();
  }

  function schedule(ms: number): void {
    if (state.timer !== undefined) window.clearTimeout(state.timer);
    state.timer = window.setTimeout(() => {
      state.timer = undefined;
      if (!state.visible) return;
      if (document.hidden) return schedule(ms);
      void load({ quiet: true });
    }, ms);
  }

  function renderAnswers(site: string, range: ResolvedRange, answers: Answers): void {
    const empty = answers.series.points.length === 0 && answers.pages.pages.length === 0;
    state.totalViews = tiles.render(answers.series, answers.pages, range).views;
    const span = `between ${formatMoment(range.from)} and ${formatMoment(range.to)}`;
    const botNote = answers.bots.requests > 0 ? ` Bots made ${formatCount(answers.bots.requests)} requests (below).` : '';
    if (empty) status.explain('empty', `Nothing was stored for site "${site}" ${span}.${botNote}`);
    // Drawn even when empty, so the charts are cleared before they are shown again.
    status.set(empty ? 'empty' : 'ready');
    series.render(answers.series, range);
    pages.render(answers.pages);
    for (const breakdown of answers.breakdowns) breakdowns.render(breakdown, state.totalViews);
    bots.render(answers.bots);
    status.say(`Updated ${new Date().toLocaleTimeString()}`);
  }

  function renderFailure(error: unknown): void {
    if (isHistoryOff(error)) {
      status.set('unavailable');
      status.explain('unavailable', `The server answered: ${error.message}.`);
      status.say('');
      return;
    }
    status.set('error');
    status.say(`Could not read history: ${errorText(error)}. Retrying…`);
    schedule(RETRY_MS);
  }

  /** Reads every figure of the view for the current site and range. */
  async function load({ quiet = false }: { quiet?: boolean } = {}): Promise<void> {
    const site = state.site;
    if (!state.visible || site === null) return;
    state.abort?.abort();
    const abort = new AbortController();
    state.abort = abort;
    const range = resolveRange(state.choice, Date.now());
    state.range = range;
    state.shownKey = keyOf(site, state.choice);
    controls.render(state.choice, range);
    if (!quiet) {
      status.set('loading');
      status.say('Loading…');
    }
    const read = historyReader(site, range, abort.signal);
    try {
      const [seriesAnswer, pagesAnswer, botsAnswer, ...breakdownAnswers] = await Promise.all([
        read.series(),
        read.pages(),
        read.bots(BOTS_LISTED),
        ...breakdowns.requests().map(read.breakdown),
      ]);
      if (abort.signal.aborted) return;
      renderAnswers(site, range, {
        series: seriesAnswer,
        pages: pagesAnswer,
        breakdowns: breakdownAnswers,
        bots: botsAnswer,
      });
      if (state.choice.kind === 'preset') schedule(REFRESH_MS);
    } catch (error) {
      if (!abort.signal.aborted) renderFailure(error);
    }
  }

  /** Re-reads one breakdown after its dimension was switched. */
  async function loadBreakdown(dimension: BreakdownDimension): Promise<void> {
    const range = state.range;
    if (range === undefined || state.site === null) return;
    const signal = state.abort?.signal ?? new AbortController().signal;
    try {
      const breakdown = await historyReader(state.site, range, signal).breakdown({ dimension, limit: breakdownLimit(dimension) });
      if (state.range === range) breakdowns.render(breakdown, state.totalViews);
    } catch (error) {
      if (!signal.aborted) status.say(`Could not read ${dimension}: ${errorText(error)}`);
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
        status.set('loading');
        status.say('Waiting for the site…');
        controls.render(choice, resolveRange(choice, Date.now()));
        return;
      }
      // Presets move with time: coming back to the view reads them again.
      if (changed || !wasVisible || state.shownKey !== keyOf(state.site, choice)) void load();
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
    setPipeline: (pipeline) => status.warehouseLag(pipeline),
  };
}
