/**
 * The message browser of a topic. Newest first by default; one partition or
 * all; seek by offset or by time; key, header and value filters that the
 * server applies (it seeks, so a topic of a million records answers as fast
 * as a small one). "Load more" asks for the page after the server's cursor
 * and never shows a record twice. Each record shows its partition, offset,
 * time, size, key, headers and its value, JSON indented and coloured.
 *
 * The live tail (an EventSource on /api/kafka/topics/<name>/live) shows new
 * records as they are written, newest on top, with the same filters.
 * The query is written into the hash, so a browse can be linked.
 */
import { formatCount } from './format.ts';
import { liveUrl, readMessages } from './kafka-api.ts';
import { card, h, replaceChildren } from './kafka-dom.ts';
import {
  appendPage,
  formatBytes,
  formatTimestamp,
  fromLocalInput,
  jsonTokens,
  messageId,
  prettyValue,
  timeOf,
  toLocalInput,
} from './kafka-model.ts';
import { kafkaHash, LIMITS, type BrowseQuery, type Order, type Seek } from './kafka-route.ts';
import type { KafkaMessage } from './kafka-types.ts';

/** Records kept on screen by the live tail; older ones drop off the bottom. */
const LIVE_KEEP = 300;

export interface MessageBrowser {
  section: HTMLElement;
  /** The topic's partitions, for the partition picker. */
  setPartitions(partitions: readonly number[]): void;
  /** Reads the first page (once the topic is known to exist). */
  start(): void;
  /** Browses with another query (the hash changed). */
  apply(browse: BrowseQuery): void;
  /** Shows a record just produced. */
  showProduced(partition: number, offset: number): void;
  dispose(): void;
}

function valueNode(value: unknown): HTMLElement {
  const pretty = prettyValue(value);
  if (pretty === null) return h('p', { class: 'kmsg-tomb', 'data-tombstone': true }, 'tombstone (null value)');
  if (typeof value === 'string') return h('pre', { class: 'kmsg-value is-text', 'data-value': true }, pretty);
  const pre = h('pre', { class: 'kmsg-value', 'data-value': true, 'data-json': true });
  for (const token of jsonTokens(pretty))
    pre.append(token.kind === 'punct' ? document.createTextNode(token.text) : h('span', { class: `kj-${token.kind}` }, token.text));
  return pre;
}

export function messageNode(message: KafkaMessage, fresh = false): HTMLElement {
  const at = timeOf(message.timestamp);
  const headers = Object.entries(message.headers);
  return h(
    'li',
    {
      class: fresh ? 'kmsg is-new' : 'kmsg',
      'data-partition': message.partition,
      'data-offset': message.offset,
      'data-timestamp': Number.isFinite(at) ? at : undefined,
    },
    h(
      'div',
      { class: 'kmsg-meta' },
      h(
        'span',
        { class: 'kmsg-pos' },
        'partition ',
        h('b', {}, String(message.partition)),
        ' · offset ',
        h('b', {}, String(message.offset)),
      ),
      h(
        'span',
        {},
        h('time', { datetime: Number.isFinite(at) ? new Date(at).toISOString() : undefined }, formatTimestamp(message.timestamp)),
        h('span', { class: 'kmsg-size' }, ` · ${formatBytes(message.size)}`),
      ),
    ),
    h(
      'div',
      { class: 'kmsg-fields' },
      h(
        'div',
        { class: 'kmsg-field' },
        h('span', { class: 'kmsg-label' }, 'key'),
        message.key === null ? h('span', { class: 'kmsg-null' }, 'null') : h('code', { class: 'kmsg-key', 'data-key': true }, message.key),
      ),
      headers.length === 0
        ? null
        : h(
            'div',
            { class: 'kmsg-field' },
            h('span', { class: 'kmsg-label' }, 'headers'),
            ...headers.map(([name, value]) => h('code', { class: 'kchip', 'data-header': name }, `${name}: ${value}`)),
          ),
    ),
    valueNode(message.value),
  );
}

