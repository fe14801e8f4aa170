/**
 * `#kafka/groups`: every consumer group (state, members, topics, total lag),
 * most behind first, with a search the server answers. The table draws only
 * the rows in view (kafka-table.ts), so hundreds of groups refresh every few
 * seconds without the page stalling.
 */
import { formatCount } from './format.ts';
import { readGroups } from './kafka-api.ts';
import { badge, card, h, shareBar, tile, type Level } from './kafka-dom.ts';
import type { KafkaPage, PageContext } from './kafka-page.ts';
import { groupHash, topicHash } from './kafka-route.ts';
import { virtualTable } from './kafka-table.ts';
import type { KafkaGroupRow } from './kafka-types.ts';

/** Kafka's group states, as a badge colour. */
export const stateLevel = (state: string): Level => {
  const s = state.toLowerCase();
  if (s === 'stable') return 'ok';
  if (s === 'empty') return 'unknown';
  if (s === 'dead') return 'bad';
  return 'warn'; // preparing/completing a rebalance
};

export function groupsPage(context: PageContext): KafkaPage {
  const tiles = {
    groups: tile('kafka-tile-groups', 'Consumer groups', 'var(--indigo)'),
    stable: tile('kafka-tile-stable', 'Stable', 'var(--green)', 'with members consuming'),
    empty: tile('kafka-tile-empty', 'Empty', 'var(--slate)', 'no member: offsets kept'),
    behind: tile('kafka-tile-behind', 'Behind', 'var(--amber)', 'groups with lag'),
    lag: tile('kafka-tile-lag', 'Total lag', '#c084fc', 'records not yet consumed'),
  };
  const tileRow = h('section', { class: 'tiles', 'aria-label': 'Consumer group figures' }, ...Object.values(tiles).map((t) => t.article));
  const { section, head, hint } = card('Consumer groups', 'card-k-groups');
  const search = h('input', {
    type: 'search',
    class: 'ksearch',
    placeholder: 'Search groups',
    'aria-label': 'Search groups',
    'data-group-search': true,
  });
  head.insertBefore(h('div', { class: 'kbar-tools' }, search), hint);
  const most = { lag: 1 };
  const table = virtualTable<KafkaGroupRow>({
    className: 'ktable-groups',
    label: 'Consumer groups',
    empty: 'No consumer group matches.',
    sort: { id: 'lag', direction: 'desc' },
    rowAttributes: (row) => ({
      'data-group': row.group,
      'data-state': row.state,
      'data-lag': row.totalLag ?? '',
      'data-members': row.members,
    }),
    columns: [
      {
        id: 'group',
        label: 'Group',
        width: '30%',
        sort: (row) => row.group,
        cell: (row) => h('a', { class: 'klink', href: groupHash(row.group), title: row.group }, row.group),
      },
      { id: 'state', label: 'State', width: '13%', sort: (row) => row.state, cell: (row) => badge(row.state, stateLevel(row.state)) },
      { id: 'members', label: 'Members', num: true, width: '9%', sort: (row) => row.members, cell: (row) => formatCount(row.members) },
      {
        id: 'topics',
        label: 'Topics',
        width: '28%',
        sort: (row) => row.topics.join(','),
        cell: (row) =>
          h(
            'span',
            { class: 'ktopics', title: row.topics.join(', ') },
            ...row.topics.flatMap((topic, index) => [index > 0 ? ', ' : '', h('a', { class: 'klink', href: topicHash(topic) }, topic)]),
          ),
      },
      {
        id: 'lag',
        label: 'Total lag',
        num: true,
        width: '20%',
        sort: (row) => row.totalLag,
        cell: (row) =>
          row.totalLag === null
            ? h('span', { class: 'muted', title: 'no committed offsets to measure from' }, '–')
            : h(
                'span',
                { class: 'bar-cell' },
                shareBar(row.totalLag / most.lag, 'var(--amber)'),
                h('span', { class: 'cell-value' }, formatCount(row.totalLag)),
              ),
      },
    ],
  });
  section.append(table.element);

  let query = '';
  let timer = 0;
  let searching: AbortController | undefined;

  function render(groups: KafkaGroupRow[]): void {
    most.lag = Math.max(1, ...groups.map((g) => g.totalLag ?? 0));
    table.setRows(groups);
    hint.textContent = `${formatCount(groups.length)} ${groups.length === 1 ? 'group' : 'groups'}${query === '' ? '' : ` matching “${query}”`}`;
    if (query !== '') return;
    const count = (state: string) => groups.filter((g) => g.state.toLowerCase() === state).length;
    tiles.groups.value.textContent = formatCount(groups.length);
    tiles.stable.value.textContent = formatCount(count('stable'));
    tiles.empty.value.textContent = formatCount(count('empty'));
    tiles.behind.value.textContent = formatCount(groups.filter((g) => (g.totalLag ?? 0) > 0).length);
    tiles.lag.value.textContent = formatCount(groups.reduce((sum, g) => sum + (g.totalLag ?? 0), 0));
  }

  search.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      query = search.value.trim();
      searching?.abort();
      searching = new AbortController();
      readGroups(query, searching.signal)
        .then((answer) => render(answer.groups))
        .catch((error: unknown) => {
          if (!(error instanceof DOMException && error.name === 'AbortError'))
            context.problem(error instanceof Error ? error.message : String(error));
        });
    }, 200);
  });

  return {
    nodes: [tileRow, section],
    pollMs: 10_000, // every group's lag is computed for the list: a longer period than the other pages
    async refresh(signal) {
      const asked = query;
      const answer = await readGroups(asked, signal);
      if (asked === query) render(answer.groups); // a search typed meanwhile has its own answer
    },
    dispose() {
      window.clearTimeout(timer);
      searching?.abort();
    },
  };
}
