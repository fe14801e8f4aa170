/**
 * `#kafka/topics/<name>`: one topic. Its figures, its partitions (leader,
 * replicas, in-sync replicas with the missing ones marked, low and high
 * offsets, records), its configuration, the message browser
 * (kafka-messages.ts) and the test-message form (kafka-produce.ts).
 */
import { formatCount } from './format.ts';
import { isNotFound, readTopic, readTopics } from './kafka-api.ts';
import { badge, card, dataTable, h, replaceChildren, shareBar, tile } from './kafka-dom.ts';
import { messageBrowser } from './kafka-messages.ts';
import { formatBytes, formatRetention, outOfSync, partitionRecords } from './kafka-model.ts';
import type { KafkaPage, PageContext } from './kafka-page.ts';
import { produceForm } from './kafka-produce.ts';
import type { BrowseQuery, KafkaRoute } from './kafka-route.ts';
import type { KafkaPartition, KafkaTopicDetail, KafkaTopicRow } from './kafka-types.ts';

const replicaList = (replicas: readonly number[], missing: readonly number[] = []) =>
  h(
    'span',
    { class: 'kreplicas' },
    ...replicas.map((id) =>
      h(
        'span',
        {
          class: missing.includes(id) ? 'kreplica is-missing' : 'kreplica',
          title: missing.includes(id) ? `broker ${id} is not in sync` : `broker ${id}`,
        },
        String(id),
      ),
    ),
  );

function partitionsCard() {
  const { section, hint } = card('Partitions', 'card-k-partitions');
  const { scroll, body } = dataTable('ktable-partitions', [
    { label: 'Partition', num: true, width: '11%' },
    { label: 'Leader', num: true, width: '10%' },
    { label: 'Replicas', width: '15%' },
    { label: 'In sync', width: '15%', title: 'In-sync replicas' },
    { label: 'Low offset', num: true, width: '14%', title: 'Oldest retained offset' },
    { label: 'High offset', num: true, width: '14%', title: 'Next offset to be written' },
    { label: 'Records', num: true, width: '21%' },
  ]);
  section.append(scroll);
  return {
    section,
    render(partitions: readonly KafkaPartition[]) {
      const most = Math.max(1, ...partitions.map(partitionRecords));
      const under = partitions.filter((p) => outOfSync(p).length > 0).length;
      hint.textContent = under > 0 ? `${under} under-replicated` : `${partitions.length} partitions`;
      hint.dataset['level'] = under > 0 ? 'bad' : 'ok';
      replaceChildren(
        body,
        ...[...partitions]
          .sort((a, b) => a.partition - b.partition)
          .map((p) => {
            const missing = outOfSync(p);
            return h(
              'tr',
              {
                'data-partition': p.partition,
                'data-leader': p.leader,
                'data-start': p.startOffset,
                'data-end': p.endOffset,
                class: missing.length > 0 ? 'is-under-replicated' : undefined,
              },
              h('td', { class: 'num' }, String(p.partition)),
              h('td', { class: 'num' }, p.leader < 0 ? badge('none', 'bad', 'no leader: the partition is offline') : String(p.leader)),
              h('td', {}, replicaList(p.replicas)),
              h(
                'td',
                {},
                replicaList(p.isr),
                missing.length > 0 ? badge(`-${missing.length}`, 'bad', `not in sync: ${missing.join(', ')}`) : null,
              ),
              h('td', { class: 'num' }, formatCount(p.startOffset)),
              h('td', { class: 'num' }, formatCount(p.endOffset)),
              h(
                'td',
                { class: 'num' },
                h(
                  'span',
                  { class: 'bar-cell' },
                  shareBar(partitionRecords(p) / most),
                  h('span', { class: 'cell-value' }, formatCount(partitionRecords(p))),
                ),
              ),
            );
          }),
      );
    },
  };
}

