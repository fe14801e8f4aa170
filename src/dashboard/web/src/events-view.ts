/**
 * The Events view (`#events`): the site's custom events (track(name, props)) with their count and
 * distinct visitors, as bars and a table, the trend of the most frequent ones, and one event broken
 * down by one of its properties (its top values, as bars and a table). Choosing an event in the
 * table lists its property keys; choosing a key shows its values.
 */
import { readEvents, readPropertyKeys, readPropertyValues, type AnalyticsRange } from './analytics-api.ts';
import { button, card, chartBox, dataTable, failureText, labelled, selectOf, statusLine, type AnalyticsPanel } from './analytics-dom.ts';
import { rangeOf, rangeSelect } from './analytics-range.ts';
import type { EventsAnswer, PropertyValuesAnswer } from './analytics-types.ts';
import { palette } from './charts.ts';
import { el } from './dom.ts';
import { trendChart } from './events-charts.ts';
import { bucketLabel, bucketStarts, filledCounts } from './events-model.ts';
import { formatCount } from './format.ts';
import { rankingChart } from './history-charts.ts';

function listOf(list: HTMLElement, rows: readonly { label: string; events: number; visitors: number }[], attribute: string): void {
  list.replaceChildren(
    ...rows.map((row) => {
      const item = el('li', '', `${row.label}: ${formatCount(row.events)} events, ${formatCount(row.visitors)} visitors`);
      item.dataset[attribute] = row.label;
      item.dataset['events'] = String(row.events);
      item.dataset['visitors'] = String(row.visitors);
      return item;
    }),
  );
}

/** The event list: bars of counts and the table whose names choose the event to break down. */
function eventsPanel(choose: (name: string) => void) {
  const parts = card('card-a-events', 'Custom events', 'events and distinct visitors; choose one to see its properties');
  const chartParts = chartBox('events', 'Custom events by count');
  const chart = rankingChart(chartParts.canvas, palette.indigo, 'events');
  const table = dataTable('events-table', [
    ['name', 'Event', false],
    ['events', 'Events', true],
    ['visitors', 'Visitors', true],
  ]);
  parts.section.append(chartParts.box, table.wrap);
  return {
    section: parts.section,
    render(answer: EventsAnswer, chosen: string | null) {
      chart.update(
        answer.events.map((row) => ({
          label: row.name,
          title: row.name,
          value: row.events,
          detail: `${formatCount(row.visitors)} visitors`,
        })),
      );
      listOf(
        chartParts.list,
        answer.events.map((row) => ({ ...row, label: row.name })),
        'name',
      );
      table.body.replaceChildren(
        ...answer.events.map((row) => {
          const pick = button(row.name, 'link-button');
          pick.addEventListener('click', () => choose(row.name));
          const tr = table.row(
            { name: pick, events: formatCount(row.events), visitors: formatCount(row.visitors) },
            { 'data-name': row.name },
          );
          if (row.name === chosen) tr.setAttribute('aria-selected', 'true');
          return tr;
        }),
      );
    },
  };
}

function trendPanel() {
  const parts = card('card-a-trend', 'Trend', '');
  const legend = el('span', 'chart-legend');
  parts.head.append(legend);
  const chartParts = chartBox('events-trend', 'Custom events over time', 'line');
  const chart = trendChart(chartParts.canvas, chartParts.list, legend);
  parts.section.append(chartParts.box);
  return {
    section: parts.section,
    render(answer: EventsAnswer) {
      const starts = bucketStarts(answer, answer.bucket);
      parts.hint.textContent = `per ${answer.bucket}`;
      chart.update(
        starts.map((ts) => bucketLabel(ts, answer.bucket)),
        answer.trend.map((one) => ({ name: one.name, counts: filledCounts(one.points, starts) })),
      );
    },
  };
}

