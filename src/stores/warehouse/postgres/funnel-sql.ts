import type { FunnelStep } from '../product-analytics.ts';
import { hasWildcard, likePattern, type CheckedFunnel } from '../funnel-query.ts';
import { propertyMatch } from './custom-events-props.ts';
import { Params } from './statements.ts';

/**
 * The funnel as one PostgreSQL statement (PostgreSQL 15 and PGlite), following the definitions in
 * ../product-analytics.ts:
 * 1. `ev`: the site's events in the range (humans only unless the site counts bots), with one
 *    boolean per step saying whether the event matches it;
 * 2. `r`: each visitor's (or session's) events in the funnel's order — time, then the first step
 *    an event matches (events matching none last), then event_id — numbered `pos`;
 * 3. `w`: per event, window aggregates over the events after it: where the next candidate for each
 *    step is (sequential: the next event matching it; strict: the next event that is not a repeat
 *    of the previous step; any: the time of the next event matching it, this one included);
 * 4. attempts: one per first-step event (any order: per event matching any step), its steps
 *    followed through per-visitor arrays — greedy, each step the earliest candidate;
 * 5. per visitor the attempt reaching the most steps, the earliest on a tie (DISTINCT ON);
 * 6. per step: how many reached it, and the median (percentile_cont 0.5: the mean of the two
 *    middle values on an even count) of the ms from the previous step.
 */

export interface FunnelStatement {
  text: string;
  params: unknown[];
}

/** A boolean expression: does the row match this step? (NULL-free: coalesced by the caller.) */
function stepMatch(step: FunnelStep, p: Params): string {
  const kind =
    step.kind === 'page'
      ? `type = 'page_view' AND path ${hasWildcard(step.path) ? `LIKE ${p.add(likePattern(step.path))}::text ESCAPE '\\'` : `= ${p.add(step.path)}::text`}`
      : `type = 'custom' AND event_name = ${p.add(step.name)}::text`;
  if (step.property === undefined) return kind;
  return `${kind} AND ${propertyMatch(step.property, p)}`;
}

const stepNumbers = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/**
 * Attempts of the sequential and strict orders: the chain of steps from each first-step event,
 * followed through per-visitor arrays (pos is the array index): pointer-chasing by subscript, where
 * self-joins of the event rows were quadratic per visitor under PGlite's estimates. OFFSET 0 keeps
 * each link a subquery evaluated once per row: pulled up, step k's expression would embed step
 * k-1's three times over (3^7 copies for 8 steps).
 */
function chainAttempts(q: CheckedFunnel, window: string): string[] {
  const ks = stepNumbers(q.steps.length);
  const arrays = [
    'array_agg(t ORDER BY pos) AS ts',
    'array_agg(m1 ORDER BY pos) AS m1s',
    ...ks.slice(1).map((k) => `array_agg(x${k} ORDER BY pos) AS x${k}s`),
    ...(q.order === 'strict' ? ks.slice(1).map((k) => `array_agg(m${k} ORDER BY pos) AS m${k}s`) : []),
  ];
  const links = ks.slice(1).map((k) => {
    const candidate = `g.x${k}s[l${k - 1}.p${k - 1}]`;
    // strict: the candidate is the next event that is not one more of step k-1; it must be step k's.
    const isStep = q.order === 'strict' ? ` AND g.m${k}s[${candidate}]` : '';
    return `CROSS JOIN LATERAL (SELECT CASE WHEN g.ts[${candidate}] <= l1.t1 + ${window}${isStep} THEN ${candidate} END AS p${k} OFFSET 0) l${k}`;
  });
  const cs = ks.map((k) => `g.ts[l${k}.p${k}]`);
  return [
    `g AS (SELECT ent, ${arrays.join(', ')} FROM w GROUP BY ent)`,
    `attempts AS (
  SELECT g.ent, l1.p1, num_nonnulls(${ks.map((k) => `l${k}.p${k}`).join(', ')}) AS level, ${cs.map((c, i) => `${c} AS c${i + 1}`).join(', ')}
  FROM g CROSS JOIN LATERAL unnest(g.m1s) WITH ORDINALITY AS s(start, p)
  CROSS JOIN LATERAL (SELECT s.p AS p1, g.ts[s.p] AS t1 OFFSET 0) l1
  ${links.join('\n  ')}
  WHERE s.start
)`,
  ];
}

