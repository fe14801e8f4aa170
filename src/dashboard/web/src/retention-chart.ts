/** The retention curve: the share of visitors back k periods after their first, as a line. */
import { Chart } from 'chart.js';
import { motion, palette } from './charts.ts';
import { el } from './dom.ts';
import { formatPercent } from './format.ts';

export interface RetentionChart {
  update(curve: readonly number[], labels: readonly string[]): void;
}

export function retentionChart(canvas: HTMLCanvasElement, list: HTMLElement): RetentionChart {
  const chart = new Chart<'line', number[], string>(canvas, {
    type: 'line',
    data: {
      labels: [],
      datasets: [
        {
          label: 'retained',
          data: [],
          borderColor: palette.cyan,
          backgroundColor: 'rgba(34, 211, 238, 0.15)',
          fill: true,
          tension: 0.25,
          pointRadius: 3,
        },
      ],
    },
    options: {
      animation: motion(),
      scales: {
        x: { grid: { display: false } },
        y: {
          beginAtZero: true,
          max: 100,
          ticks: { callback: (value) => `${String(value)}%`, maxTicksLimit: 6 },
          grid: { color: palette.grid },
        },
      },
      plugins: { tooltip: { callbacks: { label: (item) => `${(item.parsed.y ?? 0).toFixed(1)}% came back` } } },
    },
  });
  return {
    update(curve, labels) {
      chart.data.labels = [...labels];
      const dataset = chart.data.datasets[0];
      if (dataset !== undefined) dataset.data = curve.map((share) => Math.round(share * 1000) / 10);
      chart.update();
      list.replaceChildren(
        ...curve.map((share, k) => {
          const item = el('li', '', `${labels[k] ?? k}: ${formatPercent(share)}`);
          item.dataset['period'] = String(k);
          item.dataset['share'] = String(share);
          return item;
        }),
      );
    },
  };
}
