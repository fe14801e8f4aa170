/**
 * The History view's breakdowns: referrers (a ranking), browser / OS / device
 * (shares, switched by buttons) and UTM values (a ranking, switched by
 * buttons). Each chart has a text twin that screen readers and the browser
 * test read.
 */
import type { BreakdownDimension, HistoryBreakdown } from './api-types.ts';
import { palette } from './charts.ts';
import { byId, el, press } from './dom.ts';
import { formatCount, formatPercent } from './format.ts';
import type { BreakdownRequest } from './history-api.ts';
import { otherColor, rankingChart, shareChart, sliceColors, type RankingRow } from './history-charts.ts';
import { breakdownLabel } from './history-model.ts';

const REFERRERS = 8;
const SHARES = 6;
const UTM_VALUES = 8;

type TechDimension = Extract<BreakdownDimension, 'browser' | 'os' | 'device'>;
type UtmDimension = Extract<BreakdownDimension, 'utm_source' | 'utm_medium' | 'utm_campaign'>;
type ShareRow = RankingRow & { color: string };

export const breakdownLimit = (dimension: BreakdownDimension): number =>
  dimension === 'referrer_host' ? REFERRERS : dimension.startsWith('utm_') ? UTM_VALUES : SHARES;

export interface BreakdownPanels {
  /** What a full read asks for: the referrers and the dimensions selected now. */
  requests(): BreakdownRequest[];
  /** Draws one answer; an answer for a dimension no longer selected is dropped. `totalViews` sizes the "other" share. */
  render(breakdown: HistoryBreakdown, totalViews: number): void;
}

const rankingRows = (breakdown: HistoryBreakdown): RankingRow[] =>
  breakdown.rows.map((row) => {
    const label = breakdownLabel(row.value, breakdown.dimension);
    return { label, title: label, value: row.views, detail: `${formatCount(row.unique_users)} unique users` };
  });

function renderList(list: HTMLOListElement, breakdown: HistoryBreakdown): void {
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
}

/** The slices of a share chart: the top values, then "other" for the views they leave out. */
function shareRows(breakdown: HistoryBreakdown, totalViews: number): ShareRow[] {
  const rows: ShareRow[] = rankingRows(breakdown).map((row, index) => ({
    ...row,
    color: sliceColors[index % sliceColors.length] ?? otherColor,
  }));
  const listed = rows.reduce((sum, row) => sum + row.value, 0);
  const rest = totalViews - listed;
  if (rest > 0) rows.push({ label: 'other', title: 'other', value: rest, detail: 'the remaining values', color: otherColor });
  return rows;
}

function renderShareLegend(legend: HTMLUListElement, rows: readonly ShareRow[]): void {
  const total = Math.max(
    1,
    rows.reduce((sum, row) => sum + row.value, 0),
  );
  legend.replaceChildren(
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

/** Buttons of a group that switch its dimension; `onSwitch` reads the breakdown for the new one. */
function dimensionButtons<D extends BreakdownDimension>(group: HTMLElement, set: (dimension: D) => void, onSwitch: (dimension: D) => void) {
  group.addEventListener('click', (event) => {
    const dimension = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-dimension]')?.dataset['dimension'];
    if (dimension === undefined) return;
    set(dimension as D);
    press(group, 'data-dimension', dimension);
    onSwitch(dimension as D);
  });
}

export function breakdownPanels(root: HTMLElement, onSwitch: (dimension: BreakdownDimension) => void): BreakdownPanels {
  const ui = {
    referrersList: byId<HTMLOListElement>('history-referrers-list'),
    tech: root.querySelector<HTMLElement>('[data-tech]') ?? root,
    techLegend: byId<HTMLUListElement>('history-tech-legend'),
    utm: root.querySelector<HTMLElement>('[data-utm]') ?? root,
    utmList: byId<HTMLOListElement>('history-utm-list'),
  };
  let tech: TechDimension = 'browser';
  let utm: UtmDimension = 'utm_source';
  // Made when first drawn, once the view is shown: Chart.js sizes a chart from its visible box.
  let charts:
    { referrers: ReturnType<typeof rankingChart>; tech: ReturnType<typeof shareChart>; utm: ReturnType<typeof rankingChart> } | undefined;
  const ensureCharts = () =>
    (charts ??= {
      referrers: rankingChart(byId<HTMLCanvasElement>('history-referrers-chart'), palette.green),
      tech: shareChart(byId<HTMLCanvasElement>('history-tech-chart')),
      utm: rankingChart(byId<HTMLCanvasElement>('history-utm-chart'), palette.amber),
    });

  dimensionButtons<TechDimension>(ui.tech, (dimension) => (tech = dimension), onSwitch);
  dimensionButtons<UtmDimension>(ui.utm, (dimension) => (utm = dimension), onSwitch);

  return {
    requests: () => (['referrer_host', tech, utm] as const).map((dimension) => ({ dimension, limit: breakdownLimit(dimension) })),
    render(breakdown, totalViews) {
      const active = ensureCharts();
      if (breakdown.dimension === 'referrer_host') {
        active.referrers.update(rankingRows(breakdown));
        renderList(ui.referrersList, breakdown);
      } else if (breakdown.dimension.startsWith('utm_')) {
        if (breakdown.dimension !== utm) return;
        active.utm.update(rankingRows(breakdown));
        renderList(ui.utmList, breakdown);
      } else {
        if (breakdown.dimension !== tech) return;
        const rows = shareRows(breakdown, totalViews);
        active.tech.update(rows);
        renderShareLegend(ui.techLegend, rows);
      }
    },
  };
}
