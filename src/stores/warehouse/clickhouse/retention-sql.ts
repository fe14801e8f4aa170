import type { RetentionQuery } from '../product-analytics.ts';
import { periodSeconds } from '../retention-periods.ts';
import type { TimeRange } from '../warehouse.ts';
import { stepMatch } from './custom-events-props.ts';
import { rawSpans } from './queries.ts';
import type { Tables } from './schema.ts';
import { sqlString } from './sql.ts';

/**
 * Retention's cells on ClickHouse (18.16 and current): one row per visitor with the period of their
 * first event in the range (min over both raw tables) and the distinct periods of their returning
 * events, then ARRAY JOIN over [cohort] + the later periods counts (cohort, k) cells. `range` is
 * already normalized (queries.ts normalizeRange); bots count when the site is in botSites.
 */
export function retentionCellsSql(t: Tables, query: RetentionQuery, range: TimeRange, countBots: boolean): string {
  const { offset, length } = periodSeconds[query.period];
  const where = `site = ${sqlString(query.range.site)}${countBots ? '' : ' AND is_bot = 0'} AND (${rawSpans([{ from: range.from, to: range.to }])})`;
  const period = `intDiv(toUInt32(received_at) + ${offset}, ${length})`;
  const returning = (table: 'pageViews' | 'events') => (query.returning === undefined ? 'toUInt8(1)' : stepMatch(query.returning, table));
  const rows =
    `SELECT user_id, ${period} AS period, ${returning('pageViews')} AS is_return FROM ${t.pageViews} WHERE ${where}` +
    ` UNION ALL SELECT user_id, ${period} AS period, ${returning('events')} AS is_return FROM ${t.events} WHERE ${where}`;
  const visitors = `SELECT user_id, min(period) AS first, groupUniqArrayIf(period, is_return = 1) AS periods FROM (${rows}) GROUP BY user_id`;
  return (
    `SELECT first AS cohort, p - first AS k, count() AS n FROM (${visitors})` +
    ` ARRAY JOIN arrayConcat([first], arrayFilter(x -> x > first, periods)) AS p GROUP BY cohort, k`
  );
}
