/**
 * SQL literals for ClickHouse. ClickHouse 18.16 (Debian 12) has no `{name:Type}` query
 * parameters, so every value that reaches a query text goes through one of these functions;
 * nothing is interpolated raw. Rows themselves never go through SQL text: they are sent as
 * JSONEachRow (see executor.ts).
 *
 * The escapes used are the ones both 18.16 and current ClickHouse read in string literals:
 * `\\`, `\'`, `\n`, `\r`, `\t`, `\0`, `\b`, `\f` and `\xHH`.
 */

const escapes: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
};

// Control characters are exactly what must be escaped.
const needsEscape = /[\\'\u0000-\u001f\u007f]/g;

/**
 * A single-quoted string literal. A lone surrogate (not valid Unicode, so not encodable as UTF-8)
 * reads as U+FFFD, the same rule rows.ts applies to what is stored, so lookups still match.
 */
export function sqlString(value: string): string {
  if (typeof value !== 'string') throw new TypeError(`sqlString: expected a string, got ${typeof value}`);
  return `'${value.toWellFormed().replace(needsEscape, (ch) => escapes[ch] ?? `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`;
}

/** A numeric literal; NaN and infinities are refused (ClickHouse would read them as values). */
export function sqlNumber(value: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`sqlNumber: not a finite number: ${String(value)}`);
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) throw new RangeError(`sqlNumber: integer beyond 2^53: ${value}`);
  // String() of a finite number is a ClickHouse numeric literal (e.g. 12, -0.25, 1e+21, 5e-7).
  return Object.is(value, -0) ? '0' : String(value);
}

/** A non-negative integer literal (ids, offsets, epoch seconds, limits). */
export function sqlUInt(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`sqlUInt: not a non-negative integer: ${String(value)}`);
  return String(value);
}

const identifierPattern = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** A back-quoted identifier (database names); only plain names are accepted, so quoting is trivial. */
export function sqlIdentifier(name: string): string {
  if (!identifierPattern.test(name)) throw new RangeError(`sqlIdentifier: not a plain identifier: ${JSON.stringify(name)}`);
  return `\`${name}\``;
}

/** DateTime is seconds since the epoch as UInt32: the first and last second it can hold. */
export const DATETIME_MIN_MS = 0;
export const DATETIME_MAX_MS = 4_294_967_295_000;

/** Epoch ms → whole epoch seconds clamped into DateTime's range (range bounds may lie outside it). */
export function clampToDateTimeSeconds(ms: number): number {
  if (!Number.isFinite(ms)) throw new RangeError(`not a finite time: ${String(ms)}`);
  return Math.floor(Math.min(DATETIME_MAX_MS, Math.max(DATETIME_MIN_MS, ms)) / 1000);
}

/** A DateTime literal for the second holding `ms` (clamped into DateTime's range). */
export const sqlDateTime = (ms: number): string => `toDateTime(${sqlUInt(clampToDateTimeSeconds(ms))})`;

/** `(a, b, c)` for IN; an empty list is a programming error (`IN ()` is not SQL). */
export function sqlList<T>(values: readonly T[], literal: (value: T) => string): string {
  if (values.length === 0) throw new RangeError('sqlList: empty list');
  return `(${values.map(literal).join(', ')})`;
}
