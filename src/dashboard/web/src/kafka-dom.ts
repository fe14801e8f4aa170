/**
 * DOM pieces of the Kafka view: an element builder, and the dashboard's
 * cards, tiles, badges and empty states made the way index.html makes them
 * for the other views (same classes, same look). Text always goes in as
 * text: names, keys and values from Kafka are never parsed as HTML.
 */

export type Child = Node | string | number | null | undefined | false;
type Props = Record<string, string | number | boolean | null | undefined>;

/** `h('a', { class: 'x', href: '#y', 'data-topic': name }, 'text', child)`; false/null/undefined props are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'class') element.className = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export interface Card {
  section: HTMLElement;
  head: HTMLElement;
  /** The hint at the right of the head. */
  hint: HTMLElement;
}

/** A `.card` with its head (title, hint), as the other views' cards. */
export function card(title: string, className: string, hint = ''): Card {
  const hintNode = h('span', { class: 'card-hint' }, hint);
  const head = h('header', { class: 'card-head' }, h('h2', {}, title), hintNode);
  return { section: h('section', { class: `card ${className}` }, head), head, hint: hintNode };
}

export interface Tile {
  article: HTMLElement;
  value: HTMLElement;
  sub: HTMLElement;
}

/** A figure tile (`.tile`), with its accent colour. */
export function tile(id: string, title: string, accent: string, sub = ''): Tile {
  const value = h('p', { class: 'tile-value', 'data-value': true }, '–');
  const subNode = h('p', { class: 'tile-sub', 'data-sub': true }, sub);
  const article = h(
    'article',
    { class: 'tile', id, style: `--accent: ${accent}` },
    h('h2', { class: 'tile-title' }, title),
    value,
    subNode,
  );
  return { article, value, sub: subNode };
}

export type Level = 'ok' | 'warn' | 'bad' | 'unknown';

/** A small coloured label (`.lag-badge`). */
export const badge = (text: string, level: Level, title?: string): HTMLElement =>
  h('span', { class: 'lag-badge', 'data-level': level, title }, text);

/** A bar showing `share` (0…1) of the largest, as the History tables draw them. */
export const shareBar = (share: number, tone?: string): HTMLElement =>
  h('i', {
    class: 'cell-bar',
    style: `--share: ${Math.max(0, Math.min(1, share)).toFixed(4)}${tone === undefined ? '' : `; --bar: ${tone}`}`,
  });

/** A centred message in place of a card's content (`.empty`). */
export const emptyNote = (text: string): HTMLElement => h('p', { class: 'empty' }, text);

/** The table markup of index.html: a scroll box, a fixed-layout `.data-table` with a sticky head. */
export function dataTable(
  className: string,
  columns: readonly { label: string; num?: boolean; width?: string; title?: string }[],
): { scroll: HTMLElement; table: HTMLTableElement; head: HTMLTableRowElement; body: HTMLTableSectionElement } {
  const colgroup = h(
    'colgroup',
    {},
    ...columns.map((column) => h('col', { style: column.width === undefined ? undefined : `width: ${column.width}` })),
  );
  const head = h(
    'tr',
    {},
    ...columns.map((column) =>
      h('th', { scope: 'col', class: column.num === true ? 'num' : undefined, title: column.title }, column.label),
    ),
  );
  const body = h('tbody');
  const table = h('table', { class: `data-table ${className}` }, colgroup, h('thead', {}, head), body);
  return { scroll: h('div', { class: 'table-scroll' }, table), table, head, body };
}
