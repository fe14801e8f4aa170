import type { BreakdownDimension, TimeRange } from '../warehouse.ts';
import { botSitesOf, breakdownDimensions } from '../warehouse.ts';
import { hourOfView, mergedColumns, minuteOfView, receivedMs, stateColumnNames, stateColumns, type Tables } from './schema.ts';
import { clampToDateTimeSeconds, DATETIME_MAX_MS, sqlDateTime, sqlList, sqlString, sqlUInt } from './sql.ts';

/**
 * Query texts, as pure functions of their inputs (unit-tested, and run on current ClickHouse
 * through chdb). Every value goes through sql.ts.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const bucketMs = { minute: MINUTE, hour: HOUR, day: DAY } as const;
export type Bucket = keyof typeof bucketMs;

/**
 * The range as whole ms clamped to what DateTime can hold (rows are whole ms, so `>= ceil(from)`
 * and `< ceil(to)` select exactly the same rows). NaN is refused.
 */
export function normalizeRange(range: TimeRange): TimeRange {
  const bound = (ms: number, what: string) => {
    if (typeof ms !== 'number' || Number.isNaN(ms)) throw new RangeError(`range.${what} is not a time: ${String(ms)}`);
    return Math.min(DATETIME_MAX_MS + 1000, Math.max(0, Math.ceil(ms)));
  };
  return { from: bound(range.from, 'from'), to: bound(range.to, 'to'), site: range.site };
}

/** [from, to) in epoch ms. */
export interface Span {
  from: number;
  to: number;
}

/**
 * Which source covers which part of a range, so any range is exact while most of it comes
 * from the rollups: whole hours from page_aggregates_hour (when `hours`), the remaining whole
 * minutes from page_aggregates_minute, and the sub-minute edges from page_views_raw.
 * All three give states of the same types, merged in one GROUP BY.
 */
export interface RangePlan {
  hour: Span[];
  minute: Span[];
  raw: Span[];
}

const ceilTo = (ms: number, step: number) => Math.ceil(ms / step) * step;
const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step;
const nonEmpty = (spans: Span[]) => spans.filter((s) => s.from < s.to);

export function planRange(from: number, to: number, hours: boolean): RangePlan {
  if (!(from < to)) return { hour: [], minute: [], raw: [] };
  const fromMinute = ceilTo(from, MINUTE);
  const toMinute = floorTo(to, MINUTE);
  if (fromMinute >= toMinute) return { hour: [], minute: [], raw: [{ from, to }] };
  const raw = nonEmpty([
    { from, to: fromMinute },
    { from: toMinute, to },
  ]);
  const fromHour = ceilTo(fromMinute, HOUR);
  const toHour = floorTo(toMinute, HOUR);
  if (!hours || fromHour >= toHour) return { hour: [], minute: [{ from: fromMinute, to: toMinute }], raw };
  return {
    hour: [{ from: fromHour, to: toHour }],
    minute: nonEmpty([
      { from: fromMinute, to: fromHour },
      { from: toHour, to: toMinute },
    ]),
    raw,
  };
}

const siteFilter = (site: string | undefined) => (site === undefined ? '' : `site = ${sqlString(site)} AND `);

/** Bucket-aligned spans over a DateTime column (whole seconds suffice: bounds are minute-aligned). */
const bucketSpans = (column: string, spans: Span[]) =>
  spans.map((s) => `(${column} >= ${sqlDateTime(s.from)} AND ${column} < ${sqlDateTime(s.to)})`).join(' OR ');

/**
 * Millisecond-exact spans over a raw table: the DateTime bounds narrow the scan (partition
 * pruning), the ms expression decides.
 */
export function rawSpans(spans: Span[]): string {
  return spans
    .map(
      (s) =>
        `(received_at >= toDateTime(${sqlUInt(clampToDateTimeSeconds(s.from))}) AND received_at <= toDateTime(${sqlUInt(clampToDateTimeSeconds(s.to - 1))})` +
        ` AND ${receivedMs} >= ${sqlUInt(s.from)} AND ${receivedMs} < ${sqlUInt(s.to)})`,
    )
    .join(' OR ');
}

