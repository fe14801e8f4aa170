import type { FunnelStep, PropertyFilter, RetentionQuery } from '../product-analytics.ts';
import { hasWildcard } from '../funnel-query.ts';
import { periodSeconds } from '../retention-periods.ts';
import type { TimeRange } from '../warehouse.ts';
import { cleanText } from '../postgres/event-rows.ts';
import type { Statement } from './view-sql.ts';

/**
 * Funnels' candidate events, retention and custom events on SQLite (definitions in
 * ../product-analytics.ts). A property is found among the props object's own keys with json_each,
 * whatever characters its key holds; `props -> fullkey` keeps a number's text as written, as
 * PostgreSQL's json does, and `\u0000` escapes were read as U+FFFD when the row was written.
 */

/** The value of `props[key]` as text, read from json_each's row `j`: a string as is, any other value as its JSON text. */
const valueText = `CASE WHEN j.type = 'text' THEN j.value ELSE props -> j.fullkey END`;

/** `props[key]` as text; NULL when the key is missing (or props is no object). */
function propertyText(params: Statement['params'], key: string): string {
  params.push(cleanText(key));
  return `(SELECT ${valueText} FROM json_each(props) AS j WHERE j.key = ?)`;
}

/** The property-filter rule: a string, number or boolean whose text equals the value; never NULL. */
function propertyMatch(property: PropertyFilter, params: Statement['params']): string {
  params.push(cleanText(property.value), cleanText(property.key));
  return `coalesce((SELECT j.type IN ('text', 'integer', 'real', 'true', 'false') AND ${valueText} = ? FROM json_each(props) AS j WHERE j.key = ?), 0)`;
}