export function messageBrowser(topic: string, initial: BrowseQuery, hooks: { replaceHash(hash: string): void }): MessageBrowser {
  const { section, hint } = card('Messages', 'card-k-messages');
  section.id = 'kafka-messages';
  const partition = h('select', { 'aria-label': 'Partition', 'data-browse-partition': true }, h('option', { value: '' }, 'All partitions'));
  const orderButtons = (['newest', 'oldest'] as const).map((order) =>
    h('button', { type: 'button', 'data-order': order, 'aria-pressed': 'false' }, order === 'newest' ? 'Newest first' : 'Oldest first'),
  );
  const seek = h(
    'select',
    { 'aria-label': 'Start at', 'data-browse-seek': true },
    h('option', { value: 'none' }, 'from the end'),
    h('option', { value: 'offset' }, 'at offset…'),
    h('option', { value: 'timestamp' }, 'at time…'),
  );
  const offset = h('input', {
    type: 'number',
    min: 0,
    step: 1,
    class: 'kfield-input knum',
    placeholder: 'offset',
    'aria-label': 'Offset',
    'data-browse-offset': true,
  });
  const timestamp = h('input', {
    type: 'datetime-local',
    step: 1,
    class: 'kfield-input',
    'aria-label': 'Time',
    'data-browse-timestamp': true,
  });
  const filter = (name: 'key' | 'header' | 'value', placeholder: string) =>
    h('input', { type: 'search', class: 'ksearch', name, placeholder, 'aria-label': placeholder, [`data-browse-${name}`]: true });
  const key = filter('key', 'Key contains');
  const header = filter('header', 'Header contains (name=value)');
  const value = filter('value', 'Value contains');
  const limit = h(
    'select',
    { 'aria-label': 'Records per page', 'data-browse-limit': true },
    ...LIMITS.map((n) => h('option', { value: n }, `${n} a page`)),
  );
  const browseButton = h('button', { type: 'submit', class: 'btn', 'data-browse': true }, 'Browse');
  const liveButton = h(
    'button',
    {
      type: 'button',
      class: 'btn kbtn-live',
      'aria-pressed': 'false',
      'data-live-toggle': true,
      title: 'Show new records as they are written',
    },
    h('i', { class: 'dot' }),
    'Live tail',
  );
  const form = h(
    'form',
    { class: 'kbrowse', role: 'search', 'aria-label': `Browse ${topic}` },
    h(
      'div',
      { class: 'kbrowse-row' },
      partition,
      h('div', { class: 'segmented', role: 'group', 'aria-label': 'Order' }, ...orderButtons),
      seek,
      offset,
      timestamp,
      limit,
    ),
    h('div', { class: 'kbrowse-row' }, key, header, value, browseButton, liveButton),
  );
  const status = h('p', { class: 'kbrowse-status', role: 'status', 'aria-live': 'polite', 'data-browse-status': true });
  const list = h('ol', { class: 'kmsgs', 'aria-label': `Records of ${topic}` });
  const more = h('button', { type: 'button', class: 'btn', 'data-load-more': true, hidden: true }, 'Load more');
  const end = h('span', { class: 'muted', 'data-end': true, hidden: true });
  section.append(form, status, list, h('div', { class: 'kbrowse-foot' }, more, end));

  let browse: BrowseQuery = { ...initial };
  let messages: KafkaMessage[] = [];
  let cursor: string | null = null;
  let request: AbortController | undefined;
  let live: EventSource | undefined;
  let started = false;
  let pages = 0;
  /** Reads finished (answered or failed), for tests and tooling: `data-reads` on the card. */
  let reads = 0;

  const describe = (b: BrowseQuery) =>
    [
      b.order === 'newest' ? 'newest first' : 'oldest first',
      b.partition === null ? 'all partitions' : `partition ${b.partition}`,
      b.seek === 'offset' && b.offset !== null ? `from offset ${b.offset}` : '',
      b.seek === 'timestamp' && b.timestamp !== null ? `from ${formatTimestamp(b.timestamp)}` : '',
      ...(['key', 'header', 'value'] as const).filter((f) => b[f] !== '').map((f) => `${f} ∋ “${b[f]}”`),
    ]
      .filter((part) => part !== '')
      .join(' · ');

  function say(text: string, level: 'ok' | 'busy' | 'error' | 'live' = 'ok'): void {
    status.textContent = text;
    status.dataset['level'] = level;
  }

  function syncSeek(): void {
    offset.hidden = seek.value !== 'offset';
    timestamp.hidden = seek.value !== 'timestamp';
    const none = seek.querySelector<HTMLOptionElement>('option[value="none"]');
    const newest = orderButtons[0]?.getAttribute('aria-pressed') === 'true';
    if (none !== null) none.textContent = newest ? 'from the newest' : 'from the oldest';
  }

  function setOrder(order: Order): void {
    for (const button of orderButtons) button.setAttribute('aria-pressed', String(button.dataset['order'] === order));
    syncSeek();
  }

  function writeForm(b: BrowseQuery): void {
    partition.value = b.partition === null ? '' : String(b.partition);
    setOrder(b.order);
    seek.value = b.seek;
    offset.value = b.offset === null ? '' : String(b.offset);
    timestamp.value = b.timestamp === null ? '' : toLocalInput(b.timestamp);
    key.value = b.key;
    header.value = b.header;
    value.value = b.value;
    limit.value = String(b.limit);
    syncSeek();
  }

  function readForm(): BrowseQuery | string {
    const chosenSeek = seek.value as Seek;
    const offsetValue = offset.value.trim() === '' ? null : Number(offset.value);
    const at = fromLocalInput(timestamp.value);
    if (chosenSeek === 'offset' && (offsetValue === null || !Number.isInteger(offsetValue) || offsetValue < 0))
      return 'Give the offset to start at (a whole number, 0 or more).';
    if (chosenSeek === 'timestamp' && at === null) return 'Give the time to start at.';
    if (chosenSeek === 'offset' && partition.value === '') return 'An offset is a position in one partition: pick the partition too.';
    return {
      partition: partition.value === '' ? null : Number(partition.value),
      order: orderButtons[1]?.getAttribute('aria-pressed') === 'true' ? 'oldest' : 'newest',
      seek: chosenSeek,
      offset: chosenSeek === 'offset' ? offsetValue : null,
      timestamp: chosenSeek === 'timestamp' ? at : null,
      key: key.value.trim(),
      header: header.value.trim(),
      value: value.value.trim(),
      limit: Number(limit.value),
    };
  }

  function showFoot(): void {
    more.hidden = cursor === null || live !== undefined;
    end.hidden = cursor !== null || live !== undefined || !started;
    end.textContent =
      messages.length === 0 ? '' : browse.order === 'newest' ? 'No older records.' : 'No newer records (turn on the live tail to follow).';
  }

  async function read(next: string | null): Promise<void> {
    request?.abort();
    const controller = new AbortController();
    request = controller;
    section.setAttribute('aria-busy', 'true');
    more.disabled = true;
    say(next === null ? 'Reading…' : 'Reading the next page…', 'busy');
    const asked = performance.now();
    try {
      const page = await readMessages(topic, browse, next, controller.signal);
      const ms = Math.round(performance.now() - asked);
      if (request !== controller) return;
      pages = next === null ? 1 : pages + 1;
      section.dataset['pages'] = String(pages);
      section.dataset['ms'] = String(ms);
      if (next === null) {
        messages = page.messages;
        replaceChildren(list, ...messages.map((m) => messageNode(m)));
        list.scrollTop = 0;
      } else {
        const joined = appendPage(messages, page.messages);
        messages = joined.messages;
        list.append(...joined.added.map((m) => messageNode(m)));
      }
      cursor = page.nextCursor;
      const scanned = page.scanned > page.messages.length ? ` · ${formatCount(page.scanned)} records scanned` : '';
      // A rare match: the server stops after a scan budget and gives a cursor to scan on from.
      const further = page.nextCursor !== null && page.messages.length < browse.limit ? ' · “Load more” scans further' : '';
      say(
        messages.length === 0
          ? `No record matches${page.nextCursor === null ? '' : ' yet'} (${describe(browse)})${scanned}${further || '.'}`
          : `${formatCount(messages.length)} ${messages.length === 1 ? 'record' : 'records'} · ${describe(browse)}${scanned} · answered in ${ms} ms${further}`,
      );
      hint.textContent = `${pages} ${pages === 1 ? 'page' : 'pages'}`;
      section.dataset['state'] = 'ready';
    } catch (error) {
      if (request !== controller || (error instanceof DOMException && error.name === 'AbortError')) return;
      say(`Could not read the records: ${error instanceof Error ? error.message : String(error)}`, 'error');
      section.dataset['state'] = 'error';
    } finally {
      if (request === controller) {
        reads += 1;
        section.dataset['reads'] = String(reads);
        section.removeAttribute('aria-busy');
        more.disabled = false;
        showFoot();
      }
    }
  }

  function stopLive(): void {
    live?.close();
    live = undefined;
    liveButton.setAttribute('aria-pressed', 'false');
    section.dataset['live'] = 'off';
  }

  function startLive(): void {
    request?.abort();
    stopLive();
    let received = 0;
    let skipped = 0;
    const seen = new Set<string>();
    messages = [];
    cursor = null;
    list.replaceChildren();
    // Filtered on the server, as the pages are; newest on top whatever the browse order.
    const filters = describe({ ...browse, order: 'newest', seek: 'none' });
    const source = new EventSource(liveUrl(topic, browse));
    live = source;
    liveButton.setAttribute('aria-pressed', 'true');
    section.dataset['live'] = 'connecting';
    say(`Live tail: connecting… (${filters})`, 'live');
    showFoot();
    const report = () =>
      say(
        received === 0
          ? `Live tail: waiting for new records… (${filters})`
          : `Live tail: ${formatCount(received)} new ${received === 1 ? 'record' : 'records'} since it was turned on, newest on top${skipped > 0 ? ` · ${formatCount(skipped)} passed over (arriving faster than shown)` : ''}.`,
        'live',
      );
    // Live once the server has taken the partitions' ends (its `ready`), not when the connection opens:
    // a record written between the two would never be shown.
    source.addEventListener('ready', () => {
      if (live !== source) return;
      section.dataset['live'] = 'on';
      report();
    });
    source.addEventListener('message', (event: MessageEvent<string>) => {
      if (live !== source) return;
      let message: KafkaMessage;
      try {
        message = JSON.parse(event.data) as KafkaMessage;
      } catch {
        return;
      }
      const id = messageId(message);
      if (seen.has(id)) return; // sent again after a reconnect
      seen.add(id);
      received += 1;
      section.dataset['liveCount'] = String(received);
      list.prepend(messageNode(message, true));
      while (list.childElementCount > LIVE_KEEP) list.lastElementChild?.remove();
      report();
    });
    source.addEventListener('skipped', (event: MessageEvent<string>) => {
      if (live !== source) return;
      skipped += Number((JSON.parse(event.data) as { count?: number }).count ?? 0);
      report();
    });
    source.addEventListener('error', (event: Event) => {
      if (live !== source) return;
      // The server's own `error` event says why it ends the stream; a bare one is the connection.
      const said =
        event instanceof MessageEvent && typeof event.data === 'string'
          ? (JSON.parse(event.data) as { message?: string }).message
          : undefined;
      section.dataset['live'] = source.readyState === EventSource.CLOSED ? 'off' : 'reconnecting';
      say(`Live tail: ${said ?? (source.readyState === EventSource.CLOSED ? 'the server closed the stream' : 'reconnecting…')}`, 'error');
    });
  }

  function browseWith(next: BrowseQuery, writeHash: boolean): void {
    stopLive();
    browse = next;
    writeForm(browse);
    if (writeHash) hooks.replaceHash(kafkaHash({ page: 'topic', topic, browse }));
    void read(null);
  }

  for (const button of orderButtons)
    button.addEventListener('click', () => setOrder(button.dataset['order'] === 'oldest' ? 'oldest' : 'newest'));
  seek.addEventListener('change', () => {
    syncSeek();
    if (seek.value === 'timestamp' && timestamp.value === '') timestamp.value = toLocalInput(Date.now() - 3_600_000);
    (seek.value === 'offset' ? offset : seek.value === 'timestamp' ? timestamp : seek).focus();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = readForm();
    if (typeof next === 'string') {
      say(next, 'error');
      return;
    }
    browseWith(next, true);
  });
  more.addEventListener('click', () => {
    if (cursor !== null) void read(cursor);
  });
  liveButton.addEventListener('click', () => {
    if (live !== undefined) {
      stopLive();
      void read(null);
      return;
    }
    const next = readForm();
    if (typeof next !== 'string') browse = next;
    startLive();
  });

  writeForm(browse);
  section.dataset['live'] = 'off';

  return {
    section,
    setPartitions(partitions) {
      const wanted = partition.value === '' ? (browse.partition === null ? '' : String(browse.partition)) : partition.value;
      const have = Array.from(partition.options)
        .slice(1)
        .map((option) => option.value)
        .join(',');
      if (have === partitions.join(',')) return;
      replaceChildren(
        partition,
        h('option', { value: '' }, 'All partitions'),
        ...partitions.map((p) => h('option', { value: p }, `Partition ${p}`)),
      );
      partition.value = wanted;
    },
    start() {
      if (started) return;
      started = true;
      void read(null);
    },
    apply(next) {
      if (kafkaHash({ page: 'topic', topic, browse: next }) === kafkaHash({ page: 'topic', topic, browse })) return;
      browseWith(next, false);
    },
    showProduced(p, at) {
      browseWith(
        { ...browse, partition: p, order: 'oldest', seek: 'offset', offset: at, timestamp: null, key: '', header: '', value: '' },
        true,
      );
      section.scrollIntoView({ block: 'start', behavior: 'smooth' });
    },
    dispose() {
      request?.abort();
      stopLive();
    },
  };
}