/**
 * UNION ALL of the sources of `plan`, each row: page, t (DateTime at minute or hour grain), states.
 * The aggregates hold human views only; the raw edges are read for humans too, and the bots of the
 * sites in `botSites` (those counting them) come from the raw rows of the whole range.
 */
function stateSources(t: Tables, plan: RangePlan, range: TimeRange, botSites: readonly string[]): string {
  const site = range.site;
  const parts: string[] = [];
  if (plan.hour.length > 0) {
    parts.push(
      `SELECT page, hour AS t, ${stateColumnNames} FROM ${t.aggHour} WHERE ${siteFilter(site)}(${bucketSpans('hour', plan.hour)})`,
    );
  }
  if (plan.minute.length > 0) {
    parts.push(
      `SELECT page, minute AS t, ${stateColumnNames} FROM ${t.aggMinute} WHERE ${siteFilter(site)}(${bucketSpans('minute', plan.minute)})`,
    );
  }
  if (plan.raw.length > 0) {
    parts.push(
      `SELECT page, ${minuteOfView} AS t, ${stateColumns} FROM ${t.pageViews} WHERE is_bot = 0 AND ${siteFilter(site)}(${rawSpans(plan.raw)}) GROUP BY page, t`,
    );
  }
  if (botSites.length > 0 && range.from < range.to) {
    parts.push(
      `SELECT page, ${minuteOfView} AS t, ${stateColumns} FROM ${t.pageViews} WHERE is_bot = 1 AND site IN ${sqlList(botSites, sqlString)}` +
        ` AND (${rawSpans([{ from: range.from, to: range.to }])}) GROUP BY page, t`,
    );
  }
  return parts.join(' UNION ALL ');
}

/**
 * Sessions and bounces per key from the raw counted views of the whole range (a session needs all
 * its views in the range, which no per-bucket state holds): each (site, user_id, session_id) once,
 * at its entry view (the first by received ms, then event_id) — `entry_page`, `entry_at` (DateTime)
 * — with `views` its views in the range; a bounce is a session of one view.
 */
function sessionEntries(t: Tables, range: TimeRange, botSites: readonly string[]): string {
  const bots = botSites.length === 0 ? '' : ` OR (is_bot = 1 AND site IN ${sqlList(botSites, sqlString)})`;
  const site = range.site === undefined ? '' : ` AND site = ${sqlString(range.site)}`;
  const entry = `tuple(${receivedMs}, event_id)`;
  return (
    `SELECT argMin(page, ${entry}) AS entry_page, argMin(received_at, ${entry}) AS entry_at, count() AS session_views` +
    ` FROM ${t.pageViews} WHERE ((is_bot = 0${site})${bots}) AND (${rawSpans([{ from: range.from, to: range.to }])})` +
    ` GROUP BY site, user_id, session_id`
  );
}

const sessionFigures = 'count() AS sessions, countIf(session_views = 1) AS bounces';

/**
 * Per-page figures, most viewed first, ties by page (byte order); null when the range is empty. Bots only of `countBots` sites.
 * The aggregates' bounces_state holds quick exits (views under 5 s; seed 002's "bounces"), read as `quick_exits`.
 */
export function pageAggregatesSql(t: Tables, input: TimeRange, countBots: readonly string[] = []): string | null {
  const range = normalizeRange(input);
  const plan = planRange(range.from, range.to, true);
  const botSites = botSitesOf(range, countBots);
  const sources = stateSources(t, plan, range, botSites);
  if (sources === '') return null;
  return (
    `SELECT page, views, unique_users, sessions, bounces, quick_exits, duration_sum, duration_count` +
    ` FROM (SELECT page, ${mergedColumns} FROM (${sources}) GROUP BY page) AS figures` +
    ` ANY LEFT JOIN (SELECT entry_page AS page, ${sessionFigures} FROM (${sessionEntries(t, range, botSites)}) GROUP BY page) AS entries USING (page)` +
    ` ORDER BY views DESC, page ASC`
  );
}

