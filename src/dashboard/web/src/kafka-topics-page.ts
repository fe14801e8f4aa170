/**
 * `#kafka`: the brokers (id, host, controller, partitions led), the topics
 * (partitions, replication, in-sync replicas, under-replicated partitions,
 * records, size, retention and cleanup policy) with a search the server
 * answers, and the largest topics by records as a chart. Under-replicated
 * topics are marked in red; Kafka's internal topics are hidden unless asked.
 */
import { formatCount } from './format.ts';
import { readOverview, readTopics } from './kafka-api.ts';
import { recordsChart } from './kafka-charts.ts';
import { badge, card, h, replaceChildren, shareBar, tile } from './kafka-dom.ts';
import { formatBytes, formatRetention, isInternalTopic, topicTotals } from './kafka-model.ts';
import type { KafkaPage, PageContext } from './kafka-page.ts';
import { topicHash } from './kafka-route.ts';
import { virtualTable } from './kafka-table.ts';
import type { KafkaBroker, KafkaOverview, KafkaTopicRow } from './kafka-types.ts';

function brokersCard() {
  const { section, hint } = card('Brokers', 'card-k-brokers');
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'data-table ktable-brokers', 'aria-label': 'Brokers' },
    h(
      'colgroup',
      {},
      h('col', { style: 'width: 14%' }),
      h('col', { style: 'width: 38%' }),
      h('col', { style: 'width: 20%' }),
      h('col', { style: 'width: 28%' }),
    ),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'ID'),
        h('th', { scope: 'col' }, 'Host'),
        h('th', { scope: 'col' }, 'Role'),
        h('th', { scope: 'col', class: 'num' }, 'Partitions led'),
      ),
    ),
    body,
  );
  section.append(h('div', { class: 'table-scroll' }, table));
  return {
    section,
    render(overview: KafkaOverview) {
      hint.textContent = overview.kind === 'embedded' ? 'embedded log, inside this Pulse process' : `${overview.brokers.length} online`;
      const most = Math.max(1, ...overview.brokers.map((broker) => broker.partitionsLed));
      const rows = [...overview.brokers].sort((a, b) => a.id - b.id);
      replaceChildren(
        body,
        ...rows.map((broker: KafkaBroker) =>
          h(
            'tr',
            { 'data-broker': broker.id, 'data-controller': broker.controller },
            h('td', {}, String(broker.id)),
            h('td', { class: 'page-cell', title: `${broker.host}:${broker.port}` }, `${broker.host}:${broker.port}`),
            h('td', {}, broker.controller ? badge('controller', 'ok') : h('span', { class: 'muted' }, 'broker')),
            h(
              'td',
              { class: 'num' },
              h(
                'span',
                { class: 'bar-cell' },
                shareBar(broker.partitionsLed / most),
                h('span', { class: 'cell-value' }, formatCount(broker.partitionsLed)),
              ),
            ),
          ),
        ),
      );
      if (rows.length === 0) body.append(h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No broker answered.')));
    },
  };
}

function topicsCard() {
  const { section, head, hint } = card('Topics', 'card-k-topics');
  const search = h('input', {
    type: 'search',
    class: 'ksearch',
    placeholder: 'Search topics',
    'aria-label': 'Search topics',
    'data-topic-search': true,
  });
  const internal = h('input', { type: 'checkbox', 'data-show-internal': true });
  head.insertBefore(
    h(
      'div',
      { class: 'kbar-tools' },
      search,
      h('label', { class: 'toggle', title: 'Kafka’s own topics, such as __consumer_offsets' }, internal, h('span', {}, 'internal')),
    ),
    hint,
  );
  const mostRecords = { value: 1 };
  const table = virtualTable<KafkaTopicRow>({
    className: 'ktable-topics',
    label: 'Topics',
    empty: 'No topic matches.',
    sort: { id: 'name', direction: 'asc' },
    rowAttributes: (row) => ({
      'data-topic': row.name,
      'data-partitions': row.partitions,
      'data-records': row.records,
      'data-under-replicated': row.underReplicated,
      class: row.underReplicated > 0 ? 'is-under-replicated' : undefined,
    }),
    columns: [
      {
        id: 'name',
        label: 'Topic',
        width: '24%',
        sort: (row) => row.name,
        cell: (row) => h('a', { class: 'klink', href: topicHash(row.name), title: row.name }, row.name),
      },
      {
        id: 'partitions',
        label: 'Partitions',
        num: true,
        width: '8%',
        sort: (row) => row.partitions,
        cell: (row) => formatCount(row.partitions),
      },
      {
        id: 'rf',
        label: 'Replicas',
        title: 'Replication factor',
        num: true,
        width: '7%',
        sort: (row) => row.replicationFactor,
        cell: (row) => String(row.replicationFactor),
      },
      {
        id: 'isr',
        label: 'In sync',
        title: 'In-sync replicas of all partitions, of all replicas',
        num: true,
        width: '7%',
        sort: (row) => row.inSyncReplicas,
        cell: (row) => `${row.inSyncReplicas}/${row.partitions * row.replicationFactor}`,
      },
      {
        id: 'urp',
        label: 'Under-repl.',
        title: 'Partitions with fewer in-sync replicas than replicas',
        num: true,
        width: '9%',
        sort: (row) => row.underReplicated,
        cell: (row) => (row.underReplicated > 0 ? badge(formatCount(row.underReplicated), 'bad') : h('span', { class: 'muted' }, '0')),
      },
      {
        id: 'records',
        label: 'Records',
        num: true,
        width: '17%',
        sort: (row) => row.records,
        cell: (row) =>
          h(
            'span',
            { class: 'bar-cell' },
            shareBar(row.records / mostRecords.value),
            h('span', { class: 'cell-value' }, formatCount(row.records)),
          ),
      },
      { id: 'size', label: 'Size', num: true, width: '9%', sort: (row) => row.sizeBytes, cell: (row) => formatBytes(row.sizeBytes) },
      {
        id: 'retention',
        label: 'Retention',
        num: true,
        width: '9%',
        sort: (row) => (row.retentionMs === null ? null : Number(row.retentionMs)),
        cell: (row) => formatRetention(row.retentionMs),
      },
      { id: 'cleanup', label: 'Cleanup', width: '10%', sort: (row) => row.cleanupPolicy, cell: (row) => row.cleanupPolicy },
    ],
  });
  section.append(table.element);
  return {
    section,
    search,
    internal,
    set(rows: KafkaTopicRow[]) {
      mostRecords.value = Math.max(1, ...rows.map((row) => row.records));
      table.setRows(rows);
      const inner = rows.filter((row) => isInternalTopic(row.name)).length;
      hint.textContent = `${formatCount(rows.length)} ${rows.length === 1 ? 'topic' : 'topics'}${inner > 0 ? `, ${inner} internal` : ''}`;
    },
  };
}

