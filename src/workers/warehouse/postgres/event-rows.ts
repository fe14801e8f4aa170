import type { EnrichedEvent } from '../../../contract/event-schema.ts';
import type { ProcessingError } from '../warehouse.ts';

/**
 * Events and refused records → column arrays, one array per column, for the unnest() inserts.
 * PostgreSQL text cannot hold U+0000: extracted columns get U+FFFD instead (forgetUser cleans its
 * argument the same way); the event's JSON keeps the original, escaped as \u0000.
 */
export const cleanText = (value: string): string => (value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value);

const optionalText = (value: unknown): string | null => (typeof value === 'string' ? cleanText(value) : null);

export interface EventColumns {
  event_id: string[];
  received_at: string[];
  site: string[];
  type: string[];
  user_id: string[];
  session_id: string[];
  path: string[];
  duration: (number | null)[];
  referrer_host: (string | null)[];
  browser: (string | null)[];
  os: (string | null)[];
  device: (string | null)[];
  utm_source: (string | null)[];
  utm_medium: (string | null)[];
  utm_campaign: (string | null)[];
  data: string[];
}

/** The order of the columns in the insert statement (and of its parameters). */
export const eventColumnNames = [
  'event_id',
  'received_at',
  'site',
  'type',
  'user_id',
  'session_id',
  'path',
  'duration',
  'referrer_host',
  'browser',
  'os',
  'device',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'data',
] as const satisfies readonly (keyof EventColumns)[];

export const eventColumnTypes: Record<keyof EventColumns, string> = {
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
  data: 'text',
};

/** The first of each event_id, in event_id order (one lock order for every writer); and how many repeats were dropped. */
export function distinctEvents(events: readonly EnrichedEvent[]): { events: EnrichedEvent[]; repeats: number } {
  const byId = new Map<string, EnrichedEvent>();
  for (const event of events) if (!byId.has(event.event_id)) byId.set(event.event_id, event);
  const distinct = [...byId.values()].sort((a, b) => (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0));
  return { events: distinct, repeats: events.length - distinct.length };
}

export function eventColumns(events: readonly EnrichedEvent[]): EventColumns {
  const columns: EventColumns = {
    event_id: [],
    received_at: [],
    site: [],
    type: [],
    user_id: [],
    session_id: [],
    path: [],
    duration: [],
    referrer_host: [],
    browser: [],
    os: [],
    device: [],
    utm_source: [],
    utm_medium: [],
    utm_campaign: [],
    data: [],
  };
  for (const event of events) {
    const duration = event.type === 'page_view' ? (event as { duration?: unknown }).duration : undefined;
    columns.event_id.push(cleanText(event.event_id));
    columns.received_at.push(event.received_at);
    columns.site.push(cleanText(event.site));
    columns.type.push(event.type);
    columns.user_id.push(cleanText(event.user_id));
    columns.session_id.push(cleanText(event.session_id));
    columns.path.push(cleanText(event.path));
    columns.duration.push(typeof duration === 'number' && Number.isFinite(duration) ? duration : null);
    columns.referrer_host.push(optionalText(event.referrer_host));
    columns.browser.push(optionalText(event.browser));
    columns.os.push(optionalText(event.os));
    columns.device.push(optionalText(event.device));
    columns.utm_source.push(optionalText(event.utm_source));
    columns.utm_medium.push(optionalText(event.utm_medium));
    columns.utm_campaign.push(optionalText(event.utm_campaign));
    columns.data.push(JSON.stringify(event));
  }
  return columns;
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

/** site and user_id of a refused record, when its raw text shows them (even when truncated or otherwise invalid JSON). */
export function recordOwner(raw: string): { site: string | null; user_id: string | null } {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const record = parsed as Record<string, unknown>;
      return { site: optionalText(record['site']), user_id: optionalText(record['user_id']) };
    }
    return { site: null, user_id: null };
  } catch {
    return { site: stringField(raw, 'site'), user_id: stringField(raw, 'user_id') };
  }
}

function stringField(raw: string, field: string): string | null {
  const match = new RegExp(`"${field}"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*")`).exec(raw);
  if (match === null) return null;
  try {
    return optionalText(JSON.parse(match[1] as string));
  } catch {
    return null;
  }
}

export interface ErrorColumns {
  topic: string[];
  partition: number[];
  record_offset: number[];
  reason: string[];
  raw: string[];
  failed_at: string[];
  site: (string | null)[];
  user_id: (string | null)[];
}

export function errorColumns(errors: readonly ProcessingError[], now = Date.now()): ErrorColumns {
  const columns: ErrorColumns = { topic: [], partition: [], record_offset: [], reason: [], raw: [], failed_at: [], site: [], user_id: [] };
  for (const error of errors) {
    const owner = recordOwner(error.raw);
    columns.topic.push(cleanText(error.topic));
    columns.partition.push(error.partition);
    columns.record_offset.push(error.offset);
    columns.reason.push(cleanText(error.reason));
    columns.raw.push(cleanText(error.raw));
    columns.failed_at.push(new Date(Number.isFinite(error.at) ? error.at : now).toISOString());
    columns.site.push(owner.site);
    columns.user_id.push(owner.user_id);
  }
  return columns;
}
