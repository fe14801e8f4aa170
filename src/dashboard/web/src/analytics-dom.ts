/**
 * The building blocks the Funnels, Retention and Events views share: cards, a chart box with the
 * text list its canvas carries (screen readers and the browser tests read it), labelled selects,
 * and the line that says what a view is doing.
 */
import { el } from './dom.ts';
import { ApiError } from './session.ts';

export function card(className: string, title: string, hint = ''): { section: HTMLElement; head: HTMLElement; hint: HTMLElement } {
  const section = el('section', `card ${className}`);
  const head = el('header', 'card-head');
  const hintText = el('span', 'card-hint', hint);
  head.append(el('h2', '', title), hintText);
  section.append(head);
  return { section, head, hint: hintText };
}

/** A chart's box: the canvas, and inside it the list that says in text what it draws. */
export function chartBox(
  id: string,
  label: string,
  size: 'bars' | 'line' = 'bars',
): { box: HTMLElement; canvas: HTMLCanvasElement; list: HTMLElement } {
  const box = el('div', `chart-box chart-box--analytics-${size}`);
  const canvas = el('canvas');
  canvas.id = `${id}-chart`;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  const list = el('ol');
  list.id = `${id}-list`;
  canvas.append(list);
  box.append(canvas);
  return { box, canvas, list };
}

export function labelled<T extends HTMLElement>(text: string, control: T): HTMLLabelElement {
  const label = el('label', 'analytics-field');
  label.append(el('span', 'analytics-field-name', text), control);
  return label;
}

export function selectOf(id: string, options: readonly (readonly [value: string, text: string])[], selected: string): HTMLSelectElement {
  const select = el('select');
  select.id = id;
  for (const [value, text] of options) {
    const option = el('option', '', text);
    option.value = value;
    select.append(option);
  }
  select.value = selected;
  return select;
}

export function button(text: string, className = 'btn'): HTMLButtonElement {
  const b = el('button', className, text);
  b.type = 'button';
  return b;
}

/**
 * The state of a view's last question: shown in its status line and as `data-state` (the tests wait on it).
 * `incomplete`: the question is not filled in yet (a step without its path or name), so nothing was asked.
 */
export type AnalyticsState = 'idle' | 'incomplete' | 'loading' | 'ready' | 'empty' | 'error' | 'off';

/** The status line of a view; its state also goes to `holder`'s `data-state`. */
export function statusLine(holder: HTMLElement): { line: HTMLElement; set(state: AnalyticsState, text: string): void } {
  const line = el('p', 'analytics-status');
  line.setAttribute('role', 'status');
  return {
    line,
    set(state, text) {
      holder.dataset['state'] = state;
      line.textContent = text;
      line.dataset['state'] = state;
    },
  };
}

/** A table with a header row; `rows` replaces its body. */
export function dataTable(id: string, columns: readonly (readonly [key: string, text: string, numeric: boolean])[]) {
  const table = el('table', 'data-table analytics-table');
  table.id = id;
  const headRow = el('tr');
  for (const [, text, numeric] of columns) {
    const th = el('th', numeric ? 'num' : '', text);
    th.scope = 'col';
    headRow.append(th);
  }
  const body = el('tbody');
  table.append(el('thead'), body);
  table.tHead?.append(headRow);
  const wrap = el('div', 'table-scroll');
  wrap.append(table);
  return {
    wrap,
    table,
    body,
    /** A body row: one cell per column, `data-col` naming it. */
    row(cells: Record<string, string | Node>, attributes: Record<string, string> = {}): HTMLTableRowElement {
      const tr = el('tr');
      for (const [name, value] of Object.entries(attributes)) tr.setAttribute(name, value);
      for (const [key, , numeric] of columns) {
        const td = el('td', numeric ? 'num' : '');
        td.dataset['col'] = key;
        const value = cells[key] ?? '';
        if (typeof value === 'string') td.textContent = value;
        else td.append(value);
        tr.append(td);
      }
      return tr;
    },
  };
}

/** One of the Funnels, Retention and Events views, inside the analytics container. */
export interface AnalyticsPanel {
  element: HTMLElement;
  /** On screen for `site`: asks again when the site changed or nothing was asked yet. */
  show(site: string): void;
  hide(): void;
}

/** What a failed read says: the server has no warehouse, or the API's own message. */
export function failureText(error: unknown): { state: AnalyticsState; text: string } {
  if (error instanceof ApiError && error.status === 503 && error.code === 'history_unavailable') {
    return {
      state: 'off',
      text: 'This Pulse has no warehouse: funnels, retention and events need one (PULSE_POSTGRES_URL or PULSE_CLICKHOUSE_URL).',
    };
  }
  return { state: 'error', text: error instanceof Error ? error.message : String(error) };
}
