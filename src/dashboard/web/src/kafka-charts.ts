/**
 * The Kafka view's charts, in the live view's theme (charts.ts): records
 * per topic (horizontal bars, the largest topics) and a consumer group's
 * total lag over time (a line, amber while behind, green once caught up).
 * Each canvas carries what its chart holds in `data-chart` after every
 * update, for the browser test and tooling.
 */
import { Chart } from 'chart.js';
import { mirror, motion, palette } from './charts.ts';
import { formatCount } from './format.ts';
import { formatBytes, timeOf } from './kafka-model.ts';
import type { KafkaLagPoint, KafkaTopicRow } from './kafka-types.ts';

export interface Updatable<T> {
  update(value: T): void;
  destroy(): void;
}

/** The `limit` largest topics by records, largest on top (empty topics left out). */
export function recordsChart(canvas: HTMLCanvasElement, limit = 12): Updatable<readonly KafkaTopicRow[]> {
  let shown: KafkaTopicRow[] = [];
  let key = '';
  const chart = new Chart<'bar', number[], string>(canvas, {
    type: 'bar',
    data: {
      labels: [],
      datasets: [
        {
          label: 'records',
          data: [],
          backgroundColor: `${palette.indigo}cc`,
          hoverBackgroundColor: palette.indigo,
          borderRadius: 4,
          maxBarThickness: 16,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      animation: motion(),
      scales: {
        x: {
          beginAtZero: true,
          suggestedMax: 10,
          ticks: { precision: 0, maxTicksLimit: 6, callback: (value) => formatCount(Number(value)) },
          grid: { color: palette.grid },
        },
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
            title: (items) => shown[items[0]?.dataIndex ?? -1]?.name ?? '',
            label: (item) => `${formatCount(item.parsed.x ?? 0)} records`,
            afterLabel: (item) => {
              const row = shown[item.dataIndex];
              return row === undefined ? '' : [`${row.partitions} partitions`, `size ${formatBytes(row.sizeBytes)}`];
            },
          },
        },
      },
    },
  });
  return {
    update(rows) {
      const next = rows
        .filter((row) => row.records > 0)
        .sort((a, b) => b.records - a.records || a.name.localeCompare(b.name))
        .slice(0, limit);
      const nextKey = JSON.stringify(next.map((row) => [row.name, row.records]));
      if (nextKey === key) return;
      key = nextKey;
      shown = next;
      chart.data.labels = next.map((row) => (row.name.length > 30 ? `${row.name.slice(0, 29)}…` : row.name));
      const dataset = chart.data.datasets[0];
      if (dataset !== undefined) dataset.data = next.map((row) => row.records);
      chart.update();
      mirror(chart, canvas);
    },
    destroy: () => chart.destroy(),
  };
}

const clock = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** A group's total lag over time: x is epoch ms, labelled as local clock times. */
export function lagHistoryChart(canvas: HTMLCanvasElement): Updatable<readonly KafkaLagPoint[]> {
  const tone = (behind: boolean) => (behind ? palette.amber : palette.green);
  const chart = new Chart<'line', { x: number; y: number }[]>(canvas, {
    type: 'line',
    data: {
      datasets: [
        {
          label: 'total lag',
          data: [],
          borderColor: palette.green,
          backgroundColor: `${palette.green}33`,
          borderWidth: 2,
          clip: 4,
          fill: 'origin',
          tension: 0.2,
          pointRadius: 0,
          pointHoverRadius: 4,
        },
      ],
    },
    options: {
      animation: false,
      parsing: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { type: 'linear', ticks: { maxTicksLimit: 6, callback: (value) => clock(Number(value)) }, grid: { display: false } },
        y: {
          beginAtZero: true,
          suggestedMax: 10,
          ticks: { precision: 0, maxTicksLimit: 5, callback: (value) => formatCount(Number(value)) },
        },
      },
      plugins: {
        tooltip: {
          callbacks: {
            title: (items) => new Date(items[0]?.parsed.x ?? 0).toLocaleString(),
            label: (item) => `${formatCount(item.parsed.y ?? 0)} records behind`,
          },
        },
      },
    },
  });
  return {
    update(history) {
      // A moment without committed offsets (null) is a gap in the line.
      const points = history
        .map((point) => ({ x: timeOf(point.ts), y: point.totalLag as number }))
        .filter((point) => Number.isFinite(point.x))
        .sort((a, b) => a.x - b.x);
      const dataset = chart.data.datasets[0];
      if (dataset === undefined) return;
      const color = tone(points.some((point) => (point.y ?? 0) > 0));
      const x = chart.options.scales?.['x'];
      if (x !== undefined) {
        x.min = points[0]?.x; // the line spans the chart: no padding to round tick values
        x.max = points.at(-1)?.x;
      }
      dataset.borderColor = color;
      dataset.backgroundColor = `${color}33`;
      dataset.data = points;
      dataset.pointRadius = points.length <= 30 ? 3 : 0; // a few samples: each one shows (a single one is a dot)
      dataset.pointBackgroundColor = color;
      chart.update('none');
      mirror(chart, canvas);
    },
    destroy: () => chart.destroy(),
  };
}
