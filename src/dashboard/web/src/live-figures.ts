/** The live view's headline tiles, events-per-second chart and top-pages charts, each chart with its text twin. */
import type { RealtimeSnapshot, TopPage } from './api-types.ts';
import { eventsPerSecondChart, palette, topPagesChart } from './charts.ts';
import { byId, el } from './dom.ts';
import { formatCount, formatDuration, formatPercent, formatRate } from './format.ts';

export interface LiveFigures {
  /** `serverTime`: the moment the figures are for, which the chart's "seconds ago" axis counts from. */
  render(realtime: RealtimeSnapshot, serverTime: number): void;
  reset(): void;
}

function setTile(tile: HTMLElement, value: string, sub?: string): void {
  const valueElement = tile.querySelector<HTMLElement>('[data-value]');
  if (valueElement !== null && valueElement.textContent !== value) {
    valueElement.textContent = value;
    valueElement.classList.remove('bump');
    void valueElement.offsetWidth; // restart the animation
    valueElement.classList.add('bump');
  }
  const subElement = tile.querySelector<HTMLElement>('[data-sub]');
  if (sub !== undefined && subElement !== null) subElement.textContent = sub;
}

/** Text twin of a bar chart, inside its canvas: screen readers (and tests) read it. */
function renderPageList(list: HTMLOListElement, pages: readonly TopPage[]): void {
  list.replaceChildren(
    ...pages.map((page) => {
      const item = el('li', '', `${page.path}: ${page.views} views`);
      item.dataset['path'] = page.path;
      return item;
    }),
  );
}

export function liveFigures(): LiveFigures {
  const tiles = {
    active: byId('tile-active'),
    eps: byId('tile-eps'),
    sessions: byId('tile-sessions'),
    bounce: byId('tile-bounce'),
    duration: byId('tile-duration'),
    bots: byId('tile-bots'),
  };
  const topAllList = byId<HTMLOListElement>('top-all-list');
  const topHourList = byId<HTMLOListElement>('top-hour-list');
  const epsChart = eventsPerSecondChart(byId<HTMLCanvasElement>('eps-chart'));
  const topAll = topPagesChart(byId<HTMLCanvasElement>('top-all-chart'), palette.indigo);
  const topHour = topPagesChart(byId<HTMLCanvasElement>('top-hour-chart'), palette.cyan);

  return {
    render(realtime, serverTime) {
      const sessions = realtime.sessions;
      setTile(tiles.active, formatCount(realtime.activeUsers));
      const peak = Math.max(0, ...realtime.eventsPerSecondSeries.map((point) => point.count));
      setTile(tiles.eps, formatRate(realtime.eventsPerSecond), `10 s average · peak ${formatCount(peak)}/s`);
      setTile(tiles.sessions, formatCount(sessions.count));
      setTile(
        tiles.bounce,
        sessions.count === 0 ? '–' : formatPercent(sessions.bounceRate),
        `single-page sessions · ${formatCount(realtime.quickExitsLastHour)} quick exit${realtime.quickExitsLastHour === 1 ? '' : 's'}`,
      );
      setTile(tiles.duration, sessions.count === 0 ? '–' : formatDuration(sessions.avgDurationSeconds));
      const bots = realtime.bots;
      const top = bots.topLastHour.slice(0, 3).map((bot) => `${bot.name} ${formatCount(bot.requests)}`);
      setTile(
        tiles.bots,
        formatCount(bots.requestsLastHour),
        `${bots.counted ? 'counted in the figures' : 'left out'}${top.length > 0 ? ` · ${top.join(' · ')}` : ' · last hour'}`,
      );

      epsChart.update(realtime.eventsPerSecondSeries.map((point) => ({ x: (point.ts - serverTime) / 1000, y: point.count })));
      topAll.update(realtime.topPages);
      topHour.update(realtime.topPagesLastHour);
      renderPageList(topAllList, realtime.topPages);
      renderPageList(topHourList, realtime.topPagesLastHour);
    },
    reset: () => epsChart.reset(),
  };
}
