/** The History view's headline tiles: views, the busiest bucket, bounce rate (sessions), quick exits (views under 5 s), duration and pages. */
import type { HistoryPages, HistoryTimeseries } from './api-types.ts';
import { byId } from './dom.ts';
import { formatCount, formatDuration, formatPercent } from './format.ts';
import { bucketNames, bucketTitle, totals, type HistoryTotals, type ResolvedRange } from './history-model.ts';

function setTile(tile: HTMLElement, value: string, sub: string): void {
  const valueElement = tile.querySelector<HTMLElement>('[data-value]');
  const subElement = tile.querySelector<HTMLElement>('[data-sub]');
  if (valueElement !== null) valueElement.textContent = value;
  if (subElement !== null) subElement.textContent = sub;
}

export interface HistoryTiles {
  /** Fills the tiles and returns the totals they show. */
  render(series: HistoryTimeseries, pages: HistoryPages, range: ResolvedRange): HistoryTotals;
}

export function historyTiles(): HistoryTiles {
  const tiles = {
    views: byId('history-tile-views'),
    peak: byId('history-tile-peak'),
    bounce: byId('history-tile-bounce'),
    quickExits: byId('history-tile-quick-exits'),
    duration: byId('history-tile-duration'),
    pages: byId('history-tile-pages'),
  };
  return {
    render(series, pages, range) {
      const sum = totals(series.points, pages.pages);
      const unit = bucketNames[range.bucket].noun;
      setTile(
        tiles.views,
        formatCount(sum.views),
        `${formatCount(series.points.length)} ${unit}${series.points.length === 1 ? '' : 's'} with views`,
      );
      setTile(
        tiles.peak,
        sum.peak === null ? '–' : formatCount(sum.peak.views),
        sum.peak === null ? `views in one ${unit}` : `views · ${bucketTitle(sum.peak.ts, range.bucket)}`,
      );
      const peakTitle = tiles.peak.querySelector('.tile-title');
      if (peakTitle !== null) peakTitle.textContent = `Busiest ${unit}`;
      setTile(
        tiles.bounce,
        sum.bounceRate === null ? '–' : formatPercent(sum.bounceRate),
        `${formatCount(sum.bounces)} of ${formatCount(sum.sessions)} session${sum.sessions === 1 ? '' : 's'}`,
      );
      setTile(
        tiles.quickExits,
        sum.quickExitRate === null ? '–' : formatPercent(sum.quickExitRate),
        `${formatCount(sum.quickExits)} view${sum.quickExits === 1 ? '' : 's'} under 5 s`,
      );
      setTile(tiles.duration, sum.avgDuration === null ? '–' : formatDuration(sum.avgDuration), 'per page view');
      setTile(tiles.pages, formatCount(sum.pages), `distinct path${sum.pages === 1 ? '' : 's'} viewed`);
      return sum;
    },
  };
}
