/**
 * The History view's Chart.js charts: traffic over time (views as bars,
 * unique users as a line), bounce rate and average duration over time, and
 * rankings (horizontal bars) and shares (doughnuts) of one dimension. The
 * theme (fonts, colours, tooltips) is the live view's, set in charts.ts.
 */
import { ArcElement, Chart, DoughnutController, type ChartConfiguration, type TooltipItem } from 'chart.js';
import type { HistoryBucket } from './api-types.ts';
import { motion, palette } from './charts.ts';
import { formatCount, formatDuration, formatPercent } from './format.ts';
import { labelMask } from './history-model.ts';

Chart.register(ArcElement, DoughnutController);

/** Colours of a doughnut's slices, in order; the last one is "other". */
export const sliceColors = ['#818cf8', '#22d3ee', '#34d399', '#fbbf24', '#c084fc', '#f472b6', '#60a5fa', '#a3e635'] as const;
export const otherColor = '#475569';

export const historyPalette = {
  views: palette.indigo,
  users: palette.cyan,
  bounce: palette.amber,
  duration: '#c084fc',
} as const;

/** Short transitions between ranges, none when the visitor asks for reduced motion. */
/** What the time charts draw: one label per bucket and its tooltip title. */
export interface TimeAxis {
  timestamps: number[];
  bucket: HistoryBucket;
  labels: string[];
  titles: string[];
}

/** Horizontal room per axis label. */
const LABEL_PX = 68;

/**
 * The x axis of a time chart: labels only at round times (labelMask), as many
 * as the chart's width holds, instead of Chart.js's skipping at odd steps.
 */
function timeAxisTicks(axis: () => TimeAxis | undefined, width: () => number) {
  let key = '';
  let mask: boolean[] = [];
  return {
    autoSkip: false,
    maxRotation: 0,
    callback: (_value: string | number, index: number) => {
      const current = axis();
      if (current === undefined) return null;
      const maxLabels = Math.max(2, Math.floor(width() / LABEL_PX));
      const next = `${current.timestamps[0] ?? 0}:${current.timestamps.length}:${current.bucket}:${maxLabels}`;
      if (next !== key) {
        key = next;
        mask = labelMask(current.timestamps, current.bucket, maxLabels);
      }
      return mask[index] === true ? (current.labels[index] ?? null) : null;
    },
  };
}

export interface TrafficChart {
  update(axis: TimeAxis, views: number[], users: number[]): void;
}

/** Fewer buckets than this get a dot on every point, so a lone bucket with data is visible. */
const SPARSE = 48;

/** The x axis of a chart over the buckets of `shown()`: labels thinned to the canvas width. */
function bucketAxis(shown: () => TimeAxis | undefined, canvas: HTMLCanvasElement) {
  return { grid: { display: false }, ticks: timeAxisTicks(shown, () => canvas.clientWidth) };
}

export function trafficChart(canvas: HTMLCanvasElement): TrafficChart {
  let shown: TimeAxis | undefined;
  const config: ChartConfiguration<'bar' | 'line', number[], string> = {
    type: 'bar',
    data: {
      labels: [],
      datasets: [
        {
          type: 'bar',
          label: 'views',
          data: [],
          backgroundColor: `${historyPalette.views}b3`,
          hoverBackgroundColor: historyPalette.views,
          borderRadius: 3,
          maxBarThickness: 28,
          order: 2,
        },
        {
          type: 'line',
          label: 'unique users',
          data: [],
          borderColor: historyPalette.users,
          backgroundColor: historyPalette.users,
          borderWidth: 2,
          tension: 0.3,
          // A dot on each bucket with views while they are few, so a lone one is not lost on the axis.
          pointRadius: (context) => (sparse && Number(context.raw) > 0 ? 2.5 : 0),
          pointHoverRadius: 4,
          order: 1,
        },
      ],
    },
    options: {
      animation: motion(),
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: bucketAxis(() => shown, canvas),
        y: { beginAtZero: true, suggestedMax: 4, ticks: { precision: 0, maxTicksLimit: 5 }, grid: { color: palette.grid } },
      },
      plugins: {
        tooltip: {
          displayColors: true,
          callbacks: {
            title: (items) => shown?.titles[items[0]?.dataIndex ?? -1] ?? '',
            label: (item) => ` ${formatCount(item.parsed.y ?? 0)} ${item.dataset.label ?? ''}`,
          },
        },
      },
    },
  };
  let sparse = false;
  const chart = new Chart(canvas, config);
  return {
    update(axis, views, users) {
      shown = axis;
      sparse = views.length <= SPARSE || views.filter((value) => value > 0).length <= SPARSE / 4;
      chart.data.labels = axis.labels;
      const [bars, line] = chart.data.datasets;
      if (bars !== undefined) bars.data = views;
      if (line !== undefined) line.data = users;
      chart.update();
    },
  };
}

export interface QualityChart {
  update(axis: TimeAxis, bounceRates: (number | null)[], durations: (number | null)[]): void;
}

/**
 * Bounce rate (left axis, %: single-page sessions among those entering in the bucket) and average
 * view duration (right axis) per bucket; buckets without views (or without entering sessions, for
 * the rate) are gaps.
 */
