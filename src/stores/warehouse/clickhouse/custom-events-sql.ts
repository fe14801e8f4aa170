import type { TimeRange } from '../warehouse.ts';
import { propertyKeys, propertyText, propsTokens, tokenDepths } from './custom-events-props.ts';
import { rawSpans } from './queries.ts';
import type { Tables } from './schema.ts';
import { sqlList, sqlString, sqlUInt } from './sql.ts';

/**
 * Custom events on ClickHouse (18.16 and current), from events_raw (type 'custom', event_name,
 * props). Visitors are distinct (site, user_id) pairs; strings sort in byte order. `range` is
 * already normalized (queries.ts normalizeRange) and not empty.
 */

function customScope(t: Tables, range: TimeRange, botSites: readonly string[], name?: string): string {
  const site = range.site === undefined ? '' : ` AND site = ${sqlString(range.site)}`;
  const humans = botSites.length === 0 ? ' AND is_bot = 0' : ` AND (is_bot = 0 OR site IN ${sqlList(botSites, sqlString)})`;
  const only = name === undefined ? '' : ` AND event_name = ${sqlString(name)}`;
  return `FROM ${t.events} WHERE type = 'custom'${site}${humans}${only} AND (${rawSpans([{ from: range.from, to: range.to }])})`;
}

export const customEventsSql = (t: Tables, range: TimeRange, botSites: readonly string[], limit: number): string =>
  `SELECT event_name AS name, count() AS events, uniqExact(site, user_id) AS visitors ${customScope(t, range, botSites)}` +
  ` GROUP BY name ORDER BY events DESC, name ASC LIMIT ${sqlUInt(limit)}`;

export function customEventSeriesSql(
  t: Tables,
  range: TimeRange,
  botSites: readonly string[],
  name: string,
  bucket: 'hour' | 'day',
): string {
  const seconds = bucket === 'hour' ? 3600 : 86_400;
  return (
    `SELECT intDiv(toUInt32(received_at), ${seconds}) * ${seconds} AS bucket_start, count() AS events, uniqExact(site, user_id) AS visitors` +
    ` ${customScope(t, range, botSites, name)} GROUP BY bucket_start ORDER BY bucket_start ASC`
  );
}

export function eventPropertySql(
  t: Tables,
  range: TimeRange,
  botSites: readonly string[],
  name: string,
  key: string,
  limit: number,
): string {
  const value = propertyText('tokens', 'depths', key, `'(none)'`);
  const rows = `SELECT site, user_id, ${propsTokens('props')} AS tokens, ${tokenDepths('tokens')} AS depths ${customScope(t, range, botSites, name)}`;
  return (
    `SELECT ${value} AS value, count() AS events, uniqExact(site, user_id) AS visitors FROM (${rows})` +
    ` GROUP BY value ORDER BY events DESC, value ASC LIMIT ${sqlUInt(limit)}`
  );
}

export function eventPropertyKeysSql(t: Tables, range: TimeRange, botSites: readonly string[], name: string, limit: number): string {
  const rows = `SELECT ${propsTokens('props')} AS tokens, ${tokenDepths('tokens')} AS depths ${customScope(t, range, botSites, name)}`;
  return (
    `SELECT key, count() AS n FROM (SELECT ${propertyKeys('tokens', 'depths')} AS keys FROM (${rows}))` +
    ` ARRAY JOIN keys AS key GROUP BY key ORDER BY n DESC, key ASC LIMIT ${sqlUInt(limit)}`
  );
}