/** Figures per UTC bucket, oldest first; only buckets with views. `bucket_start` is epoch seconds. Bots only of `countBots` sites. */
export function timeSeriesSql(t: Tables, input: TimeRange, bucket: Bucket, countBots: readonly string[] = []): string | null {
  const range = normalizeRange(input);
  const plan = planRange(range.from, range.to, bucket !== 'minute');
  const botSites = botSitesOf(range, countBots);
  const sources = stateSources(t, plan, range, botSites);
  if (sources === '') return null;
  const seconds = bucketMs[bucket] / 1000;
  const start = (column: string) => `intDiv(toUInt32(${column}), ${seconds}) * ${seconds}`;
  return (
    `SELECT bucket_start, views, unique_users, sessions, bounces, quick_exits, duration_sum, duration_count` +
    ` FROM (SELECT ${start('t')} AS bucket_start, ${mergedColumns} FROM (${sources}) GROUP BY bucket_start) AS figures` +
    ` ANY LEFT JOIN (SELECT ${start('entry_at')} AS bucket_start, ${sessionFigures} FROM (${sessionEntries(t, range, botSites)}) GROUP BY bucket_start) AS entries USING (bucket_start)` +
    ` ORDER BY bucket_start ASC`
  );
}

/** Views and unique users per value of one dimension, from the raw rows; a null value reads '(none)'. Bots only of `countBots` sites. */
export function breakdownSql(
  t: Tables,
  input: TimeRange,
  dimension: BreakdownDimension,
  limit: number,
  countBots: readonly string[] = [],
): string | null {
  const range = normalizeRange(input);
  // The dimension becomes a column name: only the port's own list is accepted.
  if (!(breakdownDimensions as readonly string[]).includes(dimension))
    throw new RangeError(`unknown breakdown dimension ${String(dimension)}`);
  if (!(range.from < range.to) || limit < 1) return null;
  const botSites = botSitesOf(range, countBots);
  const humans = botSites.length === 0 ? 'is_bot = 0' : `(is_bot = 0 OR site IN ${sqlList(botSites, sqlString)})`;
  return (
    `SELECT ifNull(${dimension}, '(none)') AS value, count() AS views, uniqExact(site, user_id) AS unique_users` +
    ` FROM ${t.pageViews} WHERE ${humans} AND ${siteFilter(range.site)}(${rawSpans([{ from: range.from, to: range.to }])})` +
    ` GROUP BY value ORDER BY views DESC, value ASC LIMIT ${sqlUInt(limit)}`
  );
}

/** Bot and automation rows of both raw tables in the range: type and bot name. */
function botRows(t: Tables, range: TimeRange): string {
  const where = `is_bot = 1 AND ${siteFilter(range.site)}(${rawSpans([{ from: range.from, to: range.to }])})`;
  return `SELECT 'page_view' AS type, bot_name FROM ${t.pageViews} WHERE ${where} UNION ALL SELECT type, bot_name FROM ${t.events} WHERE ${where}`;
}

/** How many bot and automation events the range holds, and how many of them are page views; null when the range is empty. */
export function botTotalsSql(t: Tables, input: TimeRange): string | null {
  const range = normalizeRange(input);
  if (!(range.from < range.to)) return null;
  return `SELECT count() AS requests, countIf(type = 'page_view') AS page_views FROM (${botRows(t, range)})`;
}

/** The busiest bots of the range, most requests first, ties by name; rows stored without a name read `unnamed`. */
export function topBotsSql(t: Tables, input: TimeRange, limit: number, unnamed: string): string | null {
  const range = normalizeRange(input);
  if (!(range.from < range.to) || limit < 1) return null;
  return (
    `SELECT if(bot_name = '', ${sqlString(unnamed)}, bot_name) AS name, count() AS requests FROM (${botRows(t, range)})` +
    ` GROUP BY name ORDER BY requests DESC, name ASC LIMIT ${sqlUInt(limit)}`
  );
}

/** Where an export page resumes: after this (received ms, event_id, site). */
export interface ExportCursor {
  ts: number;
  eventId: string;
  site: string;
}

