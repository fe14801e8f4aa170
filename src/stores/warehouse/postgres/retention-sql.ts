import type { RetentionQuery } from '../product-analytics.ts';
import { stepMatch } from './custom-events-props.ts';
import { periodSeconds } from '../retention-periods.ts';
import { Params } from './statements.ts';

/**
 * Retention's cells on PostgreSQL / PGlite: per cohort (the period of each visitor's first event in
 * the range), its size (k = 0) and, for k ≥ 1, how many of its visitors had a returning event in
 * period cohort + k. `countBots`: the site counts its bots (botSites holds it), so they are read too.
 */
export function retentionCellsSql(query: RetentionQuery, countBots: boolean): { text: string; params: unknown[] } {
  const p = new Params();
  const { offset, length } = periodSeconds[query.period];
  const site = p.add(query.range.site);
  const from = p.add(new Date(query.range.from).toISOString());
  const to = p.add(new Date(query.range.to).toISOString());
  const returning = query.returning === undefined ? 'true' : stepMatch(query.returning, p);
  const text = `
WITH active AS (
  -- One row per visitor and period first: the passes below read these, not every event.
  SELECT user_id, floor((extract(epoch FROM received_at) + ${offset}) / ${length})::int8 AS period, bool_or(${returning}) AS returned
  FROM events
  WHERE site = ${site}::text AND received_at >= ${from}::timestamptz AND received_at < ${to}::timestamptz${countBots ? '' : ' AND NOT is_bot'}
  GROUP BY 1, 2
),
cohorts AS (
  SELECT user_id, min(period) AS cohort FROM active GROUP BY user_id
)
SELECT c.cohort::float8 AS cohort, (a.period - c.cohort)::float8 AS k, count(*)::float8 AS n
FROM cohorts c JOIN active a ON a.user_id = c.user_id AND (a.period = c.cohort OR (a.period > c.cohort AND a.returned))
GROUP BY c.cohort, a.period`;
  return { text, params: p.values };
}
