import { derivedSessionId, pageUrl, recordEventId, timestampMs, userIdOf } from './derived-fields.ts';
import { CONTRACT_VERSION, type EnrichedEvent } from './event-schema.ts';
import { dlq, ok, type Outcome } from './outcome.ts';
import { isSiteKey } from './site-key.ts';

/**
 * Seed 004's producer writes `{"user_id": 123, "action": "view", "page": "/home", "timestamp":
 * "2023-10-01T12:00:00Z"}` with kafka-python straight to `user-activity`: no tracker, no ingest.
 * Such an *activity record* is mapped here to the contract (an EnrichedEvent), so the workers count
 * it like any tracked event:
 * - `action` "view" → a `page_view`; any other action → a `custom` event named after it;
 * - `page` → `url` on the site's host (`https://<site>/home`, see pageUrl) and `path`;
 * - `user_id` → its string (seed 004 sends a number);
 * - `site`, `session_id` when the record has them; else the configured default site and a session
 *   derived from user and 30-minute window of event time;
 * - `timestamp` (ISO-8601, or epoch seconds or ms) → `ts`, the client time; `received_at` is when the
 *   record reached Kafka (its log timestamp), as ingest's receive time is for tracked events, so the
 *   live windows measure server time either way;
 * - `event_id` from topic, partition and offset: a redelivered record is the same event;
 * - what ingest learns from the HTTP request is unknown here: no IP, no User-Agent, so no browser,
 *   OS or bot verdict (`device` "other", `is_bot` false); no referrer; UTM from the page's query;
 * - any other field → `props`.
 */

/** Where a record sits in the log and when it was appended (Kafka's record timestamp, epoch ms). */
export interface RecordOrigin {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
}

const ownFields = new Set(['user_id', 'action', 'page', 'timestamp', 'site', 'session_id']);
const utmKeys = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;

/** A record with no `type` but an `action`: one in seed 004's shape (complete or not). */
export function isActivityRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !('type' in value) && 'action' in value;
}

/** The fields an activity record lacks, by name. */
function missingFields(record: Record<string, unknown>): string[] {
  return ['user_id', 'action', 'page'].filter((name) => record[name] === undefined || record[name] === null || record[name] === '');
}

/** An activity record as the contract's enriched event, or the reason it cannot be one. */
export function activityRecordToEvent(record: Record<string, unknown>, origin: RecordOrigin, defaultSite: string): Outcome<EnrichedEvent> {
  const missing = missingFields(record);
  if (missing.length > 0) return dlq(`activity record (user_id, action, page) missing: ${missing.join(', ')}`);
  const userId = userIdOf(record['user_id']);
  if (userId === undefined) return dlq('activity record: field "user_id" must be a number or a string of 1–128 characters');
  const { action, page } = record;
  if (typeof action !== 'string' || action.length > 128) return dlq('activity record: field "action" must be a string of 1–128 characters');
  if (typeof page !== 'string') return dlq('activity record: field "page" must be a string');
  const eventMs = timestampMs(record['timestamp']);
  if (eventMs === null) return dlq('activity record: field "timestamp" must be ISO-8601 or epoch seconds or milliseconds');
  const receivedMs = origin.timestamp > 0 ? origin.timestamp : eventMs;
  if (receivedMs === undefined) return dlq('activity record: no timestamp and no record time');
  const site = record['site'] ?? defaultSite;
  if (typeof site !== 'string' || !isSiteKey(site)) return dlq('activity record: field "site" must be a site key (letters, digits, _ . -)');
  const url = pageUrl(site, page);
  if (url === undefined) return dlq('activity record: field "page" must be a path or an http(s) URL');
  const parsed = new URL(url);
  const sessionId = typeof record['session_id'] === 'string' ? record['session_id'] : derivedSessionId(userId, eventMs ?? receivedMs);
  const props = Object.fromEntries(Object.entries(record).filter(([name]) => !ownFields.has(name)));
  const common = {
    v: CONTRACT_VERSION,
    site,
    user_id: userId,
    session_id: sessionId,
    url,
    ...(eventMs === undefined ? {} : { ts: new Date(eventMs).toISOString() }),
    ...(Object.keys(props).length === 0 ? {} : { props }),
    event_id: recordEventId(origin.topic, origin.partition, origin.offset),
    received_at: new Date(receivedMs).toISOString(),
    ip: null,
    user_agent: '',
    browser: null,
    browser_version: null,
    os: null,
    device: 'other',
    is_bot: false,
    bot_name: null,
    host: parsed.host,
    path: parsed.pathname,
    referrer_host: null,
    ...(Object.fromEntries(utmKeys.map((key) => [key, parsed.searchParams.get(key)])) as Record<(typeof utmKeys)[number], string | null>),
  };
  return ok(action === 'view' ? { type: 'page_view', ...common } : { type: 'custom', name: action, ...common });
}
