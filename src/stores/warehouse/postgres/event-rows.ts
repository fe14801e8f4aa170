import { botNameOf } from '../../../contract/bot-traffic.ts';
import type { EnrichedEvent } from '../../../contract/event-schema.ts';
import { recordOwner as ownerOf } from '../record-owner.ts';
import type { ProcessingError } from '../warehouse.ts';

/**
 * Events and refused records → rows for the inserts, which receive a whole batch as one JSON text
 * parameter read by json_to_recordset (measured: half the client CPU of one array parameter per
 * column, the same server time). PostgreSQL text cannot hold U+0000 nor lone UTF-16 surrogates:
 * extracted columns get U+FFFD instead (forgetUser cleans its arguments the same way); the event's
 * own JSON (`data`) keeps the original, escaped.
 */
export const cleanText = (value: string): string => {
  const wellFormed = value.isWellFormed() ? value : value.toWellFormed();
  return wellFormed.includes('\u0000') ? wellFormed.replaceAll('\u0000', '\uFFFD') : wellFormed;
};

const optionalText = (value: unknown): string | null => (typeof value === 'string' ? cleanText(value) : null);

export interface EventRow {
  event_id: string;
  received_at: string;
  site: string;
  type: string;
  user_id: string;
  session_id: string;
  path: string;
  duration: number | null;
  referrer_host: string | null;
  browser: string | null;
  os: string | null;
  device: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  /** Bot or automation traffic (left out of the figures unless the site counts bots). */
  is_bot: boolean;
  /** What the bot figures list it under; null for a human. */
  bot_name: string | null;
  /** A custom event's name; null for other types. */
  event_name: string | null;
  /** The event's `props` object as JSON text; null when it has none. */
  props: string | null;
  /** The whole enriched event as JSON. */
  data: string;
}

/** The columns of events as the insert names them, with their SQL types (json_to_recordset's column list). */
export const eventColumnTypes = {
  event_id: 'text',
  received_at: 'timestamptz',
  site: 'text',
  type: 'text',
  user_id: 'text',
  session_id: 'text',
  path: 'text',
  duration: 'float8',
  referrer_host: 'text',
  browser: 'text',
  os: 'text',
  device: 'text',
  utm_source: 'text',
  utm_medium: 'text',
  utm_campaign: 'text',
  is_bot: 'boolean',
  bot_name: 'text',
  event_name: 'text',
  props: 'text',
  data: 'text',
} as const satisfies Record<keyof EventRow, string>;

export const eventColumnNames = Object.keys(eventColumnTypes) as (keyof EventRow)[];

/**
 * One field of COPY's text format: backslash, tab, newline and carriage return escaped, null as \N.
 * The rows carry no U+0000 (cleanText, and JSON.stringify escapes it), which COPY could not take either.
 */
export function copyField(value: string | number | boolean | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => copyEscapes[c] ?? c) : value;
}

const copyEscapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** An EventRow as one line of COPY text, its fields in eventColumnNames order. */
export function eventCopyLine(row: EventRow): string {
  let line = copyField(row.event_id);
  for (let i = 1; i < eventColumnNames.length; i += 1) line += `\t${copyField(row[eventColumnNames[i] as keyof EventRow])}`;
  return `${line}\n`;
}

/** Events as COPY text of their rows, in chunks of `size` lines, each made when it is read. */
export function* copyChunks(events: readonly EnrichedEvent[], size = 256): Generator<string> {
  for (let i = 0; i < events.length; i += size) {
    let chunk = '';
    for (const event of events.slice(i, i + size)) chunk += eventCopyLine(eventRow(event));
    yield chunk;
  }
}

/** The first of each event_id, in event_id order (one lock order for every writer); and how many repeats were dropped. */
export function distinctEvents(events: readonly EnrichedEvent[]): { events: EnrichedEvent[]; repeats: number } {
  const byId = new Map<string, EnrichedEvent>();
  for (const event of events) if (!byId.has(event.event_id)) byId.set(event.event_id, event);
  const distinct = [...byId.values()].sort((a, b) => (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0));
  return { events: distinct, repeats: events.length - distinct.length };
}

export function eventRow(event: EnrichedEvent): EventRow {
  const duration = event.type === 'page_view' ? (event as { duration?: unknown }).duration : undefined;
  const botName = botNameOf(event);
  return {
    event_id: cleanText(event.event_id),
    received_at: event.received_at,
    site: cleanText(event.site),
    type: event.type,
    user_id: cleanText(event.user_id),
    session_id: cleanText(event.session_id),
    path: cleanText(event.path),
    duration: typeof duration === 'number' && Number.isFinite(duration) ? duration : null,
    referrer_host: optionalText(event.referrer_host),
    browser: optionalText(event.browser),
    os: optionalText(event.os),
    device: optionalText(event.device),
    utm_source: optionalText(event.utm_source),
    utm_medium: optionalText(event.utm_medium),
    utm_campaign: optionalText(event.utm_campaign),
    is_bot: botName !== null,
    bot_name: botName === null ? null : cleanText(botName),
    event_name: event.type === 'custom' ? cleanText(event.name) : null,
    props: event.props === undefined ? null : JSON.stringify(event.props),
    data: JSON.stringify(event),
  };
}

const MONTH_KEY = /^(\d{4})-(\d{2})/;

/** The UTC months (epoch ms of their first instant) the events fall in; events whose time cannot be read are left to the default partition. */
export function monthsOf(events: readonly EnrichedEvent[]): number[] {
  const months = new Set<number>();
  for (const event of events) {
    const at = Date.parse(event.received_at);
    if (!Number.isFinite(at)) continue;
    const date = new Date(at);
    if (!MONTH_KEY.test(date.toISOString())) continue; // outside years 0000–9999: default partition
    months.add(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
  }
  return [...months].sort((a, b) => a - b);
}

/** site and user_id of a refused record (see record-owner.ts), cleaned for this store. */
export function recordOwner(raw: string): { site: string | null; user_id: string | null } {
  const owner = ownerOf(raw);
  return { site: optionalText(owner.site), user_id: optionalText(owner.user_id) };
}

export interface ErrorRow {
  topic: string;
  partition: number;
  record_offset: number;
  reason: string;
  raw: string;
  failed_at: string;
  site: string | null;
  user_id: string | null;
}

export function errorRow(error: ProcessingError, now = Date.now()): ErrorRow {
  const owner = recordOwner(error.raw);
  return {
    topic: cleanText(error.topic),
    partition: error.partition,
    record_offset: error.offset,
    reason: cleanText(error.reason),
    raw: cleanText(error.raw),
    failed_at: new Date(Number.isFinite(error.at) ? error.at : now).toISOString(),
    site: owner.site,
    user_id: owner.user_id,
  };
}
