/**
 * Pipeline health: consumer-group lag per topic as bars, and the total lag of
 * the last two minutes as a small chart, so "real time" that falls behind is
 * visible before anyone wonders why the numbers stand still.
 */
import type { PipelineHealth } from './api-types.ts';
import { lagChart } from './charts.ts';
import { el } from './dom.ts';
import { dataAgeLevel, formatAgo, formatCount, totalLag } from './format.ts';

const HISTORY_MS = 120_000;

export type LagLevel = 'ok' | 'warn' | 'bad' | 'unknown';

export function lagLevel(lag: number | null): LagLevel {
  if (lag === null) return 'unknown';
  if (lag === 0) return 'ok';
  return lag < 1000 ? 'warn' : 'bad';
}

export interface PipelineView {
  /** `newestEventAgeMs` of the update: how old the newest aggregated event is. */
  update(pipeline: PipelineHealth, serverTime: number, newestEventAgeMs: number | null): void;
  reset(): void;
}

export function pipelineView(root: HTMLElement): PipelineView {
  const groups = root.querySelector<HTMLElement>('[data-pipeline-groups]');
  const status = root.querySelector<HTMLElement>('[data-pipeline-status]');
  const note = root.querySelector<HTMLElement>('[data-pipeline-note]');
  const age = root.querySelector<HTMLElement>('[data-pipeline-age]');
  const totalElement = root.querySelector<HTMLElement>('[data-pipeline-total]');
  const checked = root.querySelector<HTMLElement>('[data-pipeline-checked]');
  const canvas = root.querySelector<HTMLCanvasElement>('[data-pipeline-chart]');
  const chart = canvas === null ? undefined : lagChart(canvas);
  let history: { at: number; lag: number }[] = [];
  let shown = '';

  const renderGroups = (pipeline: PipelineHealth) => {
    if (groups === null) return;
    const key = JSON.stringify(pipeline.groups);
    if (key === shown) return;
    shown = key;
    const max = Math.max(1, ...pipeline.groups.flatMap((group) => group.topics.map((topic) => topic.lag)));
    groups.replaceChildren(
      ...pipeline.groups.map((group) => {
        const block = el('div', 'lag-group');
        const head = el('div', 'lag-group-head');
        head.append(
          el('span', 'lag-group-name', group.group),
          el(
            'span',
            `lag-badge lag-badge--${lagLevel(group.totalLag)}`,
            group.totalLag === 0 ? 'caught up' : `${formatCount(group.totalLag)} behind`,
          ),
        );
        block.append(head);
        for (const topic of group.topics) {
          const row = el('div', 'lag-row');
          row.dataset['topic'] = topic.topic;
          row.dataset['lag'] = String(topic.lag);
          const name = el('span', 'lag-topic', topic.topic);
          name.title = `${topic.topic}: ${topic.partitions} partition${topic.partitions === 1 ? '' : 's'}`;
          const track = el('span', 'lag-track');
          const bar = el('span', `lag-bar lag-bar--${lagLevel(topic.lag)}`);
          bar.style.width = topic.lag === 0 ? '0' : `${Math.max(3, (100 * Math.log1p(topic.lag)) / Math.log1p(max))}%`;
          track.append(bar);
          row.append(name, el('span', 'lag-partitions', `${topic.partitions}p`), track, el('span', 'lag-value', formatCount(topic.lag)));
          block.append(row);
        }
        return block;
      }),
    );
    if (pipeline.groups.length === 0) groups.append(el('p', 'muted', 'No consumer group is watched yet.'));
  };

  return {
    update(pipeline, serverTime, newestEventAgeMs) {
      const total = totalLag(pipeline);
      if (age !== null) {
        age.textContent = newestEventAgeMs === null ? 'none yet' : formatAgo(newestEventAgeMs);
        age.dataset['level'] = dataAgeLevel(newestEventAgeMs, total);
      }
      if (totalElement !== null) totalElement.textContent = total === null ? '?' : formatCount(total);
      if (checked !== null) checked.textContent = pipeline.checkedAt > 0 ? formatAgo(serverTime - pipeline.checkedAt) : '–';
      if (status !== null) {
        status.dataset['level'] = lagLevel(total);
        status.textContent = total === null ? 'lag unknown' : total === 0 ? 'caught up' : `${formatCount(total)} behind`;
      }
      if (note !== null) {
        note.textContent =
          pipeline.error !== null
            ? `Lag could not be read: ${pipeline.error}`
            : pipeline.checkedAt > 0
              ? 'Lag: records written to a topic that the consumer group has not committed yet.'
              : 'Waiting for the first lag check…';
        note.classList.toggle('is-error', pipeline.error !== null);
      }
      renderGroups(pipeline);
      if (total !== null && pipeline.checkedAt > 0 && history.at(-1)?.at !== pipeline.checkedAt)
        history.push({ at: pipeline.checkedAt, lag: total });
      history = history.filter((point) => serverTime - point.at <= HISTORY_MS);
      chart?.update(history.map((point) => ({ x: (point.at - serverTime) / 1000, y: point.lag })));
    },
    reset() {
      history = [];
      shown = '';
      groups?.replaceChildren();
      for (const element of [age, totalElement, checked]) if (element !== null) element.textContent = '–';
      chart?.reset();
    },
  };
}
