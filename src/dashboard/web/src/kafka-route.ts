/**
 * Where the Kafka view is, as the URL hash says it: `#kafka` (brokers and
 * topics), `#kafka/topics/<name>` (a topic's partitions, configuration and
 * messages; the message browser's query follows a `?`), `#kafka/groups`,
 * `#kafka/groups/<id>`. Names are URI-encoded, so any group id links. Plain
 * functions without the DOM: unit tests run them in Node.
 */

export type Order = 'newest' | 'oldest';
export type Seek = 'none' | 'offset' | 'timestamp';

/** What the message browser asks the server for. */
export interface BrowseQuery {
  /** null: every partition. */
  partition: number | null;
  order: Order;
  seek: Seek;
  /** With `seek: 'offset'`: the offset to start at (its partition's, or every partition's). */
  offset: number | null;
  /** With `seek: 'timestamp'`: epoch milliseconds. */
  timestamp: number | null;
  key: string;
  header: string;
  value: string;
  limit: number;
}

export type KafkaRoute =
  { page: 'topics' } | { page: 'topic'; topic: string; browse: BrowseQuery } | { page: 'groups' } | { page: 'group'; group: string };

export const LIMITS = [20, 50, 100, 200] as const;
export const DEFAULT_LIMIT = 50;

export const defaultBrowse = (): BrowseQuery => ({
  partition: null,
  order: 'newest',
  seek: 'none',
  offset: null,
  timestamp: null,
  key: '',
  header: '',
  value: '',
  limit: DEFAULT_LIMIT,
});

const decode = (part: string): string => {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
};

const wholeNumber = (text: string | null): number | null => (text !== null && /^\d+$/.test(text) ? Number(text) : null);

/** A browse query read from the hash's `?…` part; whatever is missing or malformed keeps its default. */
export function parseBrowse(search: string): BrowseQuery {
  const params = new URLSearchParams(search);
  const browse = defaultBrowse();
  browse.partition = wholeNumber(params.get('partition'));
  if (params.get('order') === 'oldest') browse.order = 'oldest';
  const offset = wholeNumber(params.get('offset'));
  const at = params.get('timestamp');
  const timestamp = at === null ? Number.NaN : /^\d+$/.test(at) ? Number(at) : Date.parse(at);
  if (offset !== null) {
    browse.seek = 'offset';
    browse.offset = offset;
  } else if (Number.isFinite(timestamp)) {
    browse.seek = 'timestamp';
    browse.timestamp = timestamp;
  }
  for (const field of ['key', 'header', 'value'] as const) browse[field] = params.get(field) ?? '';
  const limit = wholeNumber(params.get('limit'));
  if (limit !== null && (LIMITS as readonly number[]).includes(limit)) browse.limit = limit;
  return browse;
}

/** The hash's `?…` part for a browse query: only what differs from the defaults, so a plain topic link stays plain. */
export function browseSearch(browse: BrowseQuery): string {
  const params = new URLSearchParams();
  if (browse.partition !== null) params.set('partition', String(browse.partition));
  if (browse.order !== 'newest') params.set('order', browse.order);
  if (browse.seek === 'offset' && browse.offset !== null) params.set('offset', String(browse.offset));
  if (browse.seek === 'timestamp' && browse.timestamp !== null) params.set('timestamp', new Date(browse.timestamp).toISOString());
  for (const field of ['key', 'header', 'value'] as const) if (browse[field] !== '') params.set(field, browse[field]);
  if (browse.limit !== DEFAULT_LIMIT) params.set('limit', String(browse.limit));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export function parseKafkaHash(hash: string): KafkaRoute {
  const text = hash.replace(/^#/, '');
  const query = text.indexOf('?');
  const path = query < 0 ? text : text.slice(0, query);
  const search = query < 0 ? '' : text.slice(query + 1);
  const [root, section, ...rest] = path.split('/');
  const name = decode(rest.join('/'));
  if (root !== 'kafka') return { page: 'topics' };
  if (section === 'topics' && name !== '') return { page: 'topic', topic: name, browse: parseBrowse(search) };
  if (section === 'groups') return name === '' ? { page: 'groups' } : { page: 'group', group: name };
  return { page: 'topics' };
}

export function kafkaHash(route: KafkaRoute): string {
  switch (route.page) {
    case 'topics':
      return '#kafka';
    case 'topic':
      return `#kafka/topics/${encodeURIComponent(route.topic)}${browseSearch(route.browse)}`;
    case 'groups':
      return '#kafka/groups';
    case 'group':
      return `#kafka/groups/${encodeURIComponent(route.group)}`;
  }
}

export const topicHash = (topic: string): string => kafkaHash({ page: 'topic', topic, browse: defaultBrowse() });
export const groupHash = (group: string): string => kafkaHash({ page: 'group', group });

/** The query string of a messages request for `browse` (the next page's when a cursor is given). */
export function messagesParams(browse: BrowseQuery, cursor: string | null = null): URLSearchParams {
  const params = new URLSearchParams();
  if (browse.partition !== null) params.set('partition', String(browse.partition));
  params.set('order', browse.order);
  if (browse.seek === 'offset' && browse.offset !== null) params.set('offset', String(browse.offset));
  if (browse.seek === 'timestamp' && browse.timestamp !== null) params.set('timestamp', new Date(browse.timestamp).toISOString());
  for (const field of ['key', 'header', 'value'] as const) if (browse[field] !== '') params.set(field, browse[field]);
  params.set('limit', String(browse.limit));
  if (cursor !== null) params.set('cursor', cursor);
  return params;
}
