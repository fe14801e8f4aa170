/**
 * The History view's Bots card: the bot and automation traffic of the range
 * (GET /api/history/bots), which the view's other figures leave out unless
 * the site counts bots. It shows the total requests, the busiest bots as
 * horizontal bars (with a text twin that screen readers and the browser test
 * read) and whether this site counts bots in its figures.
 */
import type { HistoryBots } from './api-types.ts';
import { byId, el } from './dom.ts';
import { formatCount, formatPercent } from './format.ts';
import { rankingChart, type RankingChart, type RankingRow } from './history-charts.ts';

/** Bots listed and drawn. */
export const BOTS_LISTED = 8;
const BOTS_COLOR = '#f472b6';

export interface BotsPanel {
  render(bots: HistoryBots): void;
}

const plural = (count: number, noun: string) => `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;

/** The line on counting, worded as the Live view's Bots tile words it. */
function countedText(counted: boolean): string {
  return counted ? "Counted in this site's figures (PULSE_COUNT_BOTS_SITES)" : "Left out of this site's figures";
}

function botRows(bots: HistoryBots): RankingRow[] {
  return bots.top.map((bot) => ({
    label: bot.name,
    title: bot.name,
    value: bot.requests,
    detail: `${formatPercent(bot.requests / Math.max(1, bots.requests))} of bot requests`,
  }));
}

function botItem(bot: { name: string; requests: number }): HTMLLIElement {
  const item = el('li', '', `${bot.name}: ${bot.requests} requests`);
  item.dataset['value'] = bot.name;
  item.dataset['requests'] = String(bot.requests);
  return item;
}

export function botsPanel(): BotsPanel {
  const card = byId('history-bots');
  const ui = {
    total: byId('history-bots-total'),
    sub: byId('history-bots-sub'),
    counted: byId('history-bots-counted'),
    hint: byId('history-bots-hint'),
    list: byId<HTMLOListElement>('history-bots-list'),
  };
  // Made when first drawn, once the view is shown: Chart.js sizes a chart from its visible box.
  let chart: RankingChart | undefined;

  return {
    render(bots) {
      card.dataset['hasBots'] = String(bots.requests > 0);
      card.dataset['counted'] = String(bots.counted);
      ui.total.textContent = formatCount(bots.requests);
      ui.sub.textContent = `${bots.requests === 1 ? 'request' : 'requests'} · ${plural(bots.pageViews, 'page view')}`;
      ui.counted.textContent = countedText(bots.counted);
      const others = bots.requests - bots.top.reduce((sum, bot) => sum + bot.requests, 0);
      ui.hint.textContent =
        bots.requests === 0
          ? 'crawlers, scripts and automated browsers'
          : `busiest ${plural(bots.top.length, 'bot')}${others > 0 ? ` · ${plural(others, 'request')} from others` : ''}`;
      chart ??= rankingChart(byId<HTMLCanvasElement>('history-bots-chart'), BOTS_COLOR, 'requests');
      chart.update(botRows(bots));
      ui.list.replaceChildren(...bots.top.map(botItem));
    },
  };
}
