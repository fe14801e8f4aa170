import { botNameOf } from '../../../contract/bot-traffic.ts';
import type { EnrichedEvent } from '../../../contract/event-schema.ts';
import type { ProcessingError } from '../warehouse.ts';
import { recordOwner as ownerOf } from '../record-owner.ts';
import { DateTimeSeconds } from './executor.ts';
import { DATETIME_MAX_MS, DATETIME_MIN_MS } from './sql.ts';

/**
 * Events and refused records → row objects (column names as in schema.ts; DateTime columns as
 * DateTimeSeconds, see executor.ts).
 *
 * Nothing here may throw on odd data: the worker retries a failing batch forever, so a row
 * ClickHouse cannot read would stop its partition. Hence:
 * - text columns are made well-formed Unicode (a lone surrogate, e.g. from a raw record cut at
 *   64 KiB in the middle of a pair, becomes U+FFFD): both 18.16 and current ClickHouse refuse a
 *   JSON string with a lone surrogate escape. sqlString applies the same rule to what is looked up,
 *   so a lookup of such a value finds it. `payload` keeps the event exactly (it is JSON text, in
 *   which JSON.stringify has already escaped a lone surrogate as plain characters);
 * - times outside DateTime (1970–2106) are clamped into it (the payload keeps the original).
 */
export const wellFormed = (value: string): string => value.toWellFormed();

/** Epoch ms → the DateTime second and the UInt16 millisecond columns (DateTime64 is not in 18.16). */
export function splitMs(ms: number): { seconds: number; millis: number } {
  const whole = Number.isFinite(ms) ? Math.floor(Math.min(DATETIME_MAX_MS + 999, Math.max(DATETIME_MIN_MS, ms))) : 0;
  return { seconds: Math.floor(whole / 1000), millis: whole % 1000 };
}

export const receivedAtMs = (event: EnrichedEvent): number => Date.parse(event.received_at);

const text = (value: unknown): string => (typeof value === 'string' ? wellFormed(value) : '');
const nullableText = (value: unknown): string | null => (typeof value === 'string' ? wellFormed(value) : null);

/** is_bot (bot or automation traffic, see bot-traffic.ts) and bot_name ('' for a human) of either raw table. */
function botColumns(event: EnrichedEvent): { is_bot: 0 | 1; bot_name: string } {
  const name = botNameOf(event);
  return { is_bot: name === null ? 0 : 1, bot_name: name === null ? '' : wellFormed(name) };
}

/** A page_view → its page_views_raw row (JSONEachRow object; column names as in schema.ts). */
export function pageViewRow(event: EnrichedEvent): Record<string, unknown> {
  const { seconds, millis } = splitMs(receivedAtMs(event));
  const duration = (event as { duration?: unknown }).duration;
  const hasDuration = typeof duration === 'number' && Number.isFinite(duration);
  return {
    site: text(event.site),
    event_id: text(event.event_id),
    received_at: new DateTimeSeconds(seconds),
    received_ms: millis,
    page: text(event.path),
    url: text(event.url),
    title: text(event.title),
    referrer: text(event.referrer),
    referrer_host: nullableText(event.referrer_host),
    user_id: text(event.user_id),
    session_id: text(event.session_id),
    duration: hasDuration ? duration : 0,
    has_duration: hasDuration ? 1 : 0,
    browser: nullableText(event.browser),
    browser_version: nullableText(event.browser_version),
    os: nullableText(event.os),
    device: text(event.device),
    ...botColumns(event),
    utm_source: nullableText(event.utm_source),
    utm_medium: nullableText(event.utm_medium),
    utm_campaign: nullableText(event.utm_campaign),
    utm_term: nullableText(event.utm_term),
    utm_content: nullableText(event.utm_content),
    language: text(event.language),
    payload: JSON.stringify(event),
  };
}

/** Any other event → its events_raw row. */
export function eventRow(event: EnrichedEvent): Record<string, unknown> {
  const { seconds, millis } = splitMs(receivedAtMs(event));
  return {
    site: text(event.site),
    event_id: text(event.event_id),
    type: text(event.type),
    received_at: new DateTimeSeconds(seconds),
    received_ms: millis,
    page: text(event.path),
    user_id: text(event.user_id),
    session_id: text(event.session_id),
    ...botColumns(event),
    payload: JSON.stringify(event),
  };
}

export function errorRow(error: ProcessingError): Record<string, unknown> {
  const { seconds, millis } = splitMs(error.at);
  return {
    topic: text(error.topic),
    partition: error.partition,
    offset: error.offset,
    reason: text(error.reason),
    raw: text(error.raw),
    at: new DateTimeSeconds(seconds),
    at_ms: millis,
    ...recordOwner(error.raw),
  };
}

/** Map keys of stored rows; built from well-formed text, as the rows are. */
export const eventKey = (site: string, eventId: string): string => `${wellFormed(site)}\u0000${wellFormed(eventId)}`;
export const errorKey = (topic: string, partition: number, offset: number): string =>
  `${wellFormed(topic)}\u0000${partition}\u0000${offset}`;

/** The first of each (site, event_id) in a batch; later repeats are duplicates. */
export function distinctEvents(events: readonly EnrichedEvent[]): EnrichedEvent[] {
  const seen = new Set<string>();
  const out: EnrichedEvent[] = [];
  for (const event of events) {
    const key = eventKey(event.site, event.event_id);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(event);
  }
  return out;
}

/** site and user_id of a refused record (see record-owner.ts), cleaned for this store. */
export function recordOwner(raw: string): { site: string | null; user_id: string | null } {
  const owner = ownerOf(raw);
  return { site: nullableText(owner.site), user_id: nullableText(owner.user_id) };
}
