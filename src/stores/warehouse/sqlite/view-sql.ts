import { botSitesOf, breakdownDimensions, type BreakdownDimension, type TimeRange } from '../warehouse.ts';

/**
 * The History view's statements on SQLite, all over raw events (see schema.ts). Values always
 * travel as parameters; the only text assembled here is fixed fragments, identifiers from closed
 * lists and `?` placeholders. Times are epoch ms.
 */
export interface Statement {
  text: string;
  params: (string | number | null)[];
}

const BUCKET_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** `site = ?` when the range names one, with its parameter. */
function siteFilter(range: TimeRange, params: Statement['params']): string {
  if (range.site === undefined) return '';
  params.push(range.site);
  return ' AND site = ?';
}

/** Humans, plus the bots of the sites in `botSites` (the per-site switch). */
function countedFilter(botSites: readonly string[], params: Statement['params']): string {
  if (botSites.length === 0) return ' AND is_bot = 0';
  params.push(...botSites);
  return ` AND (is_bot = 0 OR site IN (${botSites.map(() => '?').join(', ')}))`;
}

export type ViewKey = { kind: 'page' } | { kind: 'bucket'; unit: 'minute' | 'hour' | 'day' };

/**
 * Views, unique users, sessions, bounces, quick exits and mean duration per key (page, or UTC time
 * bucket) over the counted page views of a range (definitions in ../warehouse.ts). A session is
 * keyed by its entry view (the first by received_at, then event_id).
 */
export function viewFiguresSql(range: TimeRange, key: ViewKey, countBots: readonly string[]): Statement {
  const params: Statement['params'] = [range.from, range.to];
  const site = siteFilter(range, params);
  const counted = countedFilter(botSitesOf(range, countBots), params);
  const k = key.kind === 'page' ? 'path' : `(received_at / ${BUCKET_MS[key.unit]}) * ${BUCKET_MS[key.unit]}`;
  const text = `
WITH v AS (
  SELECT site, user_id, session_id, received_at, event_id, duration, ${k} AS k FROM events
  WHERE type = 'page_view' AND received_at >= ? AND received_at < ?${site}${counted}
),
entries AS (
  SELECT k, views FROM (
    SELECT k, count(*) OVER s AS views, row_number() OVER (s ORDER BY received_at, event_id) AS n FROM v
    WINDOW s AS (PARTITION BY site, user_id, session_id)
  ) WHERE n = 1
),
session_totals AS (
  SELECT k, count(*) AS sessions, count(*) FILTER (WHERE views = 1) AS bounces FROM entries GROUP BY k
),
totals AS (
  SELECT k, count(*) AS views, count(DISTINCT site || char(0) || user_id) AS unique_users,
    count(*) FILTER (WHERE duration < 5) AS quick_exits, coalesce(avg(duration), 0) AS avg_duration
  FROM v GROUP BY k
)
SELECT t.k AS ${key.kind === 'page' ? 'page' : 'ts'}, t.views, t.unique_users, coalesce(s.sessions, 0) AS sessions,
  coalesce(s.bounces, 0) AS bounces, t.quick_exits, t.avg_duration
FROM totals t LEFT JOIN session_totals s ON s.k = t.k
ORDER BY ${key.kind === 'page' ? 't.views DESC, t.k' : 't.k'}`;
  return { text, params };
}

/** Views and unique users per value of one dimension; null reads '(none)'; most viewed first, ties by value. */
export function breakdownSql(range: TimeRange, dimension: BreakdownDimension, limit: number, countBots: readonly string[]): Statement {
  // Each dimension is the events column of its name (a closed list: identifiers, never values).
  if (!breakdownDimensions.includes(dimension)) throw new RangeError(`unknown breakdown dimension ${JSON.stringify(dimension)}`);
  const column = dimension;
  const params: Statement['params'] = [range.from, range.to];
  const site = siteFilter(range, params);
  const counted = countedFilter(botSitesOf(range, countBots), params);
  params.push(limit);
  const text = `
SELECT coalesce(${column}, '(none)') AS value, count(*) AS views, count(DISTINCT site || char(0) || user_id) AS unique_users
FROM events WHERE type = 'page_view' AND received_at >= ? AND received_at < ?${site}${counted}
GROUP BY 1 ORDER BY views DESC, value LIMIT ?`;
  return { text, params };
}

/** Bot and automation events in the range: how many, and how many of them are page views. */
export function botTotalsSql(range: TimeRange): Statement {
  const params: Statement['params'] = [range.from, range.to];
  const site = siteFilter(range, params);
  return {
    text: `SELECT count(*) AS requests, count(*) FILTER (WHERE type = 'page_view') AS page_views FROM events
WHERE is_bot = 1 AND received_at >= ? AND received_at < ?${site}`,
    params,
  };
}

/** The busiest bots in the range, most requests first, ties by name; bots stored unnamed read `unnamed`. */
export function topBotsSql(range: TimeRange, limit: number, unnamed: string): Statement {
  const params: Statement['params'] = [unnamed, range.from, range.to];
  const site = siteFilter(range, params);
  params.push(limit);
  return {
    text: `SELECT coalesce(bot_name, ?) AS name, count(*) AS requests FROM events
WHERE is_bot = 1 AND received_at >= ? AND received_at < ?${site}
GROUP BY 1 ORDER BY requests DESC, name LIMIT ?`,
    params,
  };
}

/** One page of events, oldest first: keyset pagination on (received_at, event_id). */
export function exportPageSql(range: TimeRange, pageSize: number, after: { at: number; id: string } | undefined): Statement {
  const params: Statement['params'] = [range.from, range.to];
  const site = siteFilter(range, params);
  let keyset = '';
  if (after !== undefined) {
    keyset = ' AND (received_at, event_id) > (?, ?)';
    params.push(after.at, after.id);
  }
  params.push(pageSize);
  return {
    text: `SELECT data, received_at, event_id FROM events WHERE received_at >= ? AND received_at < ?${site}${keyset}
ORDER BY received_at, event_id LIMIT ?`,
    params,
  };
}
