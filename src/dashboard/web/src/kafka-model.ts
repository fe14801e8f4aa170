/**
 * What the Kafka view computes, without the DOM (unit tests run it in Node):
 * sizes and retention as people read them, the rows a scrolled table shows,
 * pages of messages joined without repeats, the live tail's filters, and
 * JSON split into tokens for colouring.
 */
import type { BrowseQuery } from './kafka-route.ts';
import type { KafkaMessage, KafkaPartition, KafkaPartitionLag, KafkaTopicRow } from './kafka-types.ts';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** 1536 → "1.5 KiB"; null (the bus does not tell) → "–". */
export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes) || bytes < 0) return '–';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** Kafka's `retention.ms`: "-1" → "forever", "604800000" → "7 d", "5400000" → "90 min", null → "–". */
export function formatRetention(ms: string | null): string {
  if (ms === null || ms === '') return '–';
  const value = Number(ms);
  if (!Number.isFinite(value)) return ms;
  if (value < 0) return 'forever';
  const steps: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  for (const [size, unit] of steps) if (value >= size && value % size === 0 && value / size < 1000) return `${value / size} ${unit}`;
  for (const [size, unit] of steps) if (value >= size) return `${(value / size).toFixed(1)} ${unit}`;
  return `${value} ms`;
}

/** A message or lag point's time (epoch ms or ISO text) as epoch ms; NaN when unreadable. */
export const timeOf = (value: number | string): number => (typeof value === 'number' ? value : Date.parse(value));

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local "2025-05-04 13:02:07.123": exact to the millisecond, sortable, read at a glance. */
export function formatTimestamp(value: number | string): string {
  const ms = timeOf(value);
  if (!Number.isFinite(ms)) return String(value);
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** The value of an `<input type="datetime-local" step="1">` for epoch ms (local time), and back. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
export function fromLocalInput(text: string): number | null {
  if (text === '') return null;
  const ms = new Date(text).getTime(); // a date-time without an offset is local time
  return Number.isFinite(ms) ? ms : null;
}

/** Records a partition holds now. */
export const partitionRecords = (partition: Pick<KafkaPartition, 'startOffset' | 'endOffset'>): number =>
  Math.max(0, partition.endOffset - partition.startOffset);

/** Replicas of a partition that are not in sync. */
export const outOfSync = (partition: Pick<KafkaPartition, 'replicas' | 'isr'>): number[] =>
  partition.replicas.filter((replica) => !partition.isr.includes(replica));

/** Kafka's own topics (`__consumer_offsets`, `__transaction_state`): hidden unless asked for. */
export const isInternalTopic = (name: string): boolean => name.startsWith('__');

export interface TopicTotals {
  topics: number;
  partitions: number;
  underReplicated: number;
  records: number;
}

export function topicTotals(rows: readonly KafkaTopicRow[]): TopicTotals {
  return rows.reduce(
    (sum, row) => ({
      topics: sum.topics + 1,
      partitions: sum.partitions + row.partitions,
      underReplicated: sum.underReplicated + row.underReplicated,
      records: sum.records + row.records,
    }),
    { topics: 0, partitions: 0, underReplicated: 0, records: 0 },
  );
}

/** Lag rows most behind first, then by topic and partition. */
export const sortLag = (rows: readonly KafkaPartitionLag[]): KafkaPartitionLag[] =>
  [...rows].sort((a, b) => b.lag - a.lag || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0) || a.partition - b.partition);

// ------------------------------------------------------------ tables

export type SortDirection = 'asc' | 'desc';

/** Rows sorted by one column; nulls last either way, ties kept in their order. */
export function sortRows<T>(rows: readonly T[], value: (row: T) => string | number | null, direction: SortDirection): T[] {
  const sign = direction === 'asc' ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index, key: value(row) }))
    .sort((a, b) => {
      if (a.key === null || b.key === null) return a.key === b.key ? a.index - b.index : a.key === null ? 1 : -1;
      const order = typeof a.key === 'number' && typeof b.key === 'number' ? a.key - b.key : String(a.key).localeCompare(String(b.key));
      return order === 0 ? a.index - b.index : sign * order;
    })
    .map((entry) => entry.row);
}

export interface RowWindow {
  /** First row drawn. */
  start: number;
  /** One past the last row drawn. */
  end: number;
  /** Height standing in for the rows above and below. */
  padTop: number;
  padBottom: number;
}

/**
 * The rows a scrolled table of fixed-height rows draws: those in view plus
 * `overscan` on each side. Hundreds or thousands of rows cost the same as
 * a screenful.
 */