/** Attempts of the any order: from each event matching a step, the earliest match of every step within the window. */
function anyAttempts(q: CheckedFunnel, window: string): string[] {
  const ks = stepNumbers(q.steps.length);
  const within = (k: number) => `coalesce(f${k} <= t + ${window}, false)`;
  const level = ks.map((k) => `(${ks.slice(0, k).map(within).join(' AND ')})::int`).join(' + ');
  // GREATEST skips NULLs: c_k is only read where level >= k, where f1..fk are all set.
  const done = ks.map(
    (k) =>
      `GREATEST(${ks
        .slice(0, k)
        .map((j) => `f${j}`)
        .join(', ')}) AS c${k}`,
  );
  return [`attempts AS (SELECT ent, pos AS p1, ${level} AS level, ${done.join(', ')} FROM w WHERE first <= ${ks.length})`];
}

/** Per event, where each step's next candidate is (see step 3 above). */
function lookaheadColumns(q: CheckedFunnel): string[] {
  const ks = stepNumbers(q.steps.length);
  if (q.order === 'any') return ks.map((k) => `min(t) FILTER (WHERE m${k}) OVER rest AS f${k}`);
  // 0 for none: the arrays stay free of NULLs (subscripting one with NULLs walks its bitmap), and
  // index 0 reads NULL.
  if (q.order === 'sequential') return ks.slice(1).map((k) => `coalesce(min(pos) FILTER (WHERE m${k}) OVER later, 0) AS x${k}`);
  // strict: the next event that is not one more of step k-1 (an event matching step k too counts as step k).
  return ks.slice(1).map((k) => `coalesce(min(pos) FILTER (WHERE NOT (m${k - 1} AND NOT m${k})) OVER later, 0) AS x${k}`);
}

export function funnelSql(q: CheckedFunnel, countsBots: boolean): FunnelStatement {
  const p = new Params();
  const ks = stepNumbers(q.steps.length);
  const n = ks.length;
  const entity = q.countBy === 'sessions' ? 'session_id' : 'user_id';
  const site = p.add(q.range.site);
  const from = p.add(new Date(q.range.from).toISOString());
  const to = p.add(new Date(q.range.to).toISOString());
  const matches = q.steps.map((step, i) => `coalesce(${stepMatch(step, p)}, false) AS m${i + 1}`);
  const window = `${p.add(q.windowMs)}::int8`;
  const bots = countsBots ? '' : 'AND NOT is_bot';
  const first = `CASE ${ks.map((k) => `WHEN m${k} THEN ${k}`).join(' ')} ELSE ${n + 1} END`;
  // Strict needs every event (any other event breaks the chain); the other orders only matching ones.
  const relevant = q.order === 'strict' ? '' : `WHERE ${ks.map((k) => `m${k}`).join(' OR ')}`;
  const attempts = q.order === 'any' ? anyAttempts(q, window) : chainAttempts(q, window);
  const cs = ks.map((k) => `c${k}`);
  const figures = ks.map((k) =>
    k === 1
      ? `count(*) FILTER (WHERE level >= 1)::float8 AS e1`
      : `count(*) FILTER (WHERE level >= ${k})::float8 AS e${k},` +
        ` percentile_cont(0.5) WITHIN GROUP (ORDER BY (c${k} - c${k - 1})::float8) FILTER (WHERE level >= ${k}) AS m${k}`,
  );
  const text = `
WITH ev AS (
  SELECT ${entity} AS ent, (extract(epoch FROM received_at) * 1000)::int8 AS t, event_id, ${matches.join(', ')}
  FROM events
  WHERE site = ${site}::text AND received_at >= ${from}::timestamptz AND received_at < ${to}::timestamptz ${bots}
),
r AS (
  SELECT ev.*, ${first} AS first, row_number() OVER (PARTITION BY ent ORDER BY t, ${first}, event_id) AS pos
  FROM ev ${relevant}
),
w AS (
  SELECT r.*, ${lookaheadColumns(q).join(', ')}
  FROM r
  WINDOW later AS (PARTITION BY ent ORDER BY pos ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING),
    rest AS (PARTITION BY ent ORDER BY pos ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)
),
${attempts.join(',\n')},
best AS (
  SELECT DISTINCT ON (ent) ent, level, ${cs.join(', ')} FROM attempts WHERE level > 0 ORDER BY ent, level DESC, p1
)
SELECT ${figures.join(',\n  ')}
FROM best`;
  return { text, params: p.values };
}
