/**
 * The funnel as bars: each step's visitors (or sessions) that reached it, with the ones lost since
 * the previous step stacked above in a faint colour, so the drop-off shows as the gap. The canvas
 * carries the same figures as a list.
 */
import { Chart } from 'chart.js';
import { el } from './dom.ts';
import { motion, palette } from './charts.ts';
import { formatCount, formatDuration, formatPercent } from './format.ts';
import type { FunnelRow } from './funnels-model.ts';

const short = (label: string) => (label.length > 28 ? `${label.slice(0, 27)}…` : label);

export interface FunnelChart {
  update(rows: readonly FunnelRow[], unit: string): void;
}

function renderList(list: HTMLElement, rows: readonly FunnelRow[], unit: string): void {
  list.replaceChildren(
    ...rows.map((row) => {
      const item = el(
        'li',
        '',
        `${row.label}: ${formatCount(row.entered)} ${unit}, ${formatPercent(row.conversionFromFirst)} of the first step, ${formatCount(row.droppedBefore)} dropped before it`,
      );
      item.dataset['step'] = row.step;
      item.dataset['entered'] = String(row.entered);
      item.dataset['conversion'] = String(row.conversionFromFirst);
      item.dataset['dropped'] = String(row.droppedBefore);
      return item;
    }),
  );
}

export function funnelChart(canvas: HTMLCanvasElement, list: HTMLElement): FunnelChart {
  let rows: readonly FunnelRow[] = [];
  let unit = 'visitors';
  const chart = new Chart<'bar', number[], string>(canvas, {
    type: 'bar',
    data: {
      labels: [],
      datasets: [
        {
          label: 'reached',
          data: [],
          backgroundColor: `${palette.indigo}dd`,
          hoverBackgroundColor: palette.indigo,
          borderRadius: 4,
          stack: 'f',
        },
        {
          label: 'dropped',
          data: [],
          backgroundColor: 'rgba(251, 191, 36, 0.22)',
          borderColor: `${palette.amber}88`,
          borderWidth: 1,
          stack: 'f',
        },
      ],
    },
    options: {
      animation: motion(),
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { color: palette.text, autoSkip: false } },
        y: { stacked: true, beginAtZero: true, suggestedMax: 4, ticks: { precision: 0, maxTicksLimit: 6 }, grid: { color: palette.grid } },
      },
      plugins: {
        tooltip: {
          callbacks: {
            title: (items) => rows[items[0]?.dataIndex ?? -1]?.label ?? '',
            label: (item) => {
              const row = rows[item.dataIndex];
              if (row === undefined) return '';
              return item.datasetIndex === 0
                ? `${formatCount(row.entered)} ${unit} · ${formatPercent(row.conversionFromFirst)} of step 1`
                : `${formatCount(row.droppedBefore)} dropped since the previous step`;
            },
            afterLabel: (item) => {
              const row = rows[item.dataIndex];
              if (row === undefined || item.datasetIndex !== 0 || row.index === 0) return '';
              const median = row.medianSecondsFromPrevious === null ? '' : ` · median ${formatDuration(row.medianSecondsFromPrevious)}`;
              return `${formatPercent(row.conversionFromPrevious)} from the previous step${median}`;
            },
          },
        },
      },
    },
  });
  return {
    update(next, nextUnit) {
      rows = next;
      unit = nextUnit;
      chart.data.labels = next.map((row) => short(row.label));
      const [reached, dropped] = chart.data.datasets;
      if (reached !== undefined) reached.data = next.map((row) => row.entered);
      if (dropped !== undefined) dropped.data = next.map((row) => row.droppedBefore);
      chart.update();
      renderList(list, next, unit);
    },
  };
}