/** A page step's `*` pattern as a GLOB pattern (case-sensitive, unlike LIKE): `?` and `[` made literal. */
export const globPattern = (pattern: string): string => cleanText(pattern).replace(/[?[]/g, (ch) => `[${ch}]`);

/** Whether a row of events matches a step (0 or 1, never NULL). */
export function stepMatch(step: FunnelStep, params: Statement['params']): string {
  let base: string;
  if (step.kind === 'page') {
    base = `type = 'page_view' AND path ${hasWildcard(step.path) ? 'GLOB' : '='} ?`;
    params.push(hasWildcard(step.path) ? globPattern(step.path) : cleanText(step.path));
  } else {
    base = `type = 'custom' AND event_name = ?`;
    params.push(cleanText(step.name));
  }
  if (step.property === undefined) return `coalesce(${base}, 0)`;
  return `coalesce(${base} AND ${propertyMatch(step.property, params)}, 0)`;
}

/**
 * The funnel's events of one site and range, one row each with a 0/1 per step, in each entity's
 * order (time, then the first step matched, events matching none last, then event_id). `all`: every
 * event (strict order: any other event breaks a chain), else only those matching a step.
 */
export function funnelEventsSql(
  q: { range: { from: number; to: number; site: string }; steps: readonly FunnelStep[]; countBy: 'visitors' | 'sessions' },
  countsBots: boolean,
  all: boolean,
): Statement {
  const params: Statement['params'] = [];
  const matches = q.steps.map((step, i) => `${stepMatch(step, params)} AS m${i + 1}`);
  params.push(q.range.site, q.range.from, q.range.to);
  const entity = q.countBy === 'sessions' ? 'session_id' : 'user_id';
  const n = q.steps.length;
  const first = `CASE ${q.steps.map((_, i) => `WHEN m${i + 1} THEN ${i + 1}`).join(' ')} ELSE ${n + 1} END`;
  const text = `
SELECT ent, t, ${q.steps.map((_, i) => `m${i + 1}`).join(', ')} FROM (
  SELECT ${entity} AS ent, received_at AS t, event_id, ${matches.join(', ')} FROM events
  WHERE site = ? AND received_at >= ? AND received_at < ?${countsBots ? '' : ' AND is_bot = 0'}
)${all ? '' : ` WHERE ${q.steps.map((_, i) => `m${i + 1}`).join(' OR ')}`}
ORDER BY ent, t, ${first}, event_id`;
  return { text, params };
}

/** Retention's (cohort, k, n) cells: see ../retention-periods.ts. */
export function retentionCellsSql(query: RetentionQuery, countBots: boolean): Statement {
  const params: Statement['params'] = [];
  const returning = query.returning === undefined ? '1' : stepMatch(query.returning, params);
  const { offset, length } = periodSeconds[query.period];
  params.push(query.range.site, query.range.from, query.range.to);
  const text = `
WITH active AS (
  SELECT user_id, (received_at / 1000 + ${offset}) / ${length} AS period, max(${returning}) AS returned FROM events
  WHERE site = ? AND received_at >= ? AND received_at < ?${countBots ? '' : ' AND is_bot = 0'}
  GROUP BY 1, 2
),
cohorts AS (SELECT user_id, min(period) AS cohort FROM active GROUP BY user_id)
SELECT c.cohort AS cohort, a.period - c.cohort AS k, count(*) AS n
FROM cohorts c JOIN active a ON a.user_id = c.user_id AND (a.period = c.cohort OR (a.period > c.cohort AND a.returned))
GROUP BY c.cohort, a.period`;
  return { text, params };
}

/** The custom events of a range (one name, or all), humans only unless their site counts bots. */
function customScope(params: Statement['params'], range: TimeRange, botSites: readonly string[], name?: string): string {
  params.push(range.from, range.to);
  let scope = `type = 'custom' AND received_at >= ? AND received_at < ?`;
  if (range.site !== undefined) {
    scope += ' AND site = ?';
    params.push(range.site);
  }
  if (botSites.length === 0) scope += ' AND is_bot = 0';
  else {
    scope += ` AND (is_bot = 0 OR site IN (${botSites.map(() => '?').join(', ')}))`;
    params.push(...botSites);
  }
  if (name !== undefined) {
    scope += ' AND event_name = ?';
    params.push(cleanText(name));
  }
  return scope;
}

const visitors = `count(DISTINCT site || char(0) || user_id)`;

export function customEventsSql(range: TimeRange, botSites: readonly string[], limit: number): Statement {
  const params: Statement['params'] = [];
  const scope = customScope(params, range, botSites);
  params.push(limit);
  return {
    text: `SELECT event_name AS name, count(*) AS events, ${visitors} AS visitors FROM events
WHERE ${scope} AND event_name IS NOT NULL GROUP BY event_name ORDER BY events DESC, name LIMIT ?`,
    params,
  };
}

export function customEventSeriesSql(range: TimeRange, botSites: readonly string[], name: string, bucket: 'hour' | 'day'): Statement {
  const params: Statement['params'] = [];
  const scope = customScope(params, range, botSites, name);
  const size = bucket === 'hour' ? 3_600_000 : 86_400_000;
  return {
    text: `SELECT (received_at / ${size}) * ${size} AS ts, count(*) AS events, ${visitors} AS visitors FROM events
WHERE ${scope} GROUP BY 1 ORDER BY 1`,
    params,
  };
}

export function eventPropertySql(range: TimeRange, botSites: readonly string[], name: string, key: string, limit: number): Statement {
  const params: Statement['params'] = [];
  const value = propertyText(params, key);
  const scope = customScope(params, range, botSites, name);
  params.push(limit);
  return {
    text: `SELECT coalesce(${value}, '(none)') AS value, count(*) AS events, ${visitors} AS visitors FROM events
WHERE ${scope} GROUP BY 1 ORDER BY events DESC, value LIMIT ?`,
    params,
  };
}

export function eventPropertyKeysSql(range: TimeRange, botSites: readonly string[], name: string, limit: number): Statement {
  const params: Statement['params'] = [];
  const scope = customScope(params, range, botSites, name);
  params.push(limit);
  // json_each of anything but an object would list array items or a scalar: props is an object by contract, but a stored row is not re-validated.
  return {
    text: `SELECT j.key AS key, count(*) AS n
FROM (SELECT props FROM events WHERE ${scope} AND props IS NOT NULL) AS e, json_each(e.props) AS j
WHERE json_type(e.props) = 'object'
GROUP BY 1 ORDER BY n DESC, key LIMIT ?`,
    params,
  };
}