/** One page of events (both raw tables), by (received ms, event_id, site); rows carry the JSON payload. */
export function exportPageSql(t: Tables, input: TimeRange, pageSize: number, after: ExportCursor | undefined): string | null {
  const range = normalizeRange(input);
  if (!(range.from < range.to)) return null;
  const resume =
    after === undefined
      ? ''
      : ` AND (${receivedMs} > ${sqlUInt(after.ts)} OR (${receivedMs} = ${sqlUInt(after.ts)} AND (event_id > ${sqlString(after.eventId)}` +
        ` OR (event_id = ${sqlString(after.eventId)} AND site > ${sqlString(after.site)}))))`;
  // Starting the span at the cursor lets each part's min/max received_at skip what earlier pages read.
  const from = after === undefined ? range.from : Math.max(range.from, after.ts);
  const branch = (table: string) =>
    `SELECT ${receivedMs} AS ts, event_id, site, payload FROM ${table} WHERE ${siteFilter(range.site)}(${rawSpans([{ from, to: range.to }])})${resume}`;
  return `SELECT ts, event_id, site, payload FROM (${branch(t.pageViews)} UNION ALL ${branch(t.events)}) ORDER BY ts ASC, event_id ASC, site ASC LIMIT ${sqlUInt(pageSize)}`;
}

/** The external table writeEvents sends with its lookup (external-data.ts): a row per distinct event of the batch. */
export const batchTable = { name: 'pulse_batch', columns: ['site', 'event_id', 'user_id'] } as const;

/**
 * What writeEvents must know before it inserts a batch, in one request: which of its (site, event_id)
 * pairs either raw table holds (`kind` 'stored', `id` the event id), and when each of its visitors
 * who was forgotten was forgotten (`kind` 'forgotten', `id` the user id, `at` epoch ms). The tuple
 * IN over the attached table uses the primary keys ((site, event_id); (site, user_id)) on 18.16 and
 * current servers alike: 6 ms against 76 ms for a full scan, for 5,000 keys in 3,000,000 rows.
 */
export function batchLookupSql(t: Tables): string {
  const b = batchTable.name;
  const stored = (table: string) =>
    `SELECT 'stored' AS kind, site, event_id AS id, toUInt64(0) AS at FROM ${table} WHERE (site, event_id) IN (SELECT site, event_id FROM ${b})`;
  const forgotten =
    `SELECT 'forgotten' AS kind, site, user_id AS id, max(toUInt64(forgotten_at) * 1000 + forgotten_ms) AS at FROM ${t.forgotten} ` +
    `WHERE (site, user_id) IN (SELECT site, user_id FROM ${b}) GROUP BY site, user_id`;
  return `${stored(t.pageViews)} UNION ALL ${stored(t.events)} UNION ALL ${forgotten}`;
}

export interface ErrorRef {
  topic: string;
  partition: number;
  offset: number;
}

export function storedErrorsSql(t: Tables, refs: readonly ErrorRef[]): string {
  const topics = sqlList([...new Set(refs.map((r) => r.topic))], sqlString);
  const keys = sqlList(refs, (r) => `(${sqlString(r.topic)}, ${sqlUInt(r.partition)}, ${sqlUInt(r.offset)})`);
  return `SELECT topic, \`partition\`, \`offset\` FROM ${t.errors} WHERE topic IN ${topics} AND (topic, \`partition\`, \`offset\`) IN ${keys}`;
}

export const readErrorsSql = (t: Tables): string =>
  `SELECT topic, \`partition\`, \`offset\`, reason, raw, toUInt64(at) * 1000 + at_ms AS at FROM ${t.errors} ORDER BY at ASC, topic ASC, \`partition\` ASC, \`offset\` ASC`;

/** Rows per table; events = both raw tables; the aggregate tables count (site, page, bucket) rows. */
export const countsSql = (t: Tables): string =>
  [
    `SELECT 'page_views_raw' AS name, count() AS n FROM ${t.pageViews}`,
    `SELECT 'events_raw' AS name, count() AS n FROM ${t.events}`,
    `SELECT 'processing_errors' AS name, count() AS n FROM ${t.errors}`,
    `SELECT 'page_aggregates_minute' AS name, count() AS n FROM (SELECT 1 FROM ${t.aggMinute} GROUP BY site, page, minute)`,
    `SELECT 'page_aggregates_hour' AS name, count() AS n FROM (SELECT 1 FROM ${t.aggHour} GROUP BY site, page, hour)`,
    `SELECT 'forgotten_users' AS name, count() AS n FROM (SELECT 1 FROM ${t.forgotten} GROUP BY site, user_id)`,
  ].join(' UNION ALL ');

