/**
 * The live event feed: newest first, one row per event_id. Rows are reused
 * between updates (only their relative times change), and rows that arrive
 * after the first render are flashed so a new event catches the eye.
 */
import type { FeedItem } from './api-types.ts';
import { el } from './dom.ts';
import { eventTypeLabel, formatAgo } from './format.ts';

interface Row {
  item: FeedItem;
  element: HTMLLIElement;
  time: HTMLTimeElement;
}

/** The end of an id, enough to tell visitors apart: "u-3f9a…c41e" → "…c41e". */
export const shortId = (id: string): string => (id.length <= 10 ? id : `…${id.slice(-6)}`);

export interface FeedView {
  update(items: readonly FeedItem[], serverTime: number): void;
  reset(): void;
}

export function feedView(list: HTMLOListElement, empty: HTMLElement, onUser: (userId: string) => void): FeedView {
  const rows = new Map<string, Row>();
  let rendered = false;
  let order = '';

  const createRow = (item: FeedItem, fresh: boolean): Row => {
    const element = el('li', fresh ? 'feed-row is-new' : 'feed-row');
    element.dataset['eventId'] = item.event_id;
    element.dataset['type'] = item.type;
    const badge = el('span', `badge badge--${/^[a-z_]+$/.test(item.type) ? item.type : 'other'}`, eventTypeLabel(item.type));
    const main = el('div', 'feed-main');
    const path = el('span', 'feed-path', item.path);
    path.title = item.path;
    main.append(path);
    if (item.label !== null && item.label !== '') {
      const label = el('span', 'feed-label', item.label);
      label.title = item.label;
      main.append(label);
    }
    const meta = el('div', 'feed-meta');
    const user = el('button', 'feed-user', shortId(item.user_id));
    user.type = 'button';
    user.title = `Visitor ${item.user_id}: show their last hour`;
    user.addEventListener('click', () => onUser(item.user_id));
    const time = el('time', 'feed-time');
    time.dateTime = new Date(item.ts).toISOString();
    time.title = new Date(item.ts).toLocaleString();
    meta.append(user, time);
    element.append(badge, main, meta);
    return { item, element, time };
  };

  return {
    update(items, serverTime) {
      const seen = new Set<string>();
      const next: Row[] = [];
      for (const item of items) {
        if (seen.has(item.event_id)) continue;
        seen.add(item.event_id);
        const row = rows.get(item.event_id) ?? createRow(item, rendered);
        rows.set(item.event_id, row);
        next.push(row);
      }
      for (const id of rows.keys()) if (!seen.has(id)) rows.delete(id);
      for (const row of next) row.time.textContent = formatAgo(serverTime - row.item.ts);
      const nextOrder = next.map((row) => row.item.event_id).join('\n');
      if (nextOrder !== order) {
        order = nextOrder;
        list.replaceChildren(...next.map((row) => row.element));
      }
      empty.hidden = next.length > 0;
      rendered = true;
    },
    reset() {
      rows.clear();
      order = '';
      rendered = false;
      list.replaceChildren();
      empty.hidden = false;
    },
  };
}