export function qualityChart(canvas: HTMLCanvasElement): QualityChart {
  let shown: TimeAxis | undefined;
  let sparse = false;
  const line = (label: string, color: string, axis: 'y' | 'y1') => ({
    type: 'line' as const,
    label,
    data: [] as (number | null)[],
    yAxisID: axis,
    borderColor: color,
    backgroundColor: color,
    borderWidth: 2,
    tension: 0.3,
    spanGaps: true,
    pointRadius: (context: { raw: unknown }) => (sparse && context.raw !== null ? 2.5 : 0),
    pointHoverRadius: 4,
  });
  const chart = new Chart<'line', (number | null)[], string>(canvas, {
    type: 'line',
    data: { labels: [], datasets: [line('bounce rate', historyPalette.bounce, 'y'), line('avg. duration', historyPalette.duration, 'y1')] },
    options: {
      animation: motion(),
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: bucketAxis(() => shown, canvas),
        y: {
          min: 0,
          max: 1,
          position: 'left',
          ticks: { stepSize: 0.25, callback: (value) => `${Math.round(Number(value) * 100)}%`, color: historyPalette.bounce },
          grid: { color: palette.grid },
        },
        y1: {
          beginAtZero: true,
          suggestedMax: 30,
          position: 'right',
          ticks: { maxTicksLimit: 5, callback: (value) => formatDuration(Number(value)), color: historyPalette.duration },
          grid: { display: false },
        },
      },
      plugins: {
        tooltip: {
          displayColors: true,
          callbacks: {
            title: (items) => shown?.titles[items[0]?.dataIndex ?? -1] ?? '',
            label: (item: TooltipItem<'line'>) => {
              const value = item.parsed.y;
              if (value === null || value === undefined) return ` ${item.dataset.label ?? ''}: no views`;
              return item.datasetIndex === 0 ? ` bounce rate ${formatPercent(value)}` : ` avg. duration ${formatDuration(value)}`;
            },
          },
        },
      },
    },
  });
  return {
    update(axis, bounceRates, durations) {
      shown = axis;
      sparse = bounceRates.length <= SPARSE || bounceRates.filter((value) => value !== null).length <= SPARSE / 4;
      chart.data.labels = axis.labels;
      chart.data.datasets.forEach((dataset, index) => (dataset.data = index === 0 ? bounceRates : durations));
      chart.update();
    },
  };
}

export interface RankingRow {
  label: string;
  /** Shown in the tooltip (e.g. the full path or value). */
  title: string;
  value: number;
  /** Second line of the tooltip. */
  detail?: string;
}

export interface RankingChart {
  update(rows: readonly RankingRow[]): void;
}

/** Horizontal bars, most first (referrers, UTM values). */
export function rankingChart(canvas: HTMLCanvasElement, color: string, unit = 'views'): RankingChart {
  let rows: readonly RankingRow[] = [];
  const chart = new Chart<'bar', number[], string>(canvas, {
    type: 'bar',
    data: {
      labels: [],
      datasets: [
        { label: unit, data: [], backgroundColor: `${color}cc`, hoverBackgroundColor: color, borderRadius: 4, maxBarThickness: 18 },
      ],
    },
    options: {
      indexAxis: 'y',
      animation: motion(),
      scales: {
        x: { beginAtZero: true, suggestedMax: 4, ticks: { precision: 0, maxTicksLimit: 5 }, grid: { color: palette.grid } },
        y: { grid: { display: false }, ticks: { color: palette.text, autoSkip: false } },
      },
      plugins: {
        tooltip: {
          callbacks: {
            title: (items) => rows[items[0]?.dataIndex ?? -1]?.title ?? '',
            label: (item) => `${formatCount(item.parsed.x ?? 0)} ${unit}`,
            afterLabel: (item) => rows[item.dataIndex]?.detail ?? '',
          },
        },
      },
    },
  });
  return {
    update(next) {
      rows = next;
      chart.data.labels = next.map((row) => (row.label.length > 26 ? `${row.label.slice(0, 25)}…` : row.label));
      const dataset = chart.data.datasets[0];
      if (dataset !== undefined) dataset.data = next.map((row) => row.value);
      chart.update();
    },
  };
}

export interface ShareChart {
  /** Slices in order; their colours are `sliceColors` (and `otherColor` for a row with `other`). */
  update(rows: readonly (RankingRow & { color: string })[]): void;
}

/** A doughnut of shares (browsers, operating systems, devices). */
export function shareChart(canvas: HTMLCanvasElement): ShareChart {
  let rows: readonly (RankingRow & { color: string })[] = [];
  const chart = new Chart<'doughnut', number[], string>(canvas, {
    type: 'doughnut',
    data: { labels: [], datasets: [{ data: [], backgroundColor: [], borderColor: '#111827', borderWidth: 2, hoverOffset: 6 }] },
    options: {
      cutout: '62%',
      animation: motion(),
      layout: { padding: 6 },
      plugins: {
        tooltip: {
          callbacks: {
            title: (items) => rows[items[0]?.dataIndex ?? -1]?.title ?? '',
            label: (item) => `${formatCount(item.parsed)} views`,
            afterLabel: (item) => rows[item.dataIndex]?.detail ?? '',
          },
        },
      },
    },
  });
  return {
    update(next) {
      rows = next;
      chart.data.labels = next.map((row) => row.label);
      const dataset = chart.data.datasets[0];
      if (dataset !== undefined) {
        dataset.data = next.map((row) => row.value);
        dataset.backgroundColor = next.map((row) => row.color);
      }
      chart.update();
    },
  };
}
