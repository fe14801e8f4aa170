import { badRequest } from '../shared/errors.ts';
import type { FunnelStep, PropertyFilter, RetentionPeriod } from '../stores/warehouse/product-analytics.ts';
import type { TimeRange } from '../stores/warehouse/warehouse.ts';

/**
 * The text form of a funnel (or retention) step, as the analytics API takes it in `step=` query
 * parameters and saved funnels give it back:
 *
 *   page:/pricing              a page view whose path matches (`*` matches any run of characters)
 *   event:signup               a custom event of that name
 *   event:signup|plan=pro      …whose property `plan` is `pro` (as text; numbers and booleans as JSON)
 *   page:/docs/*|lang=en       a page step may carry a property filter too
 *
 * `\` escapes the next character, so a name, path, key or value can hold a literal `|`, `=` or `\`
 * (`event:a\|b` is the event named "a|b"). Everything else is taken as written: no trimming.
 */

export const STEP_KINDS = ['page', 'event'] as const;
export const MIN_STEPS = 2;
export const MAX_STEPS = 8;
/** Longest step text accepted (a 2048-character path, a filter and escapes). */
export const MAX_STEP_TEXT = 3000;
const MAX_PATH = 2048;
const MAX_NAME = 128;
const MAX_KEY = 128;
const MAX_VALUE = 512;

const badStep = (text: string, why: string) =>
  badRequest(
    'bad_step',
    `step "${text.length > 80 ? `${text.slice(0, 80)}…` : text}": ${why} (write page:/path, event:name, or either with |key=value)`,
  );

