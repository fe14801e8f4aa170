import type { FunnelStep, PropertyFilter } from '../product-analytics.ts';
import { sqlString } from './sql.ts';

/**
 * Reading an event's `props` (its JSON text, the MATERIALIZED `props` column) on ClickHouse 18.16
 * and on current engines with one SQL text. 18.16 has no JSONExtract* functions, and its
 * visitParamExtract* functions find a name at any nesting level (the first `"name":` in the text),
 * so `{"meta":{"plan":"x"},"plan":"pro"}` would read plan = "x". Instead the text is cut into JSON
 * tokens by one regular expression (extractAll, in 18.16), each token's nesting depth is a running
 * sum (arrayCumSum), and only the keys at depth 1 (the props object's own keys) are read: the same
 * answer as PostgreSQL's `json -> key` and json_object_keys.
 *
 * The tokens of a text written by JSON.stringify (no whitespace): a string, with the `:` that
 * follows it when it is a key; one of `{ } [ ] ,`; or a scalar (number, true, false, null). Joined
 * back, a run of tokens is exactly the JSON text it came from, so a nested object's value reads as
 * its own JSON text.
 *
 * Limits: JSON with whitespace between tokens (never written by Pulse, whose rows come from
 * JSON.stringify) reads scalars with that whitespace; when a key occurs twice in one object the
 * first wins. `\u0000` in the text reads as U+FFFD, as PostgreSQL stores it (text cannot hold NUL).
 */

/** One JSON token: a string (a key keeps its colon), a bracket or comma, or a scalar. */
const TOKEN = String.raw`"(?:[^"\\]|\\.)*":?|[{}\[\],]|[^"{}\[\],:]+`;

/** The props text with `\u0000` escapes read as U+FFFD (PostgreSQL's rule; see event-rows.ts there). */
export const cleanProps = (props: string): string =>
  `replaceAll(${props}, ${sqlString(String.raw`\u0000`)}, ${sqlString(String.raw`\ufffd`)})`;

/** The tokens of a props text (Array(String)). */
export const propsTokens = (props: string): string => `extractAll(${cleanProps(props)}, ${sqlString(TOKEN)})`;

/** The nesting depth after each token (Array(Int64)): the props object's own keys are at depth 1. */
export const tokenDepths = (tokens: string): string =>
  `arrayCumSum(arrayMap(bt -> multiIf(bt = '{' OR bt = '[', 1, bt = '}' OR bt = ']', -1, 0), ${tokens}))`;

/** How a key is written in the JSON text, colon included (the token it must equal). */
const keyToken = (key: string): string => sqlString(`${JSON.stringify(key)}:`);

/** A JSON string token's value, unescaped (visitParamExtractString reads JSON escapes, in 18.16 too). */
const decodedString = (token: string): string => `visitParamExtractString(concat('{"v":', ${token}, '}'), 'v')`;

/**
 * The value of `props[key]` as text (a string as is; a number, boolean, null, object or array as
 * its JSON text), or `missing` when the props object has no such key. `tokens`/`depths` are
 * expressions (or aliases) of propsTokens / tokenDepths over the same props.
 */
export function propertyText(tokens: string, depths: string, key: string, missing: string, scalarsOnly = false): string {
  const at = `arrayFirstIndex((kt, kd) -> kd = 1 AND kt = ${keyToken(key)}, ${tokens}, ${depths})`;
  // The value runs from the token after the key to the first token back at depth 1 (the same one for a scalar).
  const end = `arrayFirstIndex((vd, vn) -> vn > ${at} AND vd = 1, ${depths}, arrayEnumerate(${depths}))`;
  const raw = `arrayStringConcat(arraySlice(${tokens}, ${at} + 1, ${end} - ${at}))`;
  // A scalar is one token: a string, or a number/boolean/null.
  const absent = scalarsOnly ? `${at} = 0 OR ${end} != ${at} + 1 OR ${raw} = 'null'` : `${at} = 0`;
  return `if(${absent}, ${missing}, if(startsWith(${raw}, '"'), ${decodedString(raw)}, ${raw}))`;
}

/** The props object's own keys (Array(String)), unescaped, in the order written. */
export function propertyKeys(tokens: string, depths: string): string {
  const own = `arrayFilter((tok, depth) -> depth = 1 AND endsWith(tok, '":'), ${tokens}, ${depths})`;
  return `arrayMap(tok -> ${decodedString('substring(tok, 1, length(tok) - 1)')}, ${own})`;
}

const regexSpecial = /[\\^$.|?*+()[\]{}]/g;

/** A page step's path pattern as an anchored RE2 expression: `*` is any run of characters (newlines too), the rest literal. */
export function pathRegex(pattern: string): string {
  return `(?s)^${pattern
    .split('*')
    .map((part) => part.replace(regexSpecial, (ch) => `\\${ch}`))
    .join('.*')}$`;
}

/** A filter's value as PostgreSQL reads it (U+0000 and lone surrogates as U+FFFD), so both engines compare the same text. */
const cleanValue = (value: string): string => value.toWellFormed().replaceAll('\u0000', '\uFFFD');

/**
 * The one property-filter rule of funnels, retention and custom events (UInt8, never NULL), on a
 * branch with a `props` column: the key among the props object's own keys (a nested object's keys
 * are not read, unlike visitParamExtract*), with a string, number or boolean value whose text
 * equals the filter's value; null, objects and arrays never match.
 */
export function propertyMatch(property: PropertyFilter): string {
  const tokens = propsTokens('props');
  const value = propertyText(tokens, tokenDepths(tokens), property.key, 'NULL', true);
  return `ifNull(${value} = ${sqlString(cleanValue(property.value))}, 0)`;
}

/**
 * Whether a row matches a step (UInt8), for a branch over page_views_raw (`table` 'pageViews',
 * columns page, props) or events_raw ('events': type, event_name, props).
 */
export function stepMatch(step: FunnelStep, table: 'pageViews' | 'events'): string {
  const kind = step.kind === 'page' ? 'pageViews' : 'events';
  if (kind !== table) return 'toUInt8(0)';
  const base =
    step.kind === 'page' ? `match(page, ${sqlString(pathRegex(step.path))})` : `type = 'custom' AND event_name = ${sqlString(step.name)}`;
  if (step.property === undefined) return `toUInt8(${base})`;
  return `toUInt8(${base} AND ${propertyMatch(step.property)})`;
}
