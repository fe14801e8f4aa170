/**
 * The Kafka view (`#kafka…`): what seed 002 ran Kafka UI for, on a Kafka
 * cluster and on the embedded log alike. A bar (pages, where you are, the
 * bus, a status line) above one page at a time:
 * - `#kafka`: brokers and topics (kafka-topics-page.ts);
 * - `#kafka/topics/<name>`: a topic, its partitions and messages (kafka-topic-page.ts);
 * - `#kafka/groups`: consumer groups (kafka-groups-page.ts);
 * - `#kafka/groups/<id>`: a group, its lag and offset reset (kafka-group-page.ts).
 * The page shown is refreshed every few seconds while it is on screen and
 * the tab is visible; nothing is read while the view is hidden. A server
 * without the Kafka API (404) gets a note instead of an error.
 */
import { formatCount } from './format.ts';
import { isNoRoute, readOverview } from './kafka-api.ts';
import { h, replaceChildren } from './kafka-dom.ts';
import { groupPage } from './kafka-group-page.ts';
import { groupsPage } from './kafka-groups-page.ts';
import type { KafkaPage, PageContext } from './kafka-page.ts';
import { kafkaHash, parseKafkaHash, type KafkaRoute } from './kafka-route.ts';
import { installKafkaStyles } from './kafka-styles.ts';
import { topicPage } from './kafka-topic-page.ts';
import { topicsPage } from './kafka-topics-page.ts';
import type { KafkaOverview } from './kafka-types.ts';

export type KafkaState = 'idle' | 'loading' | 'ready' | 'error' | 'off';

export interface KafkaView {
  /** Shows the page of `hash` (`#kafka…`) and keeps it fresh. */
  show(hash: string): void;
  /** Hides the view; the page's reads, timers and live tail stop. */
  hide(): void;
}

const routeKey = (route: KafkaRoute): string =>
  route.page === 'topic' ? `topic:${route.topic}` : route.page === 'group' ? `group:${route.group}` : route.page;

function bar() {
  const nav = (page: 'topics' | 'groups', href: string, text: string) => h('a', { href, 'data-kafka-nav': page }, text);
  const links = [nav('topics', '#kafka', 'Brokers & topics'), nav('groups', '#kafka/groups', 'Consumer groups')];
  const crumbs = h('span', { class: 'kcrumbs', 'data-kafka-crumbs': true });
  const status = h('span', { class: 'range-status', id: 'kafka-status', role: 'status', 'aria-live': 'polite' });
  const kind = h(
    'span',
    { class: 'pill', id: 'kafka-kind', 'data-state': 'connecting', title: 'The bus this Pulse reads' },
    h('i', { class: 'dot' }),
    h('span', { 'data-text': true }, 'Connecting…'),
  );
  const reload = h(
    'button',
    { type: 'button', class: 'btn btn--icon', title: 'Refresh now', 'aria-label': 'Refresh now', 'data-kafka-refresh': true },
    (() => {
      const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
      svg.setAttribute('viewBox', '0 0 24 24');
      svg.setAttribute('aria-hidden', 'true');
      const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
      path.setAttribute('d', 'M20 12a8 8 0 1 1-2.34-5.66M20 4v4.5h-4.5');
      for (const [name, value] of Object.entries({
        fill: 'none',
        stroke: 'currentColor',
        'stroke-width': '2',
        'stroke-linecap': 'round',
        'stroke-linejoin': 'round',
      }))
        path.setAttribute(name, value);
      svg.append(path);
      return svg;
    })(),
  );
  const section = h(
    'section',
    { class: 'card kafka-bar', 'aria-label': 'Kafka' },
    h(
      'div',
      { class: 'kafka-bar-row' },
      h('h2', { class: 'shop-bar-title' }, 'Kafka'),
      h('nav', { class: 'segmented knav', 'aria-label': 'Kafka pages' }, ...links),
      crumbs,
      status,
      kind,
      reload,
    ),
  );
  return { section, links, crumbs, status, kind, reload };
}

function offCard(): HTMLElement {
  return h(
    'section',
    { class: 'card history-state', id: 'kafka-off', hidden: true },
    h('h2', {}, 'The Kafka page is not available on this server'),
    h('p', { 'data-message': true }, 'This Pulse process has no Kafka API (it answered 404).'),
    h('p', { class: 'muted' }, 'pulse start and pulse dashboard serve it; the Live view works without it.'),
  );
}

