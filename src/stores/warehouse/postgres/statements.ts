import { botSitesOf, type BreakdownDimension, type TimeRange } from '../warehouse.ts';
import { eventColumnNames, eventColumnTypes } from './event-rows.ts';

/**
 * Every SQL statement of the PostgreSQL warehouse. Values always travel as parameters; the only
 * text assembled here is fixed fragments and identifiers from closed lists.
 */

const HOUR = 3_600_000;

/** Collects parameters and hands out their $n placeholders. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The write of a batch, in one transaction on one connection:
 * 1. claimEventIdsSql ($1: a JSON array of {event_id, received_at} in event_id order, one lock order
 *    for every writer; JSON costs a fifth of two array parameters, measured) claims the ids; the claim
 *    table's primary key makes the claim exact across concurrent writers, and only the ids returned
 *    are this writer's;
 * 2. only the claimed events are COPYed into eventStage, a temporary table (per connection, no WAL)
 *    emptied at commit;
 * 3. writeStagedEventsSql inserts them into events and folds them into sessions, the hourly rollups
 *    and the per-hour visitor sets (the rollups take human views only). Upserts are grouped first
 *    (one row per key) and ordered, so concurrent writers lock rows in the same order. It has no
 *    parameters: prepared once per connection, never planned again.
 * A failure anywhere rolls all of it back, claims included.
 */
export const claimEventIdsSql = `
INSERT INTO event_ids (event_id, received_at)
SELECT event_id, received_at FROM json_to_recordset($1::text::json) AS c(event_id text, received_at timestamptz)
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id`;

/** The staging table's name and its COPY target (columns in eventColumnNames order). */
export const eventStage = 'pg_temp.pulse_event_stage';
export const eventStageCopyTarget = `${eventStage} (${eventColumnNames.join(', ')})`;

/** Made once per connection (IF NOT EXISTS is a catalog lookup after that). */
export const createEventStageSql = `CREATE TEMP TABLE IF NOT EXISTS pulse_event_stage (${eventColumnNames
  .map((name) => `${name} ${eventColumnTypes[name]}${eventColumnTypes[name] === 'text' ? ' COLLATE "C"' : ''}`)
  .join(', ')}) ON COMMIT DELETE ROWS`;

export const writeStagedEventsSql = `
WITH fresh AS (
  INSERT INTO events (${eventColumnNames.join(', ')})
  SELECT ${eventColumnNames.join(', ')} FROM ${eventStage}
  RETURNING 1
),
session_rows AS (
  INSERT INTO sessions AS s (site, user_id, session_id, first_ts, last_ts, page_views, events)
  SELECT site, user_id, session_id, min(received_at), max(received_at), count(*) FILTER (WHERE type = 'page_view'), count(*)
  FROM ${eventStage} GROUP BY site, user_id, session_id ORDER BY site, user_id, session_id
  ON CONFLICT (site, user_id, session_id) DO UPDATE SET
    first_ts = least(s.first_ts, excluded.first_ts),
    last_ts = greatest(s.last_ts, excluded.last_ts),
    page_views = s.page_views + excluded.page_views,
    events = s.events + excluded.events
  RETURNING 1
),
views AS (
  SELECT site, date_trunc('hour', received_at, 'UTC') AS hour, path, user_id, duration FROM ${eventStage}
  WHERE type = 'page_view' AND NOT is_bot
),
hourly_rows AS (
  INSERT INTO page_hourly AS h (site, hour, path, views, bounces, duration_sum, duration_count)
  SELECT site, hour, path, count(*), count(*) FILTER (WHERE duration < 5), coalesce(sum(duration::numeric), 0), count(duration)
  FROM views GROUP BY site, hour, path ORDER BY site, hour, path
  ON CONFLICT (site, hour, path) DO UPDATE SET
    views = h.views + excluded.views,
    bounces = h.bounces + excluded.bounces,
    duration_sum = h.duration_sum + excluded.duration_sum,
    duration_count = h.duration_count + excluded.duration_count
  RETURNING 1
),
visitor_rows AS (
  INSERT INTO page_hourly_users (site, hour, path, user_id)
  SELECT DISTINCT site, hour, path, user_id FROM views ORDER BY site, hour, path, user_id
  ON CONFLICT DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM fresh)::int AS inserted`;

export const ensurePartitionSql = 'SELECT pulse_ensure_events_partition($1::timestamptz) AS partition';

