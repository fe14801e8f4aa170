/** The Events view's trend: one line per custom event over the range's buckets, its figures also as a list in the canvas. */
import { Chart } from 'chart.js';
import { motion, palette } from './charts.ts';
import { el } from './dom.ts';
import { formatCount } from './format.ts';
import { sliceColors } from './history-charts.ts';

export interface TrendSeries {
  name: string;
  counts: number[];
}

export interface TrendChart {
  update(labels: readonly string[], series: readonly TrendSeries[]): void;
}

export function trendChart(canvas: HTMLCanvasElement, list: HTMLElement, legend: HTMLElement): TrendChart {
  const chart = new Chart<'line', number[], string>(canvas, {
    type: 'line',
    data: { labels: [], datasets: [] },
    options: {
      animation: motion(),
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { grid: { display: false }, ticks: { maxTicksLimit: 8, maxRotation: 0 } },
        y: { beginAtZero: true, suggestedMax: 4, ticks: { precision: 0, maxTicksLimit: 6 }, grid: { color: palette.grid } },
      },
      plugins: {
        tooltip: { displayColors: true, callbacks: { label: (item) => `${item.dataset.label ?? ''}: ${formatCount(item.parsed.y ?? 0)}` } },
      },
    },
  });
  return {
    update(labels, series) {
      chart.data.labels = [...labels];
      chart.data.datasets = series.map((one, i) => {
        const color = sliceColors[i % sliceColors.length] ?? palette.indigo;
        return {
          label: one.name,
          data: [...one.counts],
          borderColor: color,
          backgroundColor: color,
          tension: 0.25,
          pointRadius: 0,
          borderWidth: 2,
        };
      });
      chart.update();
      legend.replaceChildren(
        ...series.map((one, i) => {
          const entry = el('span');
          const swatch = el('i', 'is-line');
          swatch.style.setProperty('--swatch', sliceColors[i % sliceColors.length] ?? palette.indigo);
          entry.append(swatch, document.createTextNode(one.name));
          return entry;
        }),
      );
      list.replaceChildren(
        ...series.map((one) => {
          const total = one.counts.reduce((sum, n) => sum + n, 0);
          const item = el('li', '', `${one.name}: ${formatCount(total)} events`);
          item.dataset['name'] = one.name;
          item.dataset['events'] = String(total);
          return item;
        }),
      );
    },
  };
}
