import type { FunnelStep, PropertyFilter } from '../product-analytics.ts';
import { cleanText } from './event-rows.ts';
import type { Params } from './statements.ts';

/**
 * Reading an event's `props` column (the props object as JSON text) on PostgreSQL and PGlite.
 * json, not jsonb: the text may hold `\u0000`, which jsonb refuses; and text cannot hold U+0000
 * either, so `\u0000` escapes are read as U+FFFD first (the rule event-rows.ts applies to every
 * stored text; ClickHouse's reads do the same, see clickhouse/custom-events-props.ts).
 */

/** The props of the row as json (NULL when the event had none). */
export const propsJson = `replace(props, '\\u0000', '\\ufffd')::json`;

/**
 * `props[key]` as text: a string as is; a number, boolean, null, object or array as its JSON text
 * (json keeps the text as written, so `1.50` stays `1.50`); NULL when the key is missing.
 * `json` is an expression of type json, `key` a placeholder.
 */
export const propertyText = (json: string, key: string): string =>
  `CASE WHEN json_typeof(${json} -> ${key}::text) = 'string' THEN ${json} ->> ${key}::text ELSE (${json} -> ${key}::text)::text END`;

/** A page step's path pattern as a LIKE pattern (backslash escapes): `*` is any run of characters, the rest literal. */
export const likePattern = (pattern: string): string =>
  cleanText(pattern)
    .split('*')
    .map((part) => part.replace(/[\\%_]/g, (ch) => `\\${ch}`))
    .join('%');

/**
 * The one property-filter rule of funnels, retention and custom events (boolean, never NULL): the
 * key among the props object's own keys, with a string, number or boolean value whose text equals
 * the filter's value; null, objects and arrays never match. Key and value become parameters of `p`.
 */
export function propertyMatch(property: PropertyFilter, p: Params): string {
  const key = p.add(cleanText(property.key));
  const scalar = `json_typeof(${propsJson} -> ${key}::text) IN ('string', 'number', 'boolean')`;
  return `coalesce(${scalar} AND ${propertyText(propsJson, key)} = ${p.add(cleanText(property.value))}::text, false)`;
}

/** Whether a row of events matches a step (boolean); values become parameters of `p`. */
export function stepMatch(step: FunnelStep, p: Params): string {
  const base =
    step.kind === 'page'
      ? `type = 'page_view' AND path LIKE ${p.add(likePattern(step.path))}::text`
      : `type = 'custom' AND event_name = ${p.add(cleanText(step.name))}::text`;
  if (step.property === undefined) return `(${base})`;
  return `(${base} AND ${propertyMatch(step.property, p)})`;
}