function propertiesPanel(onKey: () => void) {
  const parts = card('card-a-props', 'Properties', 'choose an event above');
  const keys = selectOf('events-property-key', [], '');
  keys.addEventListener('change', onKey);
  const chartParts = chartBox('events-values', 'Top values of the chosen property');
  const chart = rankingChart(chartParts.canvas, palette.green, 'events');
  const table = dataTable('events-values-table', [
    ['value', 'Value', false],
    ['events', 'Events', true],
    ['visitors', 'Visitors', true],
  ]);
  parts.section.append(labelled('Property', keys), chartParts.box, table.wrap);
  const render = (answer: PropertyValuesAnswer | null): void => {
    const rows = answer?.values ?? [];
    chart.update(
      rows.map((row) => ({ label: row.value, title: row.value, value: row.events, detail: `${formatCount(row.visitors)} visitors` })),
    );
    listOf(
      chartParts.list,
      rows.map((row) => ({ ...row, label: row.value })),
      'value',
    );
    table.body.replaceChildren(
      ...rows.map((row) =>
        table.row({ value: row.value, events: formatCount(row.events), visitors: formatCount(row.visitors) }, { 'data-value': row.value }),
      ),
    );
  };
  return {
    section: parts.section,
    keys,
    render,
    setEvent(name: string | null, keyList: readonly string[]) {
      parts.hint.textContent =
        name === null ? 'choose an event above' : keyList.length === 0 ? `“${name}” carries no properties` : `of “${name}”`;
      keys.replaceChildren(...keyList.map((key) => Object.assign(el('option', '', key), { value: key })));
      keys.disabled = keyList.length === 0;
      if (keyList.length === 0) render(null);
    },
  };
}

export function eventsView(): AnalyticsPanel {
  const element = el('div', 'analytics-panel');
  element.id = 'events-view';
  const bar = card('card-a-builder', 'Events', 'custom events sent with track(name, props)');
  const range = rangeSelect('events-range');
  const status = statusLine(element);
  const row = el('div', 'analytics-controls');
  row.append(labelled('Range', range));
  bar.section.append(row, status.line);
  const list = eventsPanel((name) => void choose(name));
  const trend = trendPanel();
  const properties = propertiesPanel(() => void showValues());
  element.append(bar.section, list.section, trend.section, properties.section);

  let site = '';
  let asked = '';
  let span: AnalyticsRange = rangeOf('7d', Date.now());
  let chosen: string | null = null;
  let latest: EventsAnswer | undefined;
  let inFlight = new AbortController();

  async function showValues(): Promise<void> {
    const key = properties.keys.value;
    if (chosen === null || key === '') return;
    try {
      properties.render(await readPropertyValues(site, span, chosen, key, inFlight.signal));
    } catch (error) {
      if (!inFlight.signal.aborted) status.set('error', failureText(error).text);
    }
  }

  async function choose(name: string): Promise<void> {
    chosen = name;
    if (latest !== undefined) list.render(latest, chosen);
    try {
      const answer = await readPropertyKeys(site, span, name, inFlight.signal);
      if (chosen !== name) return;
      properties.setEvent(name, answer.keys);
      await showValues();
    } catch (error) {
      if (!inFlight.signal.aborted) status.set('error', failureText(error).text);
    }
  }

  async function ask(): Promise<void> {
    inFlight.abort();
    const controller = new AbortController();
    inFlight = controller;
    asked = site;
    span = rangeOf(range.value, Date.now());
    status.set('loading', 'Reading custom events…');
    try {
      const answer = await readEvents(site, span, controller.signal);
      if (controller.signal.aborted) return;
      latest = answer;
      if (chosen === null || !answer.events.some((row) => row.name === chosen)) chosen = answer.events[0]?.name ?? null;
      list.render(answer, chosen);
      trend.render(answer);
      if (chosen === null) properties.setEvent(null, []);
      else await choose(chosen);
      if (controller.signal.aborted) return;
      const total = answer.events.reduce((sum, one) => sum + one.events, 0);
      status.set(
        answer.events.length === 0 ? 'empty' : 'ready',
        answer.events.length === 0
          ? 'No custom events in this range: send them with track(name, props).'
          : `${formatCount(total)} custom events of ${answer.events.length} kinds.`,
      );
    } catch (error) {
      if (controller.signal.aborted) return;
      const failure = failureText(error);
      status.set(failure.state, failure.text);
    }
  }

  range.addEventListener('change', () => void ask());

  return {
    element,
    show(next) {
      element.hidden = false;
      if (next === site && asked === site) return;
      site = next;
      chosen = null;
      void ask();
    },
    hide() {
      element.hidden = true;
    },
  };
}
