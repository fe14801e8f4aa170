/**
 * The Shop view's Chart.js charts: products per category (horizontal bars,
 * average price and stock in the tooltip), queries per minute (searches and
 * recommendations, stacked bars) and active users per minute (a line). The
 * theme is the live view's (charts.ts). After every update each canvas
 * carries what its chart now holds in `data-chart` (labels and datasets,
 * read back from the Chart.js instance), for the browser test and tooling.
 */
import { Chart, type ChartDataset } from 'chart.js';
import { mirror, motion, palette } from './charts.ts';
import { formatCount } from './format.ts';
import { bucketSpan, formatRub, minuteLabel, shortLabel } from './shop-model.ts';
import type { ShopCategory, ShopSeriesPoint } from './shop-types.ts';

export const shopPalette = {
  products: palette.indigo,
  searches: palette.indigo,
  recommendations: palette.cyan,
  users: palette.green,
} as const;

export interface CategoriesChart {
  /** Rows in the order drawn (top to bottom). */
  update(rows: readonly ShopCategory[]): void;
}

export function categoriesChart(canvas: HTMLCanvasElement): CategoriesChart {
  let rows: readonly ShopCategory[] = [];
  let drawn = false;
  const chart = new Chart<'bar', number[], string>(canvas, {
    type: 'bar',
    data: {
      labels: [],
      datasets: [
        {
          label: 'products',
          data: [],
          backgroundColor: `${shopPalette.products}cc`,
          hoverBackgroundColor: shopPalette.products,
          borderRadius: 4,
          maxBarThickness: 18,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      animation: motion(),
      scales: {
        x: { beginAtZero: true, suggestedMax: 4, ticks: { precision: 0, maxTicksLimit: 6 }, grid: { color: palette.grid } },
        y: { grid: { display: false }, ticks: { color: palette.text, autoSkip: false } },
      },
      plugins: {
        tooltip: {
          callbacks: {
            title: (items) => rows[items[0]?.dataIndex ?? -1]?.category ?? '',
            label: (item) => `${formatCount(item.parsed.x ?? 0)} products`,
            afterLabel: (item) => {
              const row = rows[item.dataIndex];
              return row === undefined ? '' : [`avg. price ${formatRub(row.avg_price)}`, `in stock ${formatCount(row.total_available)}`];
            },
          },
        },
      },
    },
  });
  return {
    update(next) {
      rows = next;
      chart.data.labels = next.map((row) => shortLabel(row.category, 24));
      const dataset = chart.data.datasets[0];
      if (dataset !== undefined) dataset.data = next.map((row) => row.product_count);
      // Pushes after the first draw change a bar or two: no animation, so the chart does not twitch every 2 s.
      chart.update(drawn ? 'none' : undefined);
      drawn = true;
      mirror(chart, canvas);
    },
  };
}

export interface TimeChart {
  update(points: readonly ShopSeriesPoint[], bucketMs: number): void;
}

/** Buckets between two axis labels: labels fall on round times (every 10 minutes for minute buckets). */
const LABEL_EVERY = 10;

function roundLabel({ points, bucketMs }: { points: readonly ShopSeriesPoint[]; bucketMs: number }, index: number): string | null {
  const point = points[index];
  return point !== undefined && point.ts % (LABEL_EVERY * bucketMs) === 0 ? minuteLabel(point.ts) : null;
}

/** Shared by the two time charts: minute labels, a few ticks, the bucket's span as the tooltip title. */
function timeOptions(shown: () => { points: readonly ShopSeriesPoint[]; bucketMs: number }, suggestedMax: number) {
  return {
    animation: motion(),
    interaction: { mode: 'index' as const, intersect: false },
    scales: {
      x: {
        grid: { display: false },
        ticks: { autoSkip: false, maxRotation: 0, callback: (_value: unknown, index: number) => roundLabel(shown(), index) },
      },
      y: { beginAtZero: true, suggestedMax, ticks: { precision: 0, maxTicksLimit: 5 }, grid: { color: palette.grid } },
    },
    plugins: {
      tooltip: {
        displayColors: true,
        callbacks: {
          title: (items: { dataIndex: number }[]) => {
            const { points, bucketMs } = shown();
            const point = points[items[0]?.dataIndex ?? -1];
            return point === undefined ? '' : bucketSpan(point.ts, bucketMs);
          },
          label: (item: { parsed: { y: number | null }; dataset: { label?: string | undefined } }) =>
            ` ${formatCount(item.parsed.y ?? 0)} ${item.dataset.label ?? ''}`,
        },
      },
    },
  };
}

/** Searches and recommendations per minute, stacked: the bar's height is all queries. */
export function queriesChart(canvas: HTMLCanvasElement): TimeChart {
  let shown: { points: readonly ShopSeriesPoint[]; bucketMs: number } = { points: [], bucketMs: 60_000 };
  let drawn = false;
  const bars = (label: string, color: string): ChartDataset<'bar', number[]> => ({
    label,
    data: [],
    backgroundColor: `${color}b3`,
    hoverBackgroundColor: color,
    borderRadius: 2,
    maxBarThickness: 14,
    stack: 'queries',
  });
  const base = timeOptions(() => shown, 4);
  const chart = new Chart<'bar', number[], string>(canvas, {
    type: 'bar',
    data: { labels: [], datasets: [bars('searches', shopPalette.searches), bars('recommendations', shopPalette.recommendations)] },
    options: { ...base, scales: { x: { ...base.scales.x, stacked: true }, y: { ...base.scales.y, stacked: true } } },
  });
  return {
    update(points, bucketMs) {
      shown = { points, bucketMs };
      chart.data.labels = points.map((point) => minuteLabel(point.ts));
      const [searches, recommendations] = chart.data.datasets;
      if (searches !== undefined) searches.data = points.map((point) => point.searches);
      if (recommendations !== undefined) recommendations.data = points.map((point) => point.recommendations);
      chart.update(drawn ? 'none' : undefined);
      drawn = true;
      mirror(chart, canvas);
    },
  };
}

/** Distinct users with a query, per minute. */
export function usersChart(canvas: HTMLCanvasElement): TimeChart {
  let shown: { points: readonly ShopSeriesPoint[]; bucketMs: number } = { points: [], bucketMs: 60_000 };
  let drawn = false;
  const context = canvas.getContext('2d');
  const gradient = context?.createLinearGradient(0, 0, 0, canvas.clientHeight || 200);
  gradient?.addColorStop(0, `${shopPalette.users}59`);
  gradient?.addColorStop(1, `${shopPalette.users}00`);
  const chart = new Chart<'line', number[], string>(canvas, {
    type: 'line',
    data: {
      labels: [],
      datasets: [
        {
          label: 'active users',
          data: [],
          borderColor: shopPalette.users,
          backgroundColor: gradient ?? `${shopPalette.users}33`,
          borderWidth: 2,
          fill: 'origin',
          tension: 0.3,
          // A dot on each minute with users, so a lone one is not lost on the axis.
          pointRadius: (point) => (Number(point.raw) > 0 ? 2.5 : 0),
          pointHoverRadius: 4,
        },
      ],
    },
    options: timeOptions(() => shown, 3),
  });
  return {
    update(points, bucketMs) {
      shown = { points, bucketMs };
      chart.data.labels = points.map((point) => minuteLabel(point.ts));
      const dataset = chart.data.datasets[0];
      if (dataset !== undefined) dataset.data = points.map((point) => point.users);
      chart.update(drawn ? 'none' : undefined);
      drawn = true;
      mirror(chart, canvas);
    },
  };
}
