/**
 * The Shop view's panels: tiles, the categories chart with its figures
 * table, the queries and users charts, and the top-queries and no-result
 * lists. Every chart also carries its figures as text (a list inside the
 * canvas), for screen readers and the browser test. Charts are made on the
 * first render, once the view is shown: Chart.js sizes a chart from its box.
 */
import { byId, el } from './dom.ts';
import { formatCount } from './format.ts';
import { categoriesChart, queriesChart, usersChart, type CategoriesChart, type TimeChart } from './shop-charts.ts';
import { bucketSpan, catalogTotals, fillSeries, formatRub, minuteLabel, peakBucket, rankCategories, shareOf } from './shop-model.ts';
import type { ShopCategory, ShopQueryCount, ShopSeriesPoint, ShopUpdate } from './shop-types.ts';

export interface ShopPanels {
  render(update: ShopUpdate): void;
}

/** Pixels per category bar, plus room for the axis. */
const ROW_PX = 28;
const AXIS_PX = 34;

function setTile(id: string, value: string, sub: string): void {
  const tile = byId(id);
  const valueElement = tile.querySelector<HTMLElement>('[data-value]');
  const subElement = tile.querySelector<HTMLElement>('[data-sub]');
  if (valueElement !== null && valueElement.textContent !== value) valueElement.textContent = value;
  if (subElement !== null) subElement.textContent = sub;
}

function renderTiles(update: ShopUpdate, series: readonly ShopSeriesPoint[]): void {
  const { stats } = update;
  const totals = catalogTotals(update.categories);
  const peak = peakBucket(series);
  setTile(
    'shop-tile-searches',
    formatCount(stats.searches),
    peak === null
      ? 'in the last hour'
      : `busiest minute ${minuteLabel(peak.ts)}: ${formatCount(peak.searches + peak.recommendations)} queries`,
  );
  setTile('shop-tile-recommendations', formatCount(stats.recommendations), 'in the last hour');
  setTile('shop-tile-users', formatCount(stats.users), 'with a query in the last hour');
  setTile(
    'shop-tile-products',
    formatCount(totals.products),
    `in ${formatCount(totals.categories)} categor${totals.categories === 1 ? 'y' : 'ies'}, bans applied`,
  );
  setTile('shop-tile-stock', formatCount(totals.available), `units · avg. price ${formatRub(totals.avgPrice)}`);
}

function categoryItem(row: ShopCategory): HTMLLIElement {
  const item = el(
    'li',
    '',
    `${row.category}: ${row.product_count} products, average price ${formatRub(row.avg_price)}, ${row.total_available} in stock`,
  );
  item.dataset['category'] = row.category;
  item.dataset['count'] = String(row.product_count);
  item.dataset['avgPrice'] = String(row.avg_price);
  item.dataset['available'] = String(row.total_available);
  return item;
}

function categoryRow(row: ShopCategory, maxCount: number): HTMLTableRowElement {
  const tr = el('tr');
  tr.dataset['category'] = row.category;
  const name = el('th', 'shop-cat-name', row.category);
  name.scope = 'row';
  name.title = row.category;
  const count = el('td', 'num');
  const cell = el('span', 'bar-cell');
  const bar = el('span', 'cell-bar');
  bar.style.setProperty('--share', String(shareOf(row.product_count, maxCount)));
  cell.append(bar, el('span', 'cell-value', formatCount(row.product_count)));
  count.append(cell);
  count.dataset['col'] = 'product_count';
  const price = el('td', 'num', formatRub(row.avg_price));
  price.dataset['col'] = 'avg_price';
  const stock = el('td', 'num', formatCount(row.total_available));
  stock.dataset['col'] = 'total_available';
  tr.append(name, count, price, stock);
  return tr;
}

function seriesItem(point: ShopSeriesPoint, bucketMs: number): HTMLLIElement {
  const item = el(
    'li',
    '',
    `${bucketSpan(point.ts, bucketMs)}: ${point.searches} searches, ${point.recommendations} recommendations, ${point.users} users`,
  );
  item.dataset['ts'] = String(point.ts);
  item.dataset['searches'] = String(point.searches);
  item.dataset['recommendations'] = String(point.recommendations);
  item.dataset['users'] = String(point.users);
  return item;
}

function queryItem(row: ShopQueryCount, max: number): HTMLLIElement {
  const item = el('li', 'rank-row');
  item.dataset['query'] = row.query;
  item.dataset['count'] = String(row.count);
  const text = el('span', 'rank-query', row.query);
  text.title = row.query;
  const bar = el('span', 'rank-bar');
  bar.style.setProperty('--share', String(shareOf(row.count, max)));
  item.append(text, bar, el('span', 'rank-count', formatCount(row.count)));
  return item;
}

function renderList(listId: string, emptyId: string, rows: readonly ShopQueryCount[]): void {
  const max = rows.reduce((most, row) => Math.max(most, row.count), 0);
  byId(listId).replaceChildren(...rows.map((row) => queryItem(row, max)));
  byId(emptyId).hidden = rows.length > 0;
}

export function shopPanels(): ShopPanels {
  const ui = {
    categoriesBox: byId('shop-categories-box'),
    categoriesList: byId<HTMLOListElement>('shop-categories-list'),
    categoriesEmpty: byId('shop-categories-empty'),
    categoriesTable: byId<HTMLTableElement>('shop-categories-table'),
    activityList: byId<HTMLOListElement>('shop-activity-list'),
    usersList: byId<HTMLOListElement>('shop-users-list'),
  };
  let charts: { categories: CategoriesChart; queries: TimeChart; users: TimeChart } | undefined;
  const ensureCharts = () =>
    (charts ??= {
      categories: categoriesChart(byId<HTMLCanvasElement>('shop-categories-chart')),
      queries: queriesChart(byId<HTMLCanvasElement>('shop-queries-chart')),
      users: usersChart(byId<HTMLCanvasElement>('shop-users-chart')),
    });

  return {
    render(update) {
      const active = ensureCharts();
      const series = fillSeries(update.stats);
      renderTiles(update, series);

      const ranked = rankCategories(update.categories);
      ui.categoriesBox.style.height = `${Math.max(4, ranked.length) * ROW_PX + AXIS_PX}px`;
      active.categories.update(ranked);
      ui.categoriesList.replaceChildren(...ranked.map(categoryItem));
      ui.categoriesEmpty.hidden = ranked.length > 0;
      const maxCount = ranked[0]?.product_count ?? 0;
      ui.categoriesTable.tBodies[0]?.replaceChildren(...ranked.map((row) => categoryRow(row, maxCount)));

      active.queries.update(series, update.stats.bucketMs);
      active.users.update(series, update.stats.bucketMs);
      const withQueries = series.filter((point) => point.searches + point.recommendations > 0);
      ui.activityList.replaceChildren(...withQueries.map((point) => seriesItem(point, update.stats.bucketMs)));
      ui.usersList.replaceChildren(...withQueries.map((point) => seriesItem(point, update.stats.bucketMs)));

      renderList('shop-top-queries', 'shop-top-empty', update.stats.topQueries);
      renderList('shop-no-results', 'shop-none-empty', update.stats.noResults);
    },
  };
}