/** $1: a JSON array of ErrorRow. */
export const writeErrorsSql = `
INSERT INTO processing_errors (topic, partition, record_offset, reason, raw, failed_at, site, user_id)
SELECT topic, partition, record_offset, reason, raw, failed_at, site, user_id
FROM json_to_recordset($1::text::json) AS e(topic text, partition int, record_offset int8, reason text, raw text,
  failed_at timestamptz, site text, user_id text)
ON CONFLICT (topic, partition, record_offset) DO NOTHING`;

export const readErrorsSql = `
SELECT topic, partition, record_offset::float8 AS offset, reason, raw, (extract(epoch FROM failed_at) * 1000)::float8 AS at
FROM processing_errors ORDER BY failed_at, topic, partition, record_offset`;

/** The tables counts() reports, in this order. */
export const countedTables = ['events', 'event_ids', 'sessions', 'page_hourly', 'page_hourly_users', 'processing_errors'] as const;

export const countsSql = countedTables
  .map((table) => `SELECT '${table}' AS name, count(*)::float8 AS rows FROM ${table}`)
  .join('\nUNION ALL\n');

/**
 * A range split for the rollups: whole UTC hours [wholeFrom, wholeTo) are read from page_hourly
 * and page_hourly_users, the edges [from, wholeFrom) and [wholeTo, to) from the raw events.
 * Without whole hours inside (or when `rawOnly`), everything comes from the raw events.
 */
export function splitRange(range: TimeRange, rawOnly: boolean): { from: number; to: number; wholeFrom: number; wholeTo: number } {
  const wholeFrom = Math.ceil(range.from / HOUR) * HOUR;
  const wholeTo = Math.floor(range.to / HOUR) * HOUR;
  if (rawOnly || wholeFrom >= wholeTo) return { from: range.from, to: range.to, wholeFrom: range.to, wholeTo: range.to };
  return { from: range.from, to: range.to, wholeFrom, wholeTo };
}

export type ViewKey = { kind: 'page' } | { kind: 'bucket'; unit: 'minute' | 'hour' | 'day' };

/**
 * Views, unique users, quick exits and mean duration per key (page, or UTC time bucket) over a range:
 * rollups (human views) for the whole hours plus raw human events for the edges, plus the raw bot
 * events of the whole range for the sites in `countBots`. Unique users are distinct
 * (site, user_id) pairs over the union of the sources, so they stay exact across hours.
 * page_hourly.bounces holds quick exits (views under 5 s, seed 002's "bounces"); it is read as
 * quick_exits. Sessions and bounces (single-page sessions) need every view of a session in the
 * range, so they come from the raw counted views of the whole range, each session keyed by its
 * entry view (the first by received_at, then event_id).
 */
