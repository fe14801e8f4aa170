/** The History view's pages table: the most viewed pages with an in-cell bar of their share of the top page's views. */
import type { HistoryPage, HistoryPages } from './api-types.ts';
import { byId, el } from './dom.ts';
import { formatCount, formatDuration, formatPercent, shortPath } from './format.ts';

const TOP_PAGES = 50;

export interface PagesTable {
  render(pages: HistoryPages): void;
}

function numberCell(column: string, text: string, title?: string): HTMLTableCellElement {
  const td = el('td', 'num', text);
  td.dataset['col'] = column;
  if (title !== undefined) td.title = title;
  return td;
}

function viewsCell(views: number, max: number): HTMLTableCellElement {
  const cell = el('td', 'num col-views');
  const inner = el('div', 'bar-cell');
  const bar = el('span', 'cell-bar');
  bar.style.setProperty('--share', String(views / max));
  inner.append(bar, el('span', 'cell-value', formatCount(views)));
  cell.append(inner);
  cell.dataset['col'] = 'views';
  return cell;
}

function pageRow(page: HistoryPage, max: number): HTMLTableRowElement {
  const row = el('tr');
  row.dataset['page'] = page.page;
  const name = el('th', 'page-cell', shortPath(page.page, 48));
  name.scope = 'row';
  name.title = page.page;
  row.append(
    name,
    viewsCell(page.views, max),
    numberCell('unique_users', formatCount(page.unique_users)),
    numberCell(
      'bounce_rate',
      page.sessions === 0 ? '–' : formatPercent(page.bounces / page.sessions),
      `${formatCount(page.bounces)} of ${formatCount(page.sessions)} session${page.sessions === 1 ? '' : 's'} entering here saw no other page`,
    ),
    numberCell('quick_exits', formatCount(page.quick_exits), 'views with a known duration under 5 s'),
    numberCell('avg_duration', formatDuration(page.avg_duration)),
  );
  return row;
}

export function pagesTable(): PagesTable {
  const table = byId<HTMLTableElement>('history-pages');
  const body = table.tBodies[0] ?? table.createTBody();
  const hint = byId('history-pages-hint');
  return {
    render(pages) {
      const shown = pages.pages.slice(0, TOP_PAGES);
      const max = Math.max(1, ...shown.map((page) => page.views));
      body.replaceChildren(...shown.map((page) => pageRow(page, max)));
      const more = pages.pages.length - shown.length;
      hint.textContent =
        pages.pages.length === 0
          ? 'no page views'
          : `${formatCount(pages.pages.length)} page${pages.pages.length === 1 ? '' : 's'}, most viewed first${more > 0 ? ` · top ${shown.length} shown` : ''}`;
    },
  };
}
