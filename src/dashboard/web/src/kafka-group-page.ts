/**
 * `#kafka/groups/<id>`: one consumer group. Its state, members and what
 * each is assigned, its lag per partition (most behind first), its total lag
 * over time as the server recorded it (a chart tells more than the number:
 * growing, shrinking, or stuck), and the offset reset (kafka-reset.ts).
 */
import { formatCount } from './format.ts';
import { isNotFound, readGroup } from './kafka-api.ts';
import { lagHistoryChart } from './kafka-charts.ts';
import { badge, card, dataTable, h, replaceChildren, shareBar, tile } from './kafka-dom.ts';
import { stateLevel } from './kafka-groups-page.ts';
import { sortLag } from './kafka-model.ts';
import type { KafkaPage } from './kafka-page.ts';
import { resetForm } from './kafka-reset.ts';
import { topicHash } from './kafka-route.ts';
import type { KafkaGroupDetail } from './kafka-types.ts';

function lagCard() {
  const { section, hint } = card('Lag per partition', 'card-k-lag');
  const { scroll, body } = dataTable('ktable-lag', [
    { label: 'Topic', width: '32%' },
    { label: 'Partition', num: true, width: '11%' },
    { label: 'Committed', num: true, width: '15%' },
    { label: 'End offset', num: true, width: '15%' },
    { label: 'Lag', num: true, width: '27%' },
  ]);
  section.append(scroll);
  return {
    section,
    render(detail: KafkaGroupDetail) {
      const rows = sortLag(detail.lag);
      const most = Math.max(1, ...rows.map((row) => row.lag));
      hint.textContent = `${rows.filter((row) => row.lag > 0).length} of ${rows.length} partitions behind`;
      replaceChildren(
        body,
        ...rows.map((row) =>
          h(
            'tr',
            { 'data-topic': row.topic, 'data-partition': row.partition, 'data-committed': row.committed ?? '', 'data-lag': row.lag },
            h('td', { class: 'page-cell' }, h('a', { class: 'klink', href: topicHash(row.topic), title: row.topic }, row.topic)),
            h('td', { class: 'num' }, String(row.partition)),
            h(
              'td',
              { class: 'num' },
              row.committed === null ? h('span', { class: 'muted', title: 'nothing committed yet' }, 'none') : formatCount(row.committed),
            ),
            h('td', { class: 'num' }, formatCount(row.endOffset)),
            h(
              'td',
              { class: 'num' },
              h(
                'span',
                { class: 'bar-cell' },
                shareBar(row.lag / most, 'var(--amber)'),
                h('span', { class: 'cell-value' }, formatCount(row.lag)),
              ),
            ),
          ),
        ),
      );
      if (rows.length === 0)
        body.append(h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No committed offsets: the group has not consumed anything yet.')));
    },
  };
}

function membersCard() {
  const { section, hint } = card('Members', 'card-k-members');
  const { scroll, body } = dataTable('ktable-members', [
    { label: 'Client', width: '30%' },
    { label: 'Host', width: '22%' },
    { label: 'Assigned', width: '48%' },
  ]);
  section.append(scroll);
  return {
    section,
    render(detail: KafkaGroupDetail) {
      hint.textContent = detail.members.length === 0 ? 'none: offsets kept, nothing consuming' : `${detail.members.length} consuming`;
      replaceChildren(
        body,
        ...detail.members.map((member) =>
          h(
            'tr',
            { 'data-member': member.id },
            h('td', { class: 'page-cell', title: member.id }, member.clientId),
            h('td', { class: 'page-cell' }, member.host),
            h(
              'td',
              { class: 'page-cell', title: member.assignments.map((a) => `${a.topic}: ${a.partitions.join(', ')}`).join('\n') },
              member.assignments.map((a) => `${a.topic} [${a.partitions.join(', ')}]`).join(' · ') || '–',
            ),
          ),
        ),
      );
      if (detail.members.length === 0) body.append(h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'No active member.')));
    },
  };
}

export function groupPage(group: string): KafkaPage {
  const tiles = {
    state: tile('kafka-tile-g-state', 'State', 'var(--green)'),
    members: tile('kafka-tile-g-members', 'Members', 'var(--cyan)', 'consumers in the group'),
    lag: tile('kafka-tile-g-lag', 'Total lag', 'var(--amber)', 'records not yet consumed'),
    partitions: tile('kafka-tile-g-partitions', 'Partitions', 'var(--indigo)', 'with committed offsets'),
    topics: tile('kafka-tile-g-topics', 'Topics', '#c084fc'),
  };
  const tileRow = h('section', { class: 'tiles', 'aria-label': `Figures of ${group}` }, ...Object.values(tiles).map((t) => t.article));
  const chartCard = card('Total lag over time', 'card-k-lagchart', 'as recorded by the server');
  const canvas = h('canvas', { id: 'kafka-lag-chart', role: 'img', 'aria-label': `Total lag of ${group} over time` });
  chartCard.section.append(h('div', { class: 'chart-box chart-box--klag' }, canvas));
  const chart = lagHistoryChart(canvas);
  const lag = lagCard();
  const members = membersCard();
  const missing = h(
    'section',
    { class: 'card history-state', hidden: true },
    h('h2', {}, `No consumer group “${group}”`),
    h('p', { class: 'muted' }, 'It may have been deleted, or the link is mistyped.'),
  );
  let refreshNow: (() => void) | undefined;
  const reset = resetForm(group, { done: () => refreshNow?.() });
  const nodes = [missing, tileRow, chartCard.section, members.section, lag.section, reset.section];

  function render(detail: KafkaGroupDetail): void {
    for (const node of nodes) node.hidden = node === missing;
    const topics = new Set(detail.lag.map((row) => row.topic));
    replaceChildren(tiles.state.value, badge(detail.state, stateLevel(detail.state)));
    tiles.state.value.dataset['state'] = detail.state;
    tiles.state.sub.textContent = detail.members.length > 0 ? 'consuming' : 'no consumer running';
    tiles.members.value.textContent = formatCount(detail.members.length);
    tiles.lag.value.textContent = detail.totalLag === null ? '–' : formatCount(detail.totalLag);
    tiles.partitions.value.textContent = formatCount(detail.lag.length);
    tiles.topics.value.textContent = formatCount(topics.size);
    tiles.topics.sub.textContent = [...topics].sort().join(', ') || 'none';
    chartCard.hint.textContent =
      detail.history.length < 2 ? 'recording… (a point every few seconds)' : `${detail.history.length} points, as recorded by the server`;
    chart.update(detail.history);
    members.render(detail);
    lag.render(detail);
    reset.setGroup(detail);
  }

  return {
    nodes,
    pollMs: 3000,
    async refresh(signal) {
      refreshNow ??= () => void readGroup(group).then(render, () => undefined);
      try {
        render(await readGroup(group, signal));
      } catch (error) {
        if (!isNotFound(error)) throw error;
        for (const node of nodes) node.hidden = node !== missing;
      }
    },
    dispose() {
      chart.destroy();
    },
  };
}