export function viewFiguresSql(range: TimeRange, key: ViewKey, countBots: readonly string[] = []): { text: string; params: unknown[] } {
  const p = new Params();
  const parts = splitRange(range, key.kind === 'bucket' && key.unit === 'minute');
  const from = p.add(iso(parts.from));
  const to = p.add(iso(parts.to));
  const wholeFrom = p.add(iso(parts.wholeFrom));
  const wholeTo = p.add(iso(parts.wholeTo));
  const site = range.site === undefined ? '' : `AND site = ${p.add(range.site)}`;
  const unit = key.kind === 'bucket' ? p.add(key.unit) : '';
  const keyOf = (column: string) => (key.kind === 'page' ? 'path' : `date_trunc(${unit}::text, ${column}, 'UTC')`);
  const botSites = botSitesOf(range, countBots);
  const bots =
    botSites.length === 0
      ? ''
      : `
  UNION ALL
  SELECT site, path, user_id, received_at, duration FROM events
  WHERE type = 'page_view' AND is_bot AND site = ANY(${p.add(botSites)}::text[])
    AND received_at >= ${from}::timestamptz AND received_at < ${to}::timestamptz`;
  const sessionBots =
    botSites.length === 0
      ? ''
      : `
  UNION ALL
  SELECT site, user_id, session_id, path, received_at, event_id FROM events
  WHERE type = 'page_view' AND is_bot AND site = ANY(${p.add(botSites)}::text[])
    AND received_at >= ${from}::timestamptz AND received_at < ${to}::timestamptz`;
  const text = `
WITH raw AS (
  SELECT site, path, user_id, received_at, duration FROM events
  WHERE type = 'page_view' AND NOT is_bot ${site}
    AND ((received_at >= ${from}::timestamptz AND received_at < ${wholeFrom}::timestamptz)
      OR (received_at >= ${wholeTo}::timestamptz AND received_at < ${to}::timestamptz))${bots}
),
session_views AS (
  SELECT site, user_id, session_id, path, received_at, event_id FROM events
  WHERE type = 'page_view' AND NOT is_bot ${site}
    AND received_at >= ${from}::timestamptz AND received_at < ${to}::timestamptz${sessionBots}
),
entries AS (
  SELECT (array_agg(${keyOf('received_at')} ORDER BY received_at, event_id))[1] AS k, count(*) AS views
  FROM session_views GROUP BY site, user_id, session_id
),
session_totals AS (
  SELECT k, count(*) AS sessions, count(*) FILTER (WHERE views = 1) AS bounces FROM entries GROUP BY k
),
facts AS (
  SELECT ${keyOf('hour')} AS k, views, bounces AS quick_exits, duration_sum, duration_count FROM page_hourly
  WHERE hour >= ${wholeFrom}::timestamptz AND hour < ${wholeTo}::timestamptz ${site}
  UNION ALL
  SELECT ${keyOf('received_at')}, 1, CASE WHEN duration < 5 THEN 1 ELSE 0 END, coalesce(duration::numeric, 0),
    CASE WHEN duration IS NULL THEN 0 ELSE 1 END
  FROM raw
),
visitors AS (
  SELECT ${keyOf('hour')} AS k, site, user_id FROM page_hourly_users
  WHERE hour >= ${wholeFrom}::timestamptz AND hour < ${wholeTo}::timestamptz ${site}
  UNION
  SELECT ${keyOf('received_at')}, site, user_id FROM raw
),
totals AS (
  SELECT k, sum(views) AS views, sum(quick_exits) AS quick_exits, sum(duration_sum) AS duration_sum, sum(duration_count) AS duration_count
  FROM facts GROUP BY k
),
uniques AS (
  SELECT k, count(*) AS users FROM visitors GROUP BY k
)
SELECT ${key.kind === 'page' ? 't.k AS page' : '(extract(epoch FROM t.k) * 1000)::float8 AS ts'},
  t.views::float8 AS views,
  coalesce(u.users, 0)::float8 AS unique_users,
  coalesce(s.sessions, 0)::float8 AS sessions,
  coalesce(s.bounces, 0)::float8 AS bounces,
  t.quick_exits::float8 AS quick_exits,
  coalesce((t.duration_sum / nullif(t.duration_count, 0))::float8, 0) AS avg_duration
FROM totals t LEFT JOIN uniques u ON u.k = t.k LEFT JOIN session_totals s ON s.k = t.k
WHERE t.views > 0
ORDER BY ${key.kind === 'page' ? 't.views DESC, t.k' : 't.k'}`;
  return { text, params: p.values };
}

/** The events column behind each breakdown dimension (a closed list: identifiers, never values). */
const dimensionColumns: Record<BreakdownDimension, string> = {
  referrer_host: 'referrer_host',
  browser: 'browser',
  os: 'os',
  device: 'device',
  utm_source: 'utm_source',
  utm_medium: 'utm_medium',
  utm_campaign: 'utm_campaign',
};

/** Views and unique users per value of one dimension; null reads '(none)'; most viewed first, ties by value. Bots only of `countBots` sites. */
export function breakdownSql(
  range: TimeRange,
  dimension: BreakdownDimension,
  limit: number,
  countBots: readonly string[] = [],
): { text: string; params: unknown[] } {
  const column = dimensionColumns[dimension];
  if (column === undefined) throw new RangeError(`unknown breakdown dimension ${JSON.stringify(dimension)}`);
  const p = new Params();
  const from = p.add(iso(range.from));
  const to = p.add(iso(range.to));
  const site = range.site === undefined ? '' : `AND site = ${p.add(range.site)}`;
  const botSites = botSitesOf(range, countBots);
  const humans = botSites.length === 0 ? 'AND NOT is_bot' : `AND (NOT is_bot OR site = ANY(${p.add(botSites)}::text[]))`;
  const text = `
SELECT coalesce(${column}, '(none)') AS value, count(*)::float8 AS views, count(DISTINCT (site, user_id))::float8 AS unique_users
FROM events
WHERE type = 'page_view' ${humans} AND received_at >= ${from}::timestamptz AND received_at < ${to}::timestamptz ${site}
GROUP BY 1
ORDER BY views DESC, value
LIMIT ${p.add(limit)}`;
  return { text, params: p.values };
}