// ---- forgetUser ------------------------------------------------------------------------------

const visitor = (site: string, userId: string) => `site = ${sqlString(site)} AND user_id = ${sqlString(userId)}`;

/** What the visitor has: rows per table, and the (page, minute, hour) buckets of their views. */
export function visitorRowsSql(t: Tables, site: string, userId: string): string {
  return [
    `SELECT 'page_views_raw' AS name, count() AS n FROM ${t.pageViews} WHERE ${visitor(site, userId)}`,
    `SELECT 'events_raw' AS name, count() AS n FROM ${t.events} WHERE ${visitor(site, userId)}`,
    `SELECT 'processing_errors' AS name, count() AS n FROM ${t.errors} WHERE ${visitorErrors(site, userId)}`,
  ].join(' UNION ALL ');
}

const visitorErrors = (site: string, userId: string) => `user_id = ${sqlString(userId)} AND (site = ${sqlString(site)} OR site IS NULL)`;

export const visitorBucketsSql = (t: Tables, site: string, userId: string): string =>
  `SELECT DISTINCT page, toUInt32(${minuteOfView}) AS minute, toUInt32(${hourOfView}) AS hour FROM ${t.pageViews} WHERE ${visitor(site, userId)}`;

/** The (page, minute, hour) buckets of these stored page views of one site. */
export function eventBucketsSql(t: Tables, site: string, eventIds: readonly string[]): string {
  return `SELECT DISTINCT page, toUInt32(${minuteOfView}) AS minute, toUInt32(${hourOfView}) AS hour FROM ${t.pageViews} WHERE site = ${sqlString(site)} AND event_id IN ${sqlList([...new Set(eventIds)], sqlString)}`;
}

/** The mutations that erase the visitor's rows (ALTER … DELETE: asynchronous, see waitForMutations). */
export const forgetRowsSql = (t: Tables, site: string, userId: string): string[] => [
  `ALTER TABLE ${t.pageViews} DELETE WHERE ${visitor(site, userId)}`,
  `ALTER TABLE ${t.events} DELETE WHERE ${visitor(site, userId)}`,
  `ALTER TABLE ${t.errors} DELETE WHERE ${visitorErrors(site, userId)}`,
];

export interface ViewBucket {
  page: string;
  /** Epoch seconds of the UTC minute / hour. */
  start: number;
}

const bucketList = (buckets: readonly ViewBucket[]) => sqlList(buckets, (b) => `(${sqlString(b.page)}, ${sqlUInt(b.start)})`);

/** Drop these (page, bucket) aggregate rows of a site… */
export function dropAggregatesSql(t: Tables, grain: 'minute' | 'hour', site: string, buckets: readonly ViewBucket[]): string {
  const table = grain === 'minute' ? t.aggMinute : t.aggHour;
  return `ALTER TABLE ${table} DELETE WHERE site = ${sqlString(site)} AND (page, toUInt32(${grain})) IN ${bucketList(buckets)}`;
}

/** …and rebuild them from the human raw rows that remain (the same states the materialized views write). */
export function rebuildAggregatesSql(t: Tables, grain: 'minute' | 'hour', site: string, buckets: readonly ViewBucket[]): string {
  const table = grain === 'minute' ? t.aggMinute : t.aggHour;
  const expr = grain === 'minute' ? minuteOfView : hourOfView;
  return (
    `INSERT INTO ${table} (site, page, ${grain}, ${stateColumnNames})` +
    ` SELECT site, page, ${expr} AS ${grain}, ${stateColumns} FROM ${t.pageViews}` +
    ` WHERE is_bot = 0 AND site = ${sqlString(site)} AND (page, toUInt32(${expr})) IN ${bucketList(buckets)} GROUP BY site, page, ${grain}`
  );
}

/** Mutations of these tables not finished yet (system.mutations exists on 18.16 and today). */
export function pendingMutationsSql(database: string, tables: readonly string[]): string {
  return `SELECT count() AS n FROM system.mutations WHERE database = ${sqlString(database)} AND table IN ${sqlList(tables, sqlString)} AND is_done = 0`;
}
