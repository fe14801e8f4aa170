/**
 * The Funnels view (`#funnels`): build 2–8 steps (pages or custom events, each with an optional
 * property filter), choose the order, the conversion window and what is counted, and see how many
 * reached each step as bars (the drop-off stacked above) and as a table with conversion rates and
 * median times. Funnels can be saved with the site and loaded again (funnels-saved.ts).
 */
import { readFunnel } from './analytics-api.ts';
import { button, card, chartBox, dataTable, failureText, labelled, selectOf, statusLine, type AnalyticsPanel } from './analytics-dom.ts';
import { rangeOf, rangeSelect } from './analytics-range.ts';
import type { FunnelAnswer, FunnelCount, FunnelOrder, NewFunnel, SavedFunnel } from './analytics-types.ts';
import { el } from './dom.ts';
import { formatCount, formatDuration, formatPercent } from './format.ts';
import { funnelChart } from './funnels-chart.ts';
import { stepsEditor } from './funnels-editor.ts';
import { draftOf, funnelRows, windowChoices } from './funnels-model.ts';
import { savedFunnelsBar } from './funnels-saved.ts';

const orderChoices = [
  ['sequential', 'In order'],
  ['strict', 'Strictly in order (nothing between)'],
  ['any', 'In any order'],
] as const;
const countChoices = [
  ['visitors', 'Visitors'],
  ['sessions', 'Sessions'],
] as const;

function controls() {
  const range = rangeSelect('funnel-range');
  const order = selectOf('funnel-order', orderChoices, 'sequential');
  const windowSelect = selectOf(
    'funnel-window',
    windowChoices.map(([seconds, text]) => [String(seconds), text] as const),
    '86400',
  );
  const count = selectOf('funnel-count', countChoices, 'visitors');
  const run = button('Show funnel', 'btn btn--primary');
  run.id = 'funnel-run';
  const row = el('div', 'analytics-controls');
  row.append(labelled('Range', range), labelled('Order', order), labelled('Window', windowSelect), labelled('Count', count), run);
  return { row, range, order, window: windowSelect, count, run };
}

function resultsTable() {
  return dataTable('funnel-table', [
    ['step', 'Step', false],
    ['entered', 'Reached', true],
    ['converted', 'Went on', true],
    ['dropped', 'Dropped', true],
    ['from_previous', 'Of previous', true],
    ['from_first', 'Of first', true],
    ['median', 'Median time', true],
  ]);
}

export function funnelsView(): AnalyticsPanel {
  const element = el('div', 'analytics-panel');
  element.id = 'funnels-view';
  const builder = card('card-a-builder', 'Funnel', 'steps in order; page paths take * as a wildcard');
  const ui = controls();
  const editor = stepsEditor();
  editor.set([
    { kind: 'page', target: '/', key: '', value: '' },
    { kind: 'event', target: '', key: '', value: '' },
  ]);
  const status = statusLine(element);
  const saved = savedFunnelsBar({ current: currentFunnel, load: loadFunnel });
  builder.section.append(ui.row, editor.element, status.line, saved.element);

  const chartCard = card('card-a-chart', 'Conversion by step', '');
  const chartParts = chartBox('funnel', 'Visitors reaching each step of the funnel');
  chartCard.section.append(chartParts.box);
  const chart = funnelChart(chartParts.canvas, chartParts.list);
  const tableCard = card('card-a-table', 'Steps', 'conversion and median time from the previous step');
  const table = resultsTable();
  tableCard.section.append(table.wrap);
  element.append(builder.section, chartCard.section, tableCard.section);

  let site = '';
  let asked = '';
  let inFlight: AbortController | undefined;

  function currentFunnel(): NewFunnel | string {
    const texts = editor.texts();
    const steps = texts.filter((text): text is string => text !== null);
    if (steps.length !== texts.length) return 'Fill in every step (a property value needs its key).';
    return {
      name: '',
      steps,
      order: ui.order.value as FunnelOrder,
      window: Number(ui.window.value),
      count: ui.count.value as FunnelCount,
    };
  }

  function loadFunnel(funnel: SavedFunnel): void {
    editor.set(funnel.steps.map(draftOf));
    ui.order.value = funnel.order;
    if (!windowChoices.some(([seconds]) => seconds === funnel.window)) {
      ui.window.append(Object.assign(el('option', '', `${funnel.window} s`), { value: String(funnel.window) }));
    }
    ui.window.value = String(funnel.window);
    ui.count.value = funnel.count;
    ask();
  }

  function render(answer: FunnelAnswer): void {
    const rows = funnelRows(answer.steps);
    chart.update(rows, answer.count);
    chartCard.hint.textContent = `${answer.count} · window ${ui.window.selectedOptions[0]?.textContent ?? ''}`;
    table.body.replaceChildren(
      ...rows.map((row) =>
        table.row(
          {
            step: row.label,
            entered: formatCount(row.entered),
            converted: formatCount(row.converted),
            dropped: formatCount(row.dropped),
            from_previous: row.index === 0 ? '–' : formatPercent(row.conversionFromPrevious),
            from_first: formatPercent(row.conversionFromFirst),
            median: row.medianSecondsFromPrevious === null ? '–' : formatDuration(row.medianSecondsFromPrevious),
          },
          { 'data-step': row.step },
        ),
      ),
    );
  }

  function ask(): void {
    const funnel = currentFunnel();
    if (typeof funnel === 'string') {
      status.set('incomplete', funnel);
      return;
    }
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    asked = site;
    status.set('loading', 'Reading the funnel…');
    readFunnel(site, rangeOf(ui.range.value, Date.now()), funnel, controller.signal)
      .then((answer) => {
        if (controller.signal.aborted) return;
        render(answer);
        const first = answer.steps[0]?.entered ?? 0;
        const last = answer.steps.at(-1)?.entered ?? 0;
        status.set(
          first === 0 ? 'empty' : 'ready',
          first === 0
            ? `No ${answer.count} did the first step in this range.`
            : `${formatCount(last)} of ${formatCount(first)} ${answer.count} completed the funnel (${formatPercent(last / first)}).`,
        );
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        const failure = failureText(error);
        status.set(failure.state, failure.text);
      });
  }

  ui.run.addEventListener('click', ask);
  for (const select of [ui.range, ui.order, ui.window, ui.count]) select.addEventListener('change', ask);
  status.set('idle', 'Fill in the steps, then Show funnel.');

  return {
    element,
    show(next) {
      element.hidden = false;
      if (next === site && asked === site) return;
      site = next;
      void saved.refresh(site);
      ask();
    },
    hide() {
      element.hidden = true;
    },
  };
}
