/**
 * The Retention view's model, without the DOM: the range of the last N whole periods, the triangle
 * table's rows with each cell's share of its cohort, the heat-map colour of a share, and the
 * retention curve (the share of all cohorts' visitors back k periods later, over the cohorts old
 * enough to have a period k).
 */
import type { RetentionCohort, RetentionPeriod } from './analytics-types.ts';

const DAY = 86_400_000;
export const periodMs = (period: RetentionPeriod): number => (period === 'day' ? DAY : 7 * DAY);

/** The start of the UTC day, or of the ISO week (Monday), holding `ms`: the server's cohorts start there. */
export function periodStart(ms: number, period: RetentionPeriod): number {
  const day = Math.floor(ms / DAY) * DAY;
  return period === 'day' ? day : day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
}

/** The last `count` periods, the current one included (so the first cohort is a whole period). */
export const lastPeriods = (period: RetentionPeriod, count: number, now: number) => ({
  from: periodStart(now, period) - (count - 1) * periodMs(period),
  to: now,
});

export const spanChoices: Record<RetentionPeriod, readonly number[]> = { day: [7, 14, 30], week: [4, 8, 12] };

export interface RetentionCell {
  count: number;
  /** count ÷ the cohort's visitors (0 for an empty cohort). */
  share: number;
}

export interface RetentionRow {
  start: number;
  visitors: number;
  cells: RetentionCell[];
}

export function retentionRows(cohorts: readonly RetentionCohort[]): RetentionRow[] {
  return cohorts.map((cohort) => ({
    start: cohort.start,
    visitors: cohort.visitors,
    cells: cohort.retained.map((count) => ({ count, share: cohort.visitors === 0 ? 0 : count / cohort.visitors })),
  }));
}

/** Share of returning visitors k periods after the first, over every cohort that has a period k (and visitors). */
export function retentionCurve(cohorts: readonly RetentionCohort[]): number[] {
  const longest = Math.max(0, ...cohorts.map((cohort) => cohort.retained.length));
  return Array.from({ length: longest }, (_, k) => {
    const old = cohorts.filter((cohort) => cohort.visitors > 0 && cohort.retained.length > k);
    const visitors = old.reduce((sum, cohort) => sum + cohort.visitors, 0);
    const back = old.reduce((sum, cohort) => sum + (cohort.retained[k] ?? 0), 0);
    return visitors === 0 ? 0 : back / visitors;
  });
}

/** The heat map's colour of a share: the indigo of the charts, stronger as more came back. */
export const heatColor = (share: number): string => `rgba(129, 140, 248, ${(0.06 + 0.74 * Math.min(1, Math.max(0, share))).toFixed(3)})`;

const dayFormat = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** "Nov 30" (a day) or "Week of Nov 30". */
export const cohortLabel = (start: number, period: RetentionPeriod): string =>
  period === 'day' ? dayFormat.format(start) : `Week of ${dayFormat.format(start)}`;

/** "Day 0", "Week 3". */
export const periodLabel = (k: number, period: RetentionPeriod): string => `${period === 'day' ? 'Day' : 'Week'} ${k}`;