/** Bot and automation events in the range: how many, and how many of them are page views. */
export function botTotalsSql(range: TimeRange): { text: string; params: unknown[] } {
  const p = new Params();
  const from = p.add(iso(range.from));
  const to = p.add(iso(range.to));
  const site = range.site === undefined ? '' : `AND site = ${p.add(range.site)}`;
  const text = `
SELECT count(*)::float8 AS requests, count(*) FILTER (WHERE type = 'page_view')::float8 AS page_views
FROM events WHERE is_bot AND received_at >= ${from}::timestamptz AND received_at < ${to}::timestamptz ${site}`;
  return { text, params: p.values };
}

/** The busiest bots in the range, most requests first, ties by name; bots stored unnamed read `unnamed`. */
export function topBotsSql(range: TimeRange, limit: number, unnamed: string): { text: string; params: unknown[] } {
  const p = new Params();
  const from = p.add(iso(range.from));
  const to = p.add(iso(range.to));
  const site = range.site === undefined ? '' : `AND site = ${p.add(range.site)}`;
  const text = `
SELECT coalesce(bot_name, ${p.add(unnamed)}::text) COLLATE "C" AS name, count(*)::float8 AS requests
FROM events WHERE is_bot AND received_at >= ${from}::timestamptz AND received_at < ${to}::timestamptz ${site}
GROUP BY 1
ORDER BY requests DESC, name
LIMIT ${p.add(limit)}`;
  return { text, params: p.values };
}

/**
 * One page of events, oldest first: keyset pagination on (received_at, event_id), so each page
 * is an index range scan whatever the depth. The cursor is received_at as text (microseconds kept).
 */
export function exportPageSql(
  range: TimeRange,
  pageSize: number,
  after: { ts: string; id: string } | undefined,
): { text: string; params: unknown[] } {
  const p = new Params();
  const from = p.add(iso(range.from));
  const to = p.add(iso(range.to));
  const site = range.site === undefined ? '' : `AND site = ${p.add(range.site)}`;
  const keyset = after === undefined ? '' : `AND (received_at, event_id) > (${p.add(after.ts)}::timestamptz, ${p.add(after.id)}::text)`;
  const text = `
SELECT data, received_at::text AS cursor_ts, event_id FROM events
WHERE received_at >= ${from}::timestamptz AND received_at < ${to}::timestamptz ${site} ${keyset}
ORDER BY received_at, event_id
LIMIT ${p.add(pageSize)}`;
  return { text, params: p.values };
}

/** forgetUser, step 1: take the visitor's views out of the hourly rollups (subtraction commutes with concurrent writers' additions). */
export const forgetRollupsSql = `
WITH mine AS (
  SELECT date_trunc('hour', received_at, 'UTC') AS hour, path, count(*) AS views, count(*) FILTER (WHERE duration < 5) AS bounces,
    coalesce(sum(duration::numeric), 0) AS duration_sum, count(duration) AS duration_count
  FROM events WHERE site = $1 AND user_id = $2 AND type = 'page_view' AND NOT is_bot
  GROUP BY 1, 2
)
UPDATE page_hourly h SET
  views = h.views - m.views,
  bounces = h.bounces - m.bounces,
  duration_sum = h.duration_sum - m.duration_sum,
  duration_count = h.duration_count - m.duration_count
FROM mine m
WHERE h.site = $1 AND h.hour = m.hour AND h.path = m.path
RETURNING h.hour::text AS hour, h.path, h.views::float8 AS views`;

/** forgetUser, step 2: rollup rows the visitor alone made are deleted, not left at zero. */
export const forgetEmptyRollupsSql = `
WITH gone AS (
  DELETE FROM page_hourly h USING unnest($2::timestamptz[], $3::text[]) AS z(hour, path)
  WHERE h.site = $1 AND h.hour = z.hour AND h.path = z.path AND h.views = 0
  RETURNING 1
)
SELECT count(*)::int AS n FROM gone`;

/** forgetUser, the rest: every row keyed by the visitor. event_ids claims stay (they hold no user data). */
export const forgetRowsSql = [
  'WITH gone AS (DELETE FROM page_hourly_users WHERE site = $1 AND user_id = $2 RETURNING 1) SELECT count(*)::int AS n FROM gone',
  'WITH gone AS (DELETE FROM sessions WHERE site = $1 AND user_id = $2 RETURNING 1) SELECT count(*)::int AS n FROM gone',
  'WITH gone AS (DELETE FROM events WHERE site = $1 AND user_id = $2 RETURNING 1) SELECT count(*)::int AS n FROM gone',
  `WITH gone AS (DELETE FROM processing_errors WHERE user_id = $2 AND (site = $1 OR site IS NULL) RETURNING 1)
   SELECT count(*)::int AS n FROM gone`,
];
