import { createHash } from 'node:crypto';

/**
 * What a client that does not speak the contract (the seeds' own producers and scripts) leaves
 * out, derived the same way every time, so a redelivered or resent record maps to the same event.
 */

/** The site key used when neither a record nor PULSE_DEFAULT_SITE names one. */
export const FALLBACK_SITE = 'demo';

/** The tracker renews a session after 30 minutes of inactivity; a derived one is a fixed 30-minute window. */
export const SESSION_WINDOW_MS = 30 * 60_000;

const MAX_ID = 128;
/** 9999-12-31T23:59:59.999Z: later times have no four-digit ISO-8601 year. */
const LAST_ISO_MS = 253_402_300_799_999;

const digest = (text: string, length: number): string => createHash('sha256').update(text).digest('hex').slice(0, length);

/** A visitor id as the contract holds it: a non-empty string (seed 004 sends a number). */
export function userIdOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.length > 0 && value.length <= MAX_ID) return value;
  return undefined;
}

/** One session per visitor and 30-minute window of event time: `s<window>-<hash of user>`. */
export function derivedSessionId(userId: string, eventMs: number): string {
  return `s${Math.floor(eventMs / SESSION_WINDOW_MS).toString(36)}-${digest(userId, 16)}`;
}

/** An event id from where a record sits in the log, so a redelivery is the same event (matches the contract's pattern). */
export function recordEventId(topic: string, partition: number, offset: number): string {
  return `rec-${digest(`${topic}/${partition}/${offset}`, 32)}`;
}

/**
 * An absolute URL for a page a client gave as a path: on the site key as host (a record carries no
 * origin), e.g. `/home` on site `demo` → `https://demo/home`. A page that is already an http(s) URL
 * keeps its host. Undefined when no URL can be made of it.
 */
export function pageUrl(site: string, page: string): string | undefined {
  const text = /^https?:\/\//i.test(page) ? page : `https://${site.toLowerCase()}${page.startsWith('/') ? '' : '/'}${page}`;
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  // The contract's `format: uri` (RFC 3986) refuses characters a URL parser keeps (`|`, `[`, a bare `%`):
  // they are percent-encoded; the fragment is dropped, as it says nothing to analytics.
  const rest = (url.pathname + url.search).replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]/g, (c) => encodeURIComponent(c));
  return `${url.protocol}//${url.host}${rest}`;
}

/**
 * Epoch ms of a client's timestamp: an ISO-8601 string (seed 004's `"2023-10-01T12:00:00Z"`), or a
 * number of seconds (Python's `time.time()`) or milliseconds (`Date.now()`), told apart by size.
 * `undefined` when absent, `null` when present but unreadable.
 */
export function timestampMs(value: unknown): number | undefined | null {
  if (value === undefined || value === null) return undefined;
  let ms = Number.NaN;
  if (typeof value === 'number' && value >= 0) ms = value < 1e11 ? Math.round(value * 1000) : Math.round(value);
  else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}[Tt ]/.test(value)) ms = Date.parse(value);
  return Number.isFinite(ms) && ms <= LAST_ISO_MS ? ms : null;
}