/** Splits `text` at each unescaped `separator`, at most `limit` parts (the last keeps the rest, escapes intact). */
function splitUnescaped(text: string, separator: string, limit: number): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length && parts.length < limit - 1; i += 1) {
    if (text[i] === '\\') i += 1;
    else if (text[i] === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Drops the escapes; a trailing lone `\` is an error (it escapes nothing). */
function unescape(text: string, whole: string): string {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] ?? '';
    if (char !== '\\') {
      out += char;
      continue;
    }
    const next = text[i + 1];
    if (next === undefined) throw badStep(whole, 'a "\\" at the end escapes nothing');
    out += next;
    i += 1;
  }
  return out;
}

const escapeText = (text: string): string => text.replace(/[\\|=]/g, (char) => `\\${char}`);

const printable = (text: string) => !/[\u0000-\u001f\u007f]/.test(text);

function parseFilter(text: string, whole: string): PropertyFilter {
  const parts = splitUnescaped(text, '=', 2);
  if (parts.length < 2) throw badStep(whole, 'a property filter is key=value');
  const key = unescape(parts[0] ?? '', whole);
  const value = unescape(parts[1] ?? '', whole);
  if (key === '' || key.length > MAX_KEY || !printable(key)) throw badStep(whole, `a property key is 1–${MAX_KEY} printable characters`);
  if (value.length > MAX_VALUE || !printable(value)) throw badStep(whole, `a property value is at most ${MAX_VALUE} printable characters`);
  return { key, value };
}

/** One step's text as a FunnelStep; a 400 `bad_step` that says what is wrong otherwise. */
export function parseStep(text: string): FunnelStep {
  if (text.length > MAX_STEP_TEXT) throw badStep(text, `a step is at most ${MAX_STEP_TEXT} characters`);
  const colon = text.indexOf(':');
  const kind = colon < 0 ? '' : text.slice(0, colon);
  if (kind !== 'page' && kind !== 'event') throw badStep(text, 'it must start with page: or event:');
  const [targetText = '', filterText, extra] = splitUnescaped(text.slice(colon + 1), '|', 3);
  if (extra !== undefined) throw badStep(text, 'a step has at most one property filter (escape a literal | as \\|)');
  const target = unescape(targetText, text);
  const property = filterText === undefined ? undefined : parseFilter(filterText, text);
  if (kind === 'page') {
    if (!target.startsWith('/') && !target.startsWith('*')) throw badStep(text, 'a page path starts with / (or *)');
    if (target.length > MAX_PATH || !printable(target)) throw badStep(text, `a page path is at most ${MAX_PATH} printable characters`);
    return property === undefined ? { kind, path: target } : { kind, path: target, property };
  }
  if (target === '' || target.length > MAX_NAME || !printable(target)) {
    throw badStep(text, `an event name is 1–${MAX_NAME} printable characters`);
  }
  return property === undefined ? { kind, name: target } : { kind, name: target, property };
}

/** The text form of a step: parseStep(formatStep(step)) equals step. */
export function formatStep(step: FunnelStep): string {
  const target = step.kind === 'page' ? `page:${escapeText(step.path)}` : `event:${escapeText(step.name)}`;
  return step.property === undefined ? target : `${target}|${escapeText(step.property.key)}=${escapeText(step.property.value)}`;
}

/** A funnel's steps: 2 to 8 of them, each parsed. */
export function parseSteps(texts: readonly string[]): FunnelStep[] {
  if (texts.length < MIN_STEPS || texts.length > MAX_STEPS) {
    throw badRequest('bad_steps', `a funnel has ${MIN_STEPS} to ${MAX_STEPS} steps (step=…, repeated); got ${texts.length}`);
  }
  return texts.map(parseStep);
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** The longest range an analytics question may cover: a leap year, as /query/aggregates. */
export const MAX_RANGE_MS = 366 * DAY_MS;
/** The longest conversion window: 90 days. */
export const MAX_WINDOW_SECONDS = 90 * 24 * 3600;
export const DEFAULT_WINDOW_SECONDS = 24 * 3600;

export interface AnalyticsRangeQuery {
  from?: string | undefined;
  to?: string | undefined;
  /** The last `hours` before `to`, instead of `from`. */
  hours?: number | undefined;
}

/**
 * A question's range: `to` defaults to now; the start is `from`, or `hours` before `to`, or
 * `defaultSpan(to)` before it. Both `from` and `hours`, an empty range, or one over a leap year are 400s.
 */
export function analyticsRange(query: AnalyticsRangeQuery, now: number, defaultFrom: (to: number) => number): { from: number; to: number } {
  if (query.from !== undefined && query.hours !== undefined) throw badRequest('bad_range', 'give `from` or `hours`, not both');
  const to = query.to === undefined ? now : Date.parse(query.to);
  const from = query.from !== undefined ? Date.parse(query.from) : query.hours !== undefined ? to - query.hours * HOUR_MS : defaultFrom(to);
  if (!(from < to)) throw badRequest('bad_range', '`from` must be before `to`');
  if (to - from > MAX_RANGE_MS) throw badRequest('range_too_long', 'a range is at most 366 days');
  return { from, to };
}

/** The start of the UTC day, or of the ISO week (Monday), holding `ms`. */
export function periodStart(ms: number, period: RetentionPeriod): number {
  const day = Math.floor(ms / DAY_MS) * DAY_MS;
  if (period === 'day') return day;
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return day - weekday * DAY_MS;
}

/** Most cohorts a retention table may have: 90 days, or 53 weeks. */
export const MAX_COHORTS: Record<RetentionPeriod, number> = { day: 90, week: 53 };

/** Retention's default range: the last 14 days, or the last 8 weeks, starting on a whole period (so the first cohort is complete). */
export const defaultRetentionFrom = (period: RetentionPeriod) => (to: number) =>
  periodStart(to, period) - (period === 'day' ? 13 * DAY_MS : 7 * 7 * DAY_MS);

/** How many cohorts (periods) a range spans; over the period's limit is a 400. */
export function checkCohorts(range: TimeRange, period: RetentionPeriod): number {
  const length = period === 'day' ? DAY_MS : 7 * DAY_MS;
  const cohorts = Math.floor((range.to - 1 - periodStart(range.from, period)) / length) + 1;
  if (cohorts > MAX_COHORTS[period]) {
    throw badRequest(
      'range_too_long',
      `a ${period}ly retention table has at most ${MAX_COHORTS[period]} cohorts; this range has ${cohorts}`,
    );
  }
  return cohorts;
}

/** The trend's bucket: hours up to 7 days, days beyond, unless asked. */
export const trendBucket = (range: { from: number; to: number }, asked: 'hour' | 'day' | undefined): 'hour' | 'day' =>
  asked ?? (range.to - range.from <= 7 * DAY_MS ? 'hour' : 'day');