function configCard() {
  const { section, hint } = card('Configuration', 'card-k-config');
  const { scroll, body } = dataTable('ktable-config', [
    { label: 'Setting', width: '58%' },
    { label: 'Value', width: '42%' },
  ]);
  section.append(scroll);
  return {
    section,
    render(config: Record<string, string>) {
      const entries = Object.entries(config).sort(([a], [b]) => a.localeCompare(b));
      hint.textContent = entries.length === 0 ? 'defaults' : `${entries.length} settings`;
      replaceChildren(
        body,
        ...entries.map(([name, value]) =>
          h(
            'tr',
            { 'data-config': name },
            h('td', { class: 'page-cell', title: name }, name),
            h('td', { class: 'page-cell', title: value }, value),
          ),
        ),
      );
      if (entries.length === 0)
        body.append(h('tr', {}, h('td', { colspan: 2, class: 'muted' }, 'No topic-level settings: the bus defaults apply.')));
    },
  };
}

export function topicPage(route: Extract<KafkaRoute, { page: 'topic' }>, context: PageContext): KafkaPage {
  const topic = route.topic;
  const tiles = {
    partitions: tile('kafka-tile-t-partitions', 'Partitions', 'var(--cyan)'),
    replication: tile('kafka-tile-t-replication', 'Replication', 'var(--green)', 'replicas per partition'),
    records: tile('kafka-tile-t-records', 'Records', 'var(--indigo)', 'retained now'),
    size: tile('kafka-tile-t-size', 'Size', '#c084fc', 'on disk'),
    retention: tile('kafka-tile-t-retention', 'Retention', 'var(--amber)'),
  };
  const tileRow = h('section', { class: 'tiles', 'aria-label': `Figures of ${topic}` }, ...Object.values(tiles).map((t) => t.article));
  const partitions = partitionsCard();
  const config = configCard();
  const missing = h(
    'section',
    { class: 'card history-state', hidden: true },
    h('h2', {}, `No topic “${topic}”`),
    h('p', { class: 'muted' }, 'It may have been deleted, or the link is mistyped.'),
  );
  const browser = messageBrowser(topic, route.browse, { replaceHash: context.replaceHash });
  const produce = produceForm(topic, { produced: (partition, offset) => browser.showProduced(partition, offset) });
  const nodes = [missing, tileRow, partitions.section, config.section, browser.section, produce.section];
  let known = false;

  function render(detail: KafkaTopicDetail, row: KafkaTopicRow | undefined): void {
    for (const node of nodes) node.hidden = node === missing;
    const records = detail.partitions.reduce((sum, p) => sum + partitionRecords(p), 0);
    const replication = Math.max(0, ...detail.partitions.map((p) => p.replicas.length));
    const underReplicated = detail.partitions.filter((p) => outOfSync(p).length > 0).length;
    tiles.partitions.value.textContent = formatCount(detail.partitions.length);
    tiles.partitions.sub.textContent = underReplicated > 0 ? `${underReplicated} under-replicated` : 'all in sync';
    tiles.replication.value.textContent = String(replication);
    const minIsr = detail.config['min.insync.replicas'];
    tiles.replication.sub.textContent = minIsr === undefined ? 'replicas per partition' : `min. in sync: ${minIsr}`;
    tiles.records.value.textContent = formatCount(records);
    tiles.size.value.textContent = formatBytes(row?.sizeBytes ?? null);
    tiles.retention.value.textContent = formatRetention(detail.config['retention.ms'] ?? row?.retentionMs ?? null);
    tiles.retention.sub.textContent = `cleanup: ${detail.config['cleanup.policy'] ?? row?.cleanupPolicy ?? 'delete'}`;
    partitions.render(detail.partitions);
    config.render(detail.config);
    browser.setPartitions(detail.partitions.map((p) => p.partition));
    produce.setPartitions(detail.partitions.map((p) => p.partition));
    if (!known) {
      known = true;
      browser.start();
    }
  }

  return {
    nodes,
    pollMs: 5000,
    async refresh(signal) {
      try {
        const [detail, list] = await Promise.all([readTopic(topic, signal), readTopics(topic, signal).catch(() => ({ topics: [] }))]);
        render(
          detail,
          list.topics.find((row) => row.name === topic),
        );
      } catch (error) {
        if (!isNotFound(error)) throw error;
        for (const node of nodes) node.hidden = node !== missing;
      }
    },
    update(next) {
      if (next.page === 'topic') browser.apply(next.browse as BrowseQuery);
    },
    dispose() {
      browser.dispose();
    },
  };
}
