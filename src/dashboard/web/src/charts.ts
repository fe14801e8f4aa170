/**
 * The dashboard's Chart.js charts. Only the controllers and elements used are
 * registered, so the bundle carries no more of Chart.js than it draws.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartDataset,
  type ChartOptions,
  type TooltipItem,
} from 'chart.js';
import type { TopPage } from './api-types.ts';
import { formatCount, shortPath } from './format.ts';

Chart.register(BarController, BarElement, CategoryScale, Filler, LinearScale, LineController, LineElement, PointElement, Tooltip);

/** Short transitions, none when the visitor asks for reduced motion. */
export const motion = () => (window.matchMedia('(prefers-reduced-motion: reduce)').matches ? (false as const) : { duration: 250 });

/** Writes the chart's labels and datasets onto its canvas as `data-chart` (read by the browser tests and by tooling). */
export function mirror(
  chart: { data: { labels?: unknown[]; datasets: { label?: string | undefined; data: unknown }[] } },
  canvas: HTMLCanvasElement,
): void {
  canvas.dataset['chart'] = JSON.stringify({
    labels: chart.data.labels ?? [],
    datasets: chart.data.datasets.map((dataset) => ({ label: dataset.label ?? '', data: dataset.data })),
  });
}

export const palette = {
  text: '#cbd5e1',
  muted: '#8b9ab5',
  grid: 'rgba(148, 163, 184, 0.12)',
  indigo: '#818cf8',
  cyan: '#22d3ee',
  amber: '#fbbf24',
  green: '#34d399',
} as const;

Chart.defaults.color = palette.muted;
Chart.defaults.borderColor = palette.grid;
Chart.defaults.font.family = 'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.font.size = 11;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.plugins.tooltip.backgroundColor = 'rgba(15, 23, 42, 0.95)';
Chart.defaults.plugins.tooltip.borderColor = 'rgba(148, 163, 184, 0.25)';
Chart.defaults.plugins.tooltip.borderWidth = 1;
Chart.defaults.plugins.tooltip.padding = 8;
Chart.defaults.plugins.tooltip.displayColors = false;

const fillGradient = (canvas: HTMLCanvasElement, color: string): CanvasGradient | string => {
  const context = canvas.getContext('2d');
  if (context === null) return color;
  const gradient = context.createLinearGradient(0, 0, 0, canvas.clientHeight || 200);
  gradient.addColorStop(0, `${color}66`);
  gradient.addColorStop(1, `${color}00`);
  return gradient;
};

export interface SeriesChart {
  /** Points as (seconds relative to now, value), oldest first. */
  update(points: readonly { x: number; y: number }[]): void;
  reset(): void;
}

/** Events per second over the last 60 s: x is seconds before the server's now. */
/** Updates and clears the one dataset of a series chart; `restyle` may recolour it for the new points first. */
function seriesHandle(
  chart: Chart<'line', { x: number; y: number }[]>,
  restyle?: (dataset: ChartDataset<'line', { x: number; y: number }[]>, points: readonly { x: number; y: number }[]) => void,
): SeriesChart {
  const replace = (points: readonly { x: number; y: number }[]): void => {
    const dataset = chart.data.datasets[0];
    if (dataset === undefined) return;
    restyle?.(dataset, points);
    dataset.data = points.map((point) => ({ x: point.x, y: point.y }));
    chart.update('none');
  };
  return { update: replace, reset: () => replace([]) };
}

/** Options of a line chart over the last `seconds` (x from -seconds to 0, "now" at the right edge). */
function secondsAgoOptions(axis: { seconds: number; stepSeconds: number; suggestedMax: number; maxTicks: number; unit: string }) {
  return {
    interaction: { mode: 'index', intersect: false },
    scales: {
      x: {
        type: 'linear',
        min: -axis.seconds,
        max: 0,
        ticks: { stepSize: axis.stepSeconds, callback: (value: string | number) => (Number(value) === 0 ? 'now' : `${Number(value)}s`) },
        grid: { display: false },
      },
      y: { beginAtZero: true, suggestedMax: axis.suggestedMax, ticks: { precision: 0, maxTicksLimit: axis.maxTicks } },
    },
    plugins: {
      tooltip: {
        callbacks: {
          title: (items: TooltipItem<'line'>[]) => `${Math.abs(Math.round(items[0]?.parsed.x ?? 0))} s ago`,
          label: (item: TooltipItem<'line'>) => `${formatCount(item.parsed.y ?? 0)} ${axis.unit}`,
        },
      },
    },
  } satisfies ChartOptions<'line'>;
}

