import {
  retentionPeriods,
  type FunnelStep,
  type RetentionCohort,
  type RetentionPeriod,
  type RetentionQuery,
  type RetentionResult,
} from './product-analytics.ts';

/**
 * Retention's period arithmetic and result assembly, shared by every adapter (PostgreSQL, PGlite
 * and ClickHouse import it), so the SQL only has to count (cohort, k) cells.
 *
 * A period is numbered from the epoch in whole seconds: day n is [n·86400, (n+1)·86400) s, UTC; week n
 * starts on a Monday (1970-01-01 was a Thursday, so weeks are shifted by 3 days). Both engines compute
 * floor((epoch seconds + offset) / length) on the event's received_at.
 */
export const periodSeconds: Record<RetentionPeriod, { offset: number; length: number }> = {
  day: { offset: 0, length: 86_400 },
  week: { offset: 3 * 86_400, length: 7 * 86_400 },
};

/** The number of the period holding the instant `ms` (epoch ms). */
export function periodIndex(ms: number, period: RetentionPeriod): number {
  const { offset, length } = periodSeconds[period];
  return Math.floor((Math.floor(ms / 1000) + offset) / length);
}

/** The first instant (epoch ms, UTC) of period `index`. */
export function periodStart(index: number, period: RetentionPeriod): number {
  const { offset, length } = periodSeconds[period];
  return (index * length - offset) * 1000;
}

/** One counted cell: of the visitors of cohort `cohort` (a period number), `n` had a returning event in period cohort + k (k = 0: the cohort's size). */
export interface RetentionCell {
  cohort: number;
  k: number;
  n: number;
}

function checkStep(step: FunnelStep): void {
  if (step.kind === 'page') {
    if (typeof step.path !== 'string') throw new RangeError('a page step needs a path');
  } else if (step.kind === 'event') {
    if (typeof step.name !== 'string') throw new RangeError('an event step needs a name');
  } else throw new RangeError(`unknown step kind ${JSON.stringify((step as { kind: unknown }).kind)}`);
  if (step.property === undefined) return;
  const { key, value } = step.property;
  if (typeof key !== 'string' || key.length === 0 || key.length > 128 || typeof value !== 'string')
    throw new RangeError('a property filter needs a key (1 to 128 characters) and a value, both text');
  // The funnels' rule (funnel-query.ts), so a step means the same in both: a key JSON would escape is refused.
  if (/["\\\u0000-\u001f\u007f]/.test(key)) throw new RangeError('a property key must not hold quotes, backslashes or control characters');
}

/** Refuses a query the port does not allow; false when its range is empty (no cohorts to count). */
export function checkRetentionQuery(query: RetentionQuery): boolean {
  const { range } = query;
  if (typeof range.site !== 'string') throw new RangeError('retention needs a site');
  if (!Number.isFinite(range.from) || !Number.isFinite(range.to))
    throw new RangeError('time range bounds must be finite epoch milliseconds');
  if (!(retentionPeriods as readonly string[]).includes(query.period))
    throw new RangeError(`unknown retention period ${JSON.stringify(query.period)}`);
  if (query.returning !== undefined) checkStep(query.returning);
  return range.from < range.to;
}

/**
 * The cohorts (oldest first, only those with visitors) with `retained` padded with zeros up to the
 * period holding the range's last instant.
 */
export function assembleRetention(period: RetentionPeriod, to: number, cells: readonly RetentionCell[]): RetentionResult {
  const last = periodIndex(to - 1, period);
  const byCohort = new Map<number, RetentionCohort>();
  for (const cell of cells) {
    if (cell.k !== 0) continue;
    byCohort.set(cell.cohort, {
      start: periodStart(cell.cohort, period),
      visitors: cell.n,
      retained: Array.from({ length: Math.max(1, last - cell.cohort + 1) }, (_, k) => (k === 0 ? cell.n : 0)),
    });
  }
  for (const cell of cells) {
    const cohort = byCohort.get(cell.cohort);
    if (cell.k > 0 && cohort !== undefined && cell.k < cohort.retained.length) cohort.retained[cell.k] = cell.n;
  }
  return { period, cohorts: [...byCohort.values()].sort((a, b) => a.start - b.start) };
}