export function topicsPage(context: PageContext): KafkaPage {
  const tiles = {
    brokers: tile('kafka-tile-brokers', 'Brokers', 'var(--green)'),
    topics: tile('kafka-tile-topics', 'Topics', 'var(--indigo)', 'internal ones not counted'),
    partitions: tile('kafka-tile-partitions', 'Partitions', 'var(--cyan)', 'over these topics'),
    under: tile('kafka-tile-under', 'Under-replicated', 'var(--amber)', 'partitions missing a replica'),
    records: tile('kafka-tile-records', 'Records', '#c084fc', 'retained, all topics'),
  };
  const tileRow = h('section', { class: 'tiles', 'aria-label': 'Cluster figures' }, ...Object.values(tiles).map((t) => t.article));
  const brokers = brokersCard();
  const chartCard = card('Records per topic', 'card-k-records', 'largest topics');
  const canvas = h('canvas', { id: 'kafka-records-chart', role: 'img', 'aria-label': 'Records per topic, largest topics' });
  chartCard.section.append(h('div', { class: 'chart-box chart-box--krecords' }, canvas));
  const chart = recordsChart(canvas);
  const topics = topicsCard();

  let searchTimer = 0;
  let searching: AbortController | undefined;
  let search = '';

  function renderTopics(rows: KafkaTopicRow[]): void {
    topics.set(rows);
    if (search !== '') return; // the tiles and the chart are about every topic, not the search's
    const counted = rows.filter((row) => !isInternalTopic(row.name));
    const totals = topicTotals(counted);
    tiles.topics.value.textContent = formatCount(totals.topics);
    tiles.partitions.value.textContent = formatCount(totals.partitions);
    tiles.under.value.textContent = formatCount(totals.underReplicated);
    tiles.under.article.dataset['level'] = totals.underReplicated > 0 ? 'bad' : 'ok';
    tiles.under.sub.textContent =
      totals.underReplicated > 0
        ? `in ${counted.filter((row) => row.underReplicated > 0).length} topics`
        : 'every partition fully replicated';
    tiles.records.value.textContent = formatCount(totals.records);
    chart.update(counted);
  }

  function renderOverview(overview: KafkaOverview): void {
    brokers.render(overview);
    tiles.brokers.value.textContent = formatCount(overview.brokers.length);
    tiles.brokers.sub.textContent =
      overview.kind === 'embedded'
        ? 'embedded log (pulse start)'
        : overview.controllerId === null
          ? 'no active controller'
          : `controller: broker ${overview.controllerId}`;
  }

  /** What the table asks the server for: the search and whether internal topics are included. */
  const asking = () => `${search}\u0000${topics.internal.checked}`;

  function reload(): void {
    window.clearTimeout(searchTimer);
    search = topics.search.value.trim();
    searching?.abort();
    searching = new AbortController();
    readTopics(search, searching.signal, topics.internal.checked)
      .then((answer) => renderTopics(answer.topics))
      .catch((error: unknown) => {
        if (!(error instanceof DOMException && error.name === 'AbortError'))
          context.problem(error instanceof Error ? error.message : String(error));
      });
  }

  topics.search.addEventListener('input', () => {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(reload, 200);
  });
  topics.internal.addEventListener('change', reload);

  return {
    nodes: [tileRow, brokers.section, chartCard.section, topics.section],
    pollMs: 5000,
    async refresh(signal) {
      const asked = asking();
      const [overview, list] = await Promise.all([readOverview(signal), readTopics(search, signal, topics.internal.checked)]);
      renderOverview(overview);
      if (asked === asking()) renderTopics(list.topics); // a search typed meanwhile has its own answer
    },
    dispose() {
      window.clearTimeout(searchTimer);
      searching?.abort();
      chart.destroy();
    },
  };
}