export function eventsPerSecondChart(canvas: HTMLCanvasElement): SeriesChart {
  const config: ChartConfiguration<'line', { x: number; y: number }[]> = {
    type: 'line',
    data: {
      datasets: [
        {
          label: 'events/s',
          data: [],
          borderColor: palette.cyan,
          backgroundColor: fillGradient(canvas, palette.cyan),
          borderWidth: 2,
          fill: 'origin',
          tension: 0.3,
          pointRadius: 0,
          pointHoverRadius: 4,
        },
      ],
    },
    options: {
      animation: false,
      parsing: false,
      normalized: true,
      ...secondsAgoOptions({ seconds: 60, stepSeconds: 10, suggestedMax: 5, maxTicks: 5, unit: 'events' }),
    },
  };
  return seriesHandle(new Chart(canvas, config));
}

export interface PagesChart {
  update(pages: readonly TopPage[]): void;
}

/** Horizontal bars of the most viewed pages; redraws only when the ranking changed. */
export function topPagesChart(canvas: HTMLCanvasElement, color: string): PagesChart {
  let paths: string[] = [];
  let shown = '';
  const chart = new Chart<'bar', number[], string>(canvas, {
    type: 'bar',
    data: {
      labels: [],
      datasets: [
        { label: 'views', data: [], backgroundColor: `${color}cc`, hoverBackgroundColor: color, borderRadius: 4, maxBarThickness: 18 },
      ],
    },
    options: {
      indexAxis: 'y',
      animation: { duration: 250 },
      scales: {
        x: { beginAtZero: true, ticks: { precision: 0, maxTicksLimit: 5 }, grid: { color: palette.grid } },
        y: {
          grid: { display: false },
          ticks: {
            color: palette.text,
            autoSkip: false,
            font: { family: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', size: 11 },
          },
        },
      },
      plugins: {
        tooltip: {
          callbacks: {
            title: (items) => paths[items[0]?.dataIndex ?? -1] ?? '',
            label: (item) => `${formatCount(item.parsed.x ?? 0)} views`,
          },
        },
      },
    },
  });
  return {
    update(pages) {
      const key = JSON.stringify(pages);
      if (key === shown) return;
      shown = key;
      paths = pages.map((page) => page.path);
      chart.data.labels = pages.map((page) => shortPath(page.path, 28));
      const dataset = chart.data.datasets[0];
      if (dataset !== undefined) dataset.data = pages.map((page) => page.views);
      chart.update();
    },
  };
}

/** A small line of the pipeline's total lag, one point per lag check: green while it stays at zero. */
export function lagChart(canvas: HTMLCanvasElement): SeriesChart {
  const caughtUp = { line: palette.green, fill: fillGradient(canvas, palette.green) };
  const behind = { line: palette.amber, fill: fillGradient(canvas, palette.amber) };
  const chart = new Chart(canvas, {
    type: 'line',
    data: {
      datasets: [
        {
          label: 'lag',
          data: [] as { x: number; y: number }[],
          borderColor: caughtUp.line,
          backgroundColor: caughtUp.fill,
          borderWidth: 2,
          clip: 4, // a line at zero is drawn whole, not half under the axis
          fill: 'origin',
          tension: 0.25,
          pointRadius: 0,
          stepped: false,
        },
      ],
    },
    options: {
      animation: false,
      parsing: false,
      ...secondsAgoOptions({ seconds: 120, stepSeconds: 30, suggestedMax: 10, maxTicks: 3, unit: 'records behind' }),
    },
  });
  return seriesHandle(chart, (dataset, points) => {
    const tone = points.some((point) => point.y > 0) ? behind : caughtUp;
    dataset.borderColor = tone.line;
    dataset.backgroundColor = tone.fill;
  });
}
