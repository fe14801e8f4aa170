/**
 * The Retention view (`#retention`): visitors grouped by the day (or week) of their first event,
 * and how many of each cohort came back in each later period — on any event, or on a chosen page
 * or custom event. Shown as the classic triangle table, each share coloured as a heat map, and as
 * the retention curve over all cohorts.
 */
import { readRetention } from './analytics-api.ts';
import { button, card, chartBox, failureText, labelled, selectOf, statusLine, type AnalyticsPanel } from './analytics-dom.ts';
import type { RetentionAnswer, RetentionPeriod } from './analytics-types.ts';
import { el } from './dom.ts';
import { formatCount, formatPercent } from './format.ts';
import { stepText } from './funnels-model.ts';
import { retentionChart } from './retention-chart.ts';
import { cohortLabel, heatColor, lastPeriods, periodLabel, retentionCurve, retentionRows, spanChoices } from './retention-model.ts';

function spanOptions(period: RetentionPeriod) {
  return spanChoices[period].map((n) => [String(n), `Last ${n} ${period === 'day' ? 'days' : 'weeks'}`] as const);
}

function controls() {
  const period = selectOf(
    'retention-period',
    [
      ['day', 'Daily cohorts'],
      ['week', 'Weekly cohorts'],
    ],
    'day',
  );
  const span = selectOf('retention-span', spanOptions('day'), '14');
  const returningKind = selectOf(
    'retention-returning-kind',
    [
      ['any', 'Any event'],
      ['page', 'A page'],
      ['event', 'A custom event'],
    ],
    'any',
  );
  const returningTarget = el('input');
  returningTarget.type = 'text';
  returningTarget.id = 'retention-returning-target';
  returningTarget.placeholder = '/path or event name';
  returningTarget.hidden = true;
  returningTarget.setAttribute('aria-label', 'Returning page or event');
  const run = button('Show retention', 'btn btn--primary');
  run.id = 'retention-run';
  const row = el('div', 'analytics-controls');
  row.append(labelled('Cohorts', period), labelled('Range', span), labelled('Returning on', returningKind), returningTarget, run);
  return { row, period, span, returningKind, returningTarget, run };
}

/** The triangle: one row per cohort, one cell per period since, each its share coloured. */
function renderTriangle(table: HTMLTableElement, answer: RetentionAnswer): void {
  const rows = retentionRows(answer.cohorts);
  const periods = Math.max(0, ...rows.map((row) => row.cells.length));
  const head = el('tr');
  head.append(el('th', '', 'Cohort'), el('th', 'num', 'Visitors'));
  for (let k = 0; k < periods; k += 1) head.append(el('th', 'num', periodLabel(k, answer.period)));
  const body = el('tbody');
  for (const row of rows) {
    const tr = el('tr');
    tr.dataset['cohort'] = new Date(row.start).toISOString();
    tr.dataset['visitors'] = String(row.visitors);
    const visitors = el('td', 'num', formatCount(row.visitors));
    visitors.dataset['col'] = 'visitors';
    tr.append(el('th', '', cohortLabel(row.start, answer.period)), visitors);
    for (let k = 0; k < periods; k += 1) {
      const cell = row.cells[k];
      const td = el('td', 'num retention-cell');
      if (cell !== undefined && row.visitors > 0) {
        td.textContent = formatPercent(cell.share);
        td.title = `${formatCount(cell.count)} of ${formatCount(row.visitors)}`;
        td.style.background = heatColor(cell.share);
        td.dataset['count'] = String(cell.count);
        td.dataset['share'] = String(cell.share);
      }
      td.dataset['period'] = String(k);
      tr.append(td);
    }
    body.append(tr);
  }
  table.replaceChildren(el('thead'), body);
  table.tHead?.append(head);
}

export function retentionView(): AnalyticsPanel {
  const element = el('div', 'analytics-panel');
  element.id = 'retention-view';
  const builder = card('card-a-builder', 'Retention', 'cohorts by the UTC day or ISO week of a visitor’s first event in the range');
  const ui = controls();
  const status = statusLine(element);
  builder.section.append(ui.row, status.line);
  const tableCard = card('card-a-table', 'Cohorts', 'share of each cohort back in each later period');
  const table = el('table', 'data-table analytics-table retention-table');
  table.id = 'retention-table';
  const scroll = el('div', 'table-scroll');
  scroll.append(table);
  tableCard.section.append(scroll);
  const chartCard = card('card-a-chart', 'Retention curve', 'all cohorts together');
  const chartParts = chartBox('retention', 'Share of visitors returning in each period after their first', 'line');
  chartCard.section.append(chartParts.box);
  const chart = retentionChart(chartParts.canvas, chartParts.list);
  element.append(builder.section, tableCard.section, chartCard.section);

  let site = '';
  let asked = '';
  let inFlight: AbortController | undefined;

  function returning(): string | null | undefined {
    const kind = ui.returningKind.value;
    if (kind === 'any') return null;
    return stepText({ kind: kind === 'page' ? 'page' : 'event', target: ui.returningTarget.value.trim(), key: '', value: '' }) ?? undefined;
  }

  function ask(): void {
    const step = returning();
    if (step === undefined) {
      status.set('incomplete', 'Name the page or event that counts as returning.');
      return;
    }
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    asked = site;
    const period = ui.period.value === 'week' ? 'week' : 'day';
    status.set('loading', 'Reading retention…');
    readRetention(site, lastPeriods(period, Number(ui.span.value), Date.now()), period, step, controller.signal)
      .then((answer) => {
        if (controller.signal.aborted) return;
        renderTriangle(table, answer);
        const curve = retentionCurve(answer.cohorts);
        chart.update(
          curve,
          curve.map((_, k) => periodLabel(k, answer.period)),
        );
        const visitors = answer.cohorts.reduce((sum, cohort) => sum + cohort.visitors, 0);
        status.set(
          visitors === 0 ? 'empty' : 'ready',
          visitors === 0
            ? 'No visitors in this range.'
            : `${formatCount(visitors)} visitors in ${answer.cohorts.filter((c) => c.visitors > 0).length} cohorts.`,
        );
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        const failure = failureText(error);
        status.set(failure.state, failure.text);
      });
  }

  ui.period.addEventListener('change', () => {
    const period = ui.period.value === 'week' ? 'week' : 'day';
    ui.span.replaceChildren(...spanOptions(period).map(([value, text]) => Object.assign(el('option', '', text), { value })));
    ui.span.value = period === 'day' ? '14' : '8';
    ask();
  });
  ui.span.addEventListener('change', ask);
  ui.returningKind.addEventListener('change', () => {
    ui.returningTarget.hidden = ui.returningKind.value === 'any';
    if (ui.returningKind.value === 'any') ask();
  });
  ui.run.addEventListener('click', ask);
  status.set('idle', '');

  return {
    element,
    show(next) {
      element.hidden = false;
      if (next === site && asked === site) return;
      site = next;
      ask();
    },
    hide() {
      element.hidden = true;
    },
  };
}