export function rowWindow(options: {
  scrollTop: number;
  viewport: number;
  rowHeight: number;
  total: number;
  overscan?: number;
}): RowWindow {
  const { rowHeight, total } = options;
  const overscan = options.overscan ?? 8;
  const first = Math.floor(Math.max(0, options.scrollTop) / rowHeight);
  const shown = Math.ceil(Math.max(options.viewport, rowHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(first - overscan, total - shown - overscan));
  const end = Math.min(total, first + shown + overscan);
  const from = Math.min(start, end);
  return { start: from, end, padTop: from * rowHeight, padBottom: (total - end) * rowHeight };
}

// ------------------------------------------------------------ messages

export const messageId = (message: Pick<KafkaMessage, 'partition' | 'offset'>): string => `${message.partition}:${message.offset}`;

/** Joins a further page to what is shown; a record already shown is not shown twice (and is counted). */
export function appendPage(
  shown: readonly KafkaMessage[],
  page: readonly KafkaMessage[],
): { messages: KafkaMessage[]; added: KafkaMessage[]; repeated: number } {
  const seen = new Set(shown.map(messageId));
  const added: KafkaMessage[] = [];
  let repeated = 0;
  for (const message of page) {
    const id = messageId(message);
    if (seen.has(id)) repeated += 1;
    else {
      seen.add(id);
      added.push(message);
    }
  }
  return { messages: [...shown, ...added], added, repeated };
}

/** The value's text as the filters see it: JSON for parsed values, the text itself for text. */
export const valueText = (value: unknown): string => (typeof value === 'string' ? value : value === null ? '' : JSON.stringify(value));

/**
 * Whether a message passes the browser's filters, as the server reads them
 * (src/query/kafka-messages.ts): key and value contain the text (any case);
 * the header filter is `name` (present) or `name=value` (that header's value
 * contains it). The server filters what it pages and tails; this is for
 * records the page already holds. The value is compared in its JSON form.
 */
export function matchesBrowse(message: KafkaMessage, browse: Pick<BrowseQuery, 'partition' | 'key' | 'header' | 'value'>): boolean {
  const has = (text: string, part: string) => text.toLowerCase().includes(part.toLowerCase());
  if (browse.partition !== null && message.partition !== browse.partition) return false;
  if (browse.key !== '' && (message.key === null || !has(message.key, browse.key))) return false;
  if (browse.header !== '') {
    const at = browse.header.indexOf('=');
    const name = (at < 0 ? browse.header : browse.header.slice(0, at)).toLowerCase();
    const value = at < 0 ? null : browse.header.slice(at + 1);
    const found = Object.entries(message.headers).some(([n, v]) => n.toLowerCase() === name && (value === null || has(v, value)));
    if (!found) return false;
  }
  return browse.value === '' || (message.value !== null && has(valueText(message.value), browse.value));
}

/** The value as shown: JSON indented by two, text as it is; null for a tombstone. */
export function prettyValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

export type JsonTokenKind = 'key' | 'string' | 'number' | 'literal' | 'punct';

/** Pretty JSON cut into coloured runs; the texts joined give the input back. */
export function jsonTokens(pretty: string): { kind: JsonTokenKind; text: string }[] {
  const tokens: { kind: JsonTokenKind; text: string }[] = [];
  const pattern = /("(?:\\.|[^"\\])*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b/g;
  let last = 0;
  for (const match of pretty.matchAll(pattern)) {
    const index = match.index;
    if (index > last) tokens.push({ kind: 'punct', text: pretty.slice(last, index) });
    if (match[1] !== undefined) {
      tokens.push({ kind: match[2] === undefined ? 'string' : 'key', text: match[1] });
      if (match[2] !== undefined) tokens.push({ kind: 'punct', text: match[2] });
    } else if (match[3] !== undefined) tokens.push({ kind: 'number', text: match[3] });
    else tokens.push({ kind: 'literal', text: match[0] });
    last = index + match[0].length;
  }
  if (last < pretty.length) tokens.push({ kind: 'punct', text: pretty.slice(last) });
  return tokens;
}

/** `name: value` lines (or `name=value`) as record headers; blank lines skipped, a line without a name refused. */
export function parseHeaderLines(text: string): Record<string, string> | string {
  const headers: Record<string, string> = {};
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const cut = line.search(/[:=]/);
    const name = cut < 0 ? '' : line.slice(0, cut).trim();
    if (name === '') return `line ${index + 1}: write a header as "name: value"`;
    headers[name] = line.slice(cut + 1).trim();
  }
  return headers;
}
