/**
 * A sortable table that draws only the rows in view (fixed-height rows,
 * spacer rows for the rest), so a cluster with hundreds or thousands of
 * topics or consumer groups scrolls and refreshes as fast as one with ten.
 * Rows can be sorted by clicking a column head; the sort survives refreshes.
 */
import { append, h, type Child } from './kafka-dom.ts';
import { rowWindow, sortRows, type SortDirection } from './kafka-model.ts';

export interface Column<T> {
  id: string;
  label: string;
  num?: boolean;
  width?: string;
  title?: string;
  /** The value rows are sorted by; a column without it cannot be sorted. */
  sort?: (row: T) => string | number | null;
  cell: (row: T) => Child | Child[];
}

export interface VirtualTable<T> {
  /** The scroll box to put in a card. */
  element: HTMLElement;
  setRows(rows: readonly T[]): void;
  /** The rows in the order shown. */
  rows(): readonly T[];
}

/** Must match `.ktable tbody tr` in kafka-styles.ts. */
export const ROW_HEIGHT = 34;

export function virtualTable<T>(options: {
  className: string;
  label: string;
  columns: readonly Column<T>[];
  rowAttributes: (row: T) => Record<string, string | number | boolean | undefined>;
  sort: { id: string; direction: SortDirection };
  empty: string;
}): VirtualTable<T> {
  let sort = options.sort;
  let rows: readonly T[] = [];
  let sorted: T[] = [];
  let drawn = '';
  let frame = 0;

  const heads = options.columns.map((column) => {
    const th = h('th', { scope: 'col', class: column.num === true ? 'num' : undefined, title: column.title });
    if (column.sort === undefined) th.textContent = column.label;
    else {
      const button = h('button', { type: 'button', class: 'ktable-sort', 'data-column': column.id }, column.label);
      button.addEventListener('click', () => {
        sort = {
          id: column.id,
          direction:
            sort.id === column.id && sort.direction === 'desc'
              ? 'asc'
              : sort.id === column.id
                ? 'desc'
                : column.num === true
                  ? 'desc'
                  : 'asc',
        };
        resort();
      });
      th.append(button);
    }
    return th;
  });
  const body = h('tbody');
  const emptyRow = h('tr', { class: 'ktable-empty' }, h('td', { colspan: options.columns.length }, options.empty));
  const table = h(
    'table',
    { class: `data-table ktable ${options.className}`, 'aria-label': options.label, 'aria-rowcount': 0 },
    h(
      'colgroup',
      {},
      ...options.columns.map((column) => h('col', { style: column.width === undefined ? undefined : `width: ${column.width}` })),
    ),
    h('thead', {}, h('tr', {}, ...heads)),
    body,
  );
  const scroll = h('div', { class: 'table-scroll ktable-scroll' }, table);

  function markSort(): void {
    options.columns.forEach((column, index) => {
      const th = heads[index];
      if (th === undefined) return;
      if (column.id === sort.id) th.setAttribute('aria-sort', sort.direction === 'asc' ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    });
  }

  function draw(force: boolean): void {
    const span = rowWindow({
      scrollTop: scroll.scrollTop,
      // The box grows with its rows: before it has them, it is as tall as the window at most.
      viewport: Math.max(scroll.clientHeight, window.innerHeight),
      rowHeight: ROW_HEIGHT,
      total: sorted.length,
    });
    const key = `${span.start}:${span.end}`;
    if (!force && key === drawn) return;
    drawn = key;
    table.setAttribute('aria-rowcount', String(sorted.length + 1));
    const fragment = document.createDocumentFragment();
    if (sorted.length === 0) fragment.append(emptyRow);
    if (span.padTop > 0) fragment.append(h('tr', { class: 'ktable-pad', 'aria-hidden': 'true', style: `height: ${span.padTop}px` }));
    for (let index = span.start; index < span.end; index++) {
      const row = sorted[index];
      if (row === undefined) continue;
      const tr = h('tr', { ...options.rowAttributes(row), 'aria-rowindex': index + 2 });
      for (const column of options.columns) {
        const td = h('td', { class: column.num === true ? 'num' : undefined });
        const content = column.cell(row);
        append(td, Array.isArray(content) ? content : [content]);
        tr.append(td);
      }
      fragment.append(tr);
    }
    if (span.padBottom > 0) fragment.append(h('tr', { class: 'ktable-pad', 'aria-hidden': 'true', style: `height: ${span.padBottom}px` }));
    body.replaceChildren(fragment);
  }

  function resort(): void {
    const column = options.columns.find((candidate) => candidate.id === sort.id);
    sorted = column?.sort === undefined ? [...rows] : sortRows(rows, column.sort, sort.direction);
    markSort();
    draw(true);
  }

  scroll.addEventListener(
    'scroll',
    () => {
      if (frame !== 0) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        draw(false);
      });
    },
    { passive: true },
  );

  return {
    element: scroll,
    setRows(next) {
      rows = next;
      resort();
    },
    rows: () => sorted,
  };
}
