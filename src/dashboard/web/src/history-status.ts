/**
 * What the History view says about itself: its `data-state` (loading, ready,
 * empty, unavailable, error), the status line, the panels shown instead of
 * figures when there are none, and how far the warehouse is behind.
 */
import type { PipelineHealth } from './api-types.ts';
import { byId } from './dom.ts';
import { formatCount } from './format.ts';

/** `data-state` of the view's root: what it shows now. */
export type HistoryState = 'idle' | 'loading' | 'ready' | 'empty' | 'unavailable' | 'error';

export interface HistoryStatus {
  set(state: HistoryState): void;
  /** The line beside the range controls: progress, the last update, or what went wrong. */
  say(text: string): void;
  /** The text of the panel shown for `empty` or `unavailable`. */
  explain(state: 'empty' | 'unavailable', text: string): void;
  /** From the live stream: whether the warehouse worker has stored everything yet; hidden without a warehouse group. */
  warehouseLag(pipeline: PipelineHealth): void;
}

export function historyStatus(root: HTMLElement): HistoryStatus {
  const ui = {
    status: byId('history-status'),
    warehouse: byId('history-warehouse'),
    off: byId('history-off'),
    empty: byId('history-empty'),
  };
  return {
    set(state) {
      root.dataset['state'] = state;
      root.setAttribute('aria-busy', String(state === 'loading'));
      ui.off.hidden = state !== 'unavailable';
      ui.empty.hidden = state !== 'empty';
      root.classList.toggle('is-off', state === 'unavailable');
      root.classList.toggle('is-empty', state === 'empty');
    },
    say(text) {
      ui.status.textContent = text;
    },
    explain(state, text) {
      const message = (state === 'empty' ? ui.empty : ui.off).querySelector('[data-message]');
      if (message !== null) message.textContent = text;
    },
    warehouseLag(pipeline) {
      const badge = ui.warehouse;
      const groups = pipeline.error === null ? pipeline.groups.filter((group) => group.group.includes('warehouse')) : [];
      badge.hidden = groups.length === 0;
      if (groups.length === 0) return;
      const lag = groups.reduce((sum, group) => sum + group.totalLag, 0);
      badge.dataset['level'] = lag === 0 ? 'ok' : lag < 1000 ? 'warn' : 'bad';
      badge.textContent = lag === 0 ? 'warehouse caught up' : `${formatCount(lag)} event${lag === 1 ? '' : 's'} not stored yet`;
      badge.title = groups.map((group) => `${group.group}: ${formatCount(group.totalLag)} behind`).join('\n');
    },
  };
}
