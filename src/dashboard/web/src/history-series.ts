/**
 * The History view's charts over time: traffic (views and unique users) and
 * quality (bounce rate of the sessions entering in each bucket, and average
 * duration), each with a text twin listing the buckets that had views (with
 * their quick exits).
 */
import type { HistoryTimeseries } from './api-types.ts';
import { byId, el } from './dom.ts';
import { formatDuration, formatPercent } from './format.ts';
import { qualityChart, trafficChart, type TimeAxis } from './history-charts.ts';
import { bucketLabel, bucketTitle, fillBuckets, type ResolvedRange, type SeriesPoint } from './history-model.ts';

export interface SeriesPanels {
  render(series: HistoryTimeseries, range: ResolvedRange): void;
}

function timeAxis(points: readonly SeriesPoint[], range: ResolvedRange): TimeAxis {
  const span = range.to - range.from;
  return {
    timestamps: points.map((point) => point.ts),
    bucket: range.bucket,
    labels: points.map((point) => bucketLabel(point.ts, range.bucket, span)),
    titles: points.map((point) => bucketTitle(point.ts, range.bucket)),
  };
}

function trafficItem(point: SeriesPoint, range: ResolvedRange): HTMLLIElement {
  const item = el('li', '', `${bucketTitle(point.ts, range.bucket)}: ${point.views} views, ${point.uniqueUsers} unique users`);
  item.dataset['ts'] = String(point.ts);
  item.dataset['views'] = String(point.views);
  item.dataset['users'] = String(point.uniqueUsers);
  return item;
}

function qualityItem(point: SeriesPoint, range: ResolvedRange): HTMLLIElement {
  const item = el(
    'li',
    '',
    `${bucketTitle(point.ts, range.bucket)}: bounce rate ${point.bounceRate === null ? '–' : formatPercent(point.bounceRate)} (${point.bounces} of ${point.sessions} sessions entering), ${point.quickExits} quick exits, average duration ${formatDuration(point.avgDuration ?? 0)}`,
  );
  item.dataset['ts'] = String(point.ts);
  item.dataset['sessions'] = String(point.sessions);
  item.dataset['bounces'] = String(point.bounces);
  item.dataset['bounceRate'] = String(point.bounceRate ?? 0);
  item.dataset['quickExits'] = String(point.quickExits);
  item.dataset['avgDuration'] = String(point.avgDuration ?? 0);
  return item;
}

export function seriesPanels(): SeriesPanels {
  const trafficList = byId<HTMLOListElement>('history-traffic-list');
  const qualityList = byId<HTMLOListElement>('history-quality-list');
  // Made when first drawn, once the view is shown: Chart.js sizes a chart from its visible box.
  let charts: { traffic: ReturnType<typeof trafficChart>; quality: ReturnType<typeof qualityChart> } | undefined;
  const ensureCharts = () =>
    (charts ??= {
      traffic: trafficChart(byId<HTMLCanvasElement>('history-traffic-chart')),
      quality: qualityChart(byId<HTMLCanvasElement>('history-quality-chart')),
    });

  return {
    render(series, range) {
      const points = fillBuckets(series.points, range);
      const axis = timeAxis(points, range);
      const active = ensureCharts();
      active.traffic.update(
        axis,
        points.map((point) => point.views),
        points.map((point) => point.uniqueUsers),
      );
      active.quality.update(
        axis,
        points.map((point) => point.bounceRate),
        points.map((point) => point.avgDuration),
      );
      const withViews = points.filter((point) => point.views > 0);
      trafficList.replaceChildren(...withViews.map((point) => trafficItem(point, range)));
      qualityList.replaceChildren(...withViews.map((point) => qualityItem(point, range)));
    },
  };
}