export function kafkaView(root: HTMLElement, hooks: { onHash(hash: string): void }): KafkaView {
  installKafkaStyles();
  const top = bar();
  const off = offCard();
  root.replaceChildren(top.section, off);

  let overview: KafkaOverview | undefined;
  let current: { key: string; page: KafkaPage } | undefined;
  let shown = false;
  let timer = 0;
  let reading: AbortController | undefined;

  const context: PageContext = {
    overview: () => overview,
    replaceHash(hash) {
      window.history.replaceState(window.history.state, '', hash);
      hooks.onHash(hash);
    },
    problem: (message) => say(message ?? '', message === null ? 'ok' : 'error'),
  };

  function say(text: string, level: 'ok' | 'error' | 'busy'): void {
    top.status.textContent = text;
    top.status.dataset['level'] = level;
  }

  function setState(state: KafkaState): void {
    root.dataset['state'] = state;
    root.setAttribute('aria-busy', String(state === 'loading'));
    off.hidden = state !== 'off';
  }

  function renderKind(next: KafkaOverview): void {
    overview = next;
    top.kind.dataset['state'] = next.kind === 'kafka' && next.controllerId === null ? 'stalled' : 'live';
    const text = top.kind.querySelector('[data-text]');
    if (text !== null)
      text.textContent =
        next.kind === 'embedded'
          ? 'Embedded log'
          : `Kafka · ${formatCount(next.brokers.length)} ${next.brokers.length === 1 ? 'broker' : 'brokers'}`;
    root.dataset['kind'] = next.kind;
  }

  function renderNav(route: KafkaRoute): void {
    const section = route.page === 'groups' || route.page === 'group' ? 'groups' : 'topics';
    for (const link of top.links) {
      if (link.dataset['kafkaNav'] === section) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    if (route.page === 'topic')
      replaceChildren(top.crumbs, h('a', { href: '#kafka' }, 'Topics'), ' › ', h('strong', { 'data-crumb': route.topic }, route.topic));
    else if (route.page === 'group')
      replaceChildren(
        top.crumbs,
        h('a', { href: '#kafka/groups' }, 'Groups'),
        ' › ',
        h('strong', { 'data-crumb': route.group }, route.group),
      );
    else top.crumbs.replaceChildren();
    root.dataset['page'] = route.page;
  }

  function stop(): void {
    window.clearTimeout(timer);
    timer = 0;
    reading?.abort();
    reading = undefined;
  }

  async function refresh(): Promise<void> {
    stop();
    const page = current;
    if (page === undefined || !shown) return;
    const controller = new AbortController();
    reading = controller;
    try {
      if (overview === undefined) renderKind(await readOverview(controller.signal));
      await page.page.refresh(controller.signal);
      if (reading !== controller) return;
      setState('ready');
      say(`Updated ${new Date().toLocaleTimeString()}`, 'ok');
    } catch (error) {
      if (reading !== controller || (error instanceof DOMException && error.name === 'AbortError')) return;
      if (isNoRoute(error)) {
        setState('off');
        for (const node of page.page.nodes) node.hidden = true;
        say('', 'ok');
        top.kind.dataset['state'] = 'off';
        return; // nothing to poll for
      }
      setState('error');
      say(`Could not read: ${error instanceof Error ? error.message : String(error)} · retrying`, 'error');
    }
    if (reading !== controller || !shown) return;
    reading = undefined;
    const every = current?.page.pollMs ?? 0;
    if (every > 0) timer = window.setTimeout(() => void refresh(), document.hidden ? every * 4 : every);
  }

  function open(route: KafkaRoute): void {
    const key = routeKey(route);
    if (current?.key === key) {
      current.page.update?.(route);
      return;
    }
    current?.page.dispose();
    for (const node of current?.page.nodes ?? []) node.remove();
    const page =
      route.page === 'topic'
        ? topicPage(route, context)
        : route.page === 'group'
          ? groupPage(route.group)
          : route.page === 'groups'
            ? groupsPage(context)
            : topicsPage(context);
    current = { key, page };
    root.append(...page.nodes);
    setState('loading'); // until the new page has read its data
    window.scrollTo({ top: 0 });
  }

  top.reload.addEventListener('click', () => void refresh());
  document.addEventListener('visibilitychange', () => {
    if (shown && !document.hidden) void refresh();
  });

  return {
    show(hash) {
      root.hidden = false;
      const route = parseKafkaHash(hash);
      const first = !shown || current?.key !== routeKey(route);
      shown = true;
      renderNav(route);
      open(route);
      hooks.onHash(route.page === 'topic' ? hash : kafkaHash(route));
      if (first) void refresh();
    },
    hide() {
      shown = false;
      root.hidden = true;
      stop();
      current?.page.dispose();
      for (const node of current?.page.nodes ?? []) node.remove();
      current = undefined;
      setState('idle');
    },
  };
}
