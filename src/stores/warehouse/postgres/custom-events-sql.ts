import type { TimeRange } from '../warehouse.ts';
import { cleanText } from './event-rows.ts';
import { propertyText, propsJson } from './custom-events-props.ts';
import { Params } from './statements.ts';

/**
 * Custom events on PostgreSQL / PGlite, from the raw events (type 'custom', event_name, props).
 * Visitors are distinct (site, user_id) pairs; ties sort in byte order (the columns are COLLATE "C").
 */

type Sql = { text: string; params: unknown[] };

/** The custom events of a range (one name, or all), humans only unless their site counts bots. */
function customScope(p: Params, range: TimeRange, botSites: readonly string[], name?: string): string {
  const from = p.add(new Date(range.from).toISOString());
  const to = p.add(new Date(range.to).toISOString());
  const site = range.site === undefined ? '' : ` AND site = ${p.add(range.site)}::text`;
  const humans = botSites.length === 0 ? ' AND NOT is_bot' : ` AND (NOT is_bot OR site = ANY(${p.add(botSites)}::text[]))`;
  const only = name === undefined ? '' : ` AND event_name = ${p.add(cleanText(name))}::text`;
  return `type = 'custom' AND received_at >= ${from}::timestamptz AND received_at < ${to}::timestamptz${site}${humans}${only}`;
}

export function customEventsSql(range: TimeRange, botSites: readonly string[], limit: number): Sql {
  const p = new Params();
  const text = `
SELECT event_name AS name, count(*)::float8 AS events, count(DISTINCT (site, user_id))::float8 AS visitors
FROM events WHERE ${customScope(p, range, botSites)} AND event_name IS NOT NULL
GROUP BY event_name ORDER BY events DESC, name LIMIT ${p.add(limit)}`;
  return { text, params: p.values };
}

export function customEventSeriesSql(range: TimeRange, botSites: readonly string[], name: string, bucket: 'hour' | 'day'): Sql {
  const p = new Params();
  const scope = customScope(p, range, botSites, name);
  const text = `
SELECT (extract(epoch FROM date_trunc(${p.add(bucket)}::text, received_at, 'UTC')) * 1000)::float8 AS ts,
  count(*)::float8 AS events, count(DISTINCT (site, user_id))::float8 AS visitors
FROM events WHERE ${scope}
GROUP BY 1 ORDER BY 1`;
  return { text, params: p.values };
}

export function eventPropertySql(range: TimeRange, botSites: readonly string[], name: string, key: string, limit: number): Sql {
  const p = new Params();
  const scope = customScope(p, range, botSites, name);
  const value = propertyText('j', p.add(cleanText(key)));
  const text = `
SELECT coalesce(${value}, '(none)') COLLATE "C" AS value, count(*)::float8 AS events, count(DISTINCT (site, user_id))::float8 AS visitors
FROM (SELECT site, user_id, ${propsJson} AS j FROM events WHERE ${scope}) e
GROUP BY 1 ORDER BY events DESC, value LIMIT ${p.add(limit)}`;
  return { text, params: p.values };
}

export function eventPropertyKeysSql(range: TimeRange, botSites: readonly string[], name: string, limit: number): Sql {
  const p = new Params();
  const scope = customScope(p, range, botSites, name);
  // json_object_keys refuses anything but an object: props is one by contract, but a stored row is not re-validated.
  const text = `
SELECT k COLLATE "C" AS key, count(*) AS n
FROM (SELECT ${propsJson} AS j FROM events WHERE ${scope} AND props IS NOT NULL) e,
  LATERAL json_object_keys(CASE WHEN json_typeof(e.j) = 'object' THEN e.j ELSE '{}'::json END) AS k
GROUP BY 1 ORDER BY n DESC, key LIMIT ${p.add(limit)}`;
  return { text, params: p.values };
}
