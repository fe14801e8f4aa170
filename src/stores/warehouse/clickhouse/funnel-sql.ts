import type { FunnelStep } from '../product-analytics.ts';
import { hasWildcard, likePattern, type CheckedFunnel } from '../funnel-query.ts';
import { propertyMatch } from './custom-events-props.ts';
import { rawSpans } from './queries.ts';
import { receivedMs, type Tables } from './schema.ts';
import { sqlString, sqlUInt } from './sql.ts';

/**
 * The funnel as one ClickHouse query that runs on 18.16 (Debian 12) and current ClickHouse, following
 * the definitions in ../product-analytics.ts, the same steps as the PostgreSQL statement
 * (../postgres/funnel-sql.ts) in arrays instead of window functions:
 * 1. the site's rows of both raw tables in the range, each with a bit mask of the steps it matches;
 * 2. per visitor (or session), its events sorted in the funnel's order — (ms, first step matched,
 *    event_id) — as arrays T (ms) and M (mask), positions 1..N;
 * 3. per step k, an array of "where step k comes next" for every position (sequential: the next
 *    event matching it; strict: the next event that is not one more of step k-1, if it is step k's;
 *    any: the first event matching it at or after the position), each built in linear time from a
 *    running count (arrayCumSum) and the list of candidate positions — 18.16 has neither window
 *    functions nor arrayFold;
 * 4. ARRAY JOIN of the attempts' starts (first-step events; any order: events matching any step),
 *    the chain followed by subscripts (p_k = X_k[p_{k-1}]), the window checked against T;
 * 5. per visitor the attempt reaching the most steps, the earliest on a tie (argMax over one key);
 * 6. per step the count and the exact median (the mean of the two middles on an even count),
 *    computed over the sorted array: quantileExact would pick the upper middle instead.
 * Few subquery levels on purpose: 18.16 analyses nested subqueries again at every level, and a
 * layer per step made an 8-step funnel take seconds.
 *
 * Why not windowFunnel: in 18.16 it takes DateTime (whole seconds), lets one event fill two steps,
 * has no strict or any-order mode, and gives the level reached but not when each step happened,
 * which the median times need.
 */

/** One row's match of one step, on page_views_raw (`page`) or events_raw (`type`, `event_name`); null when it cannot match there. */
function stepMatch(step: FunnelStep, table: 'views' | 'events'): string | null {
  let kind: string;
  if (step.kind === 'page') {
    if (table !== 'views') return null;
    kind = hasWildcard(step.path) ? `page LIKE ${sqlString(likePattern(step.path))}` : `page = ${sqlString(step.path)}`;
  } else {
    if (table !== 'events') return null;
    kind = `type = 'custom' AND event_name = ${sqlString(step.name)}`;
  }
  if (step.property === undefined) return kind;
  return `${kind} AND ${propertyMatch(step.property)}`;
}

/** The step bit mask of a row of one table (bit k-1 for step k). */
function maskOf(steps: readonly FunnelStep[], table: 'views' | 'events'): string {
  const terms = steps.flatMap((step, i) => {
    const match = stepMatch(step, table);
    return match === null ? [] : [`if(${match}, ${2 ** i}, 0)`];
  });
  return terms.length === 0 ? 'toUInt16(0)' : `toUInt16(${terms.join(' + ')})`;
}

const stepNumbers = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Step 3: the per-step pointer arrays (see above), named X2..Xn (chains) or Y1..Yn (any order). */
function pointerArrays(q: CheckedFunnel): string[] {
  const ks = stepNumbers(q.steps.length);
  const candidates = (k: number, pred: string) => [
    `arrayCumSum(arrayMap(m -> toUInt32(${pred}), M)) AS C${k}`,
    `arrayFilter((i, m) -> ${pred}, P, M) AS I${k}`,
  ];
  if (q.order === 'any')
    return ks.flatMap((k) => [
      ...candidates(k, `bitTest(m, ${k - 1})`),
      `arrayMap((c, m) -> I${k}[c - bitTest(m, ${k - 1}) + 1], C${k}, M) AS Y${k}`,
    ]);
  if (q.order === 'sequential')
    return ks.slice(1).flatMap((k) => [...candidates(k, `bitTest(m, ${k - 1})`), `arrayMap(c -> I${k}[c + 1], C${k}) AS X${k}`]);
  // strict: the next event that is not one more of step k-1 (an event matching both counts as step k) must be step k's.
  return ks
    .slice(1)
    .flatMap((k) => [
      ...candidates(k, `NOT (bitTest(m, ${k - 2}) AND NOT bitTest(m, ${k - 1}))`),
      `arrayMap(c -> if(bitTest(M[I${k}[c + 1]], ${k - 1}), I${k}[c + 1], 0), C${k}) AS X${k}`,
    ]);
}

/**
 * Step 4: per attempt (start position s), its level — the steps before the first invalid one, read
 * from an array of validity flags so the expression stays linear in the number of steps — and when
 * steps 1..k were done (c_k, read where level >= k).
 */
function attemptColumns(q: CheckedFunnel, window: string): string[] {
  const ks = stepNumbers(q.steps.length);
  const levelOf = (valid: (k: number) => string) => `toUInt8(arrayFirstIndex(v -> v = 0, [${ks.map(valid).join(', ')}, 0]) - 1) AS level`;
  if (q.order === 'any') {
    return [
      ...ks.map((k) => `Y${k}[s] AS i${k}`),
      `[${ks.map((k) => `T[i${k}]`).join(', ')}] AS firsts`,
      levelOf((k) => `toUInt8(i${k} > 0 AND T[i${k}] <= t1 + ${window})`),
      ...ks.map((k) => `arrayReduce('max', arraySlice(firsts, 1, ${k})) AS c${k}`),
    ];
  }
  return [
    's AS p1',
    ...ks.slice(1).map((k) => `X${k}[p${k - 1}] AS p${k}`),
    // Positions only grow along a chain, so once a step is missing or past the window, so are the later ones.
    levelOf((k) => (k === 1 ? 'toUInt8(1)' : `toUInt8(p${k} > 0 AND T[p${k}] <= t1 + ${window})`)),
    ...ks.map((k) => `T[p${k}] AS c${k}`),
  ];
}

/** The median of a sorted array column (0 when empty: the caller reads no median where nobody entered). */
function median(array: string): string {
  const n = `length(${array})`;
  const middle = `intDiv(${n}, 2)`;
  return (
    `if(${n} = 0, toFloat64(0), if(${n} % 2 = 1, toFloat64(${array}[${middle} + 1]),` +
    ` (toFloat64(${array}[${middle}]) + toFloat64(${array}[${middle} + 1])) / 2))`
  );
}

export function funnelSql(t: Tables, q: CheckedFunnel, countsBots: boolean): string {
  const ks = stepNumbers(q.steps.length);
  const n = ks.length;
  const entity = q.countBy === 'sessions' ? 'session_id' : 'user_id';
  const where =
    `site = ${sqlString(q.range.site)}${countsBots ? '' : ' AND is_bot = 0'}` +
    ` AND (${rawSpans([{ from: q.range.from, to: q.range.to }])})`;
  const rows =
    `SELECT ${entity} AS ent, ${receivedMs} AS ms, event_id, ${maskOf(q.steps, 'views')} AS mask FROM ${t.pageViews} WHERE ${where}` +
    ` UNION ALL SELECT ${entity} AS ent, ${receivedMs} AS ms, event_id, ${maskOf(q.steps, 'events')} AS mask FROM ${t.events} WHERE ${where}`;
  const first = `multiIf(${ks.map((k) => `bitTest(mask, ${k - 1}), ${k}`).join(', ')}, ${n + 1})`;
  // Strict needs every event (any other event breaks the chain); the other orders only matching ones.
  const relevant = q.order === 'strict' ? '' : ' WHERE mask != 0';
  const sorted =
    `SELECT ent, arraySort(groupArray(tuple(ms, ${first}, event_id, mask))) AS ev,` +
    ` arrayMap(x -> tupleElement(x, 1), ev) AS T, arrayMap(x -> tupleElement(x, 4), ev) AS M FROM (${rows})${relevant} GROUP BY ent`;
  const pointers = `SELECT ent, T, M, arrayEnumerate(M) AS P, ${pointerArrays(q).join(', ')} FROM (${sorted})`;
  const startsAt = q.order === 'any' ? 'm != 0' : 'bitTest(m, 0)';
  const window = sqlUInt(q.windowMs);
  const attempts =
    `SELECT ent, s, T[s] AS t1, ${attemptColumns(q, window).join(', ')}, toUInt64(level) * 4294967296 + (4294967295 - s) AS rank` +
    ` FROM (${pointers}) ARRAY JOIN arrayFilter((i, m) -> ${startsAt}, P, M) AS s`;
  // rank: the most steps first, then the earliest start: one number, so argMax picks one attempt per visitor.
  const ranked = `SELECT * FROM (${attempts}) WHERE level > 0`;
  const gaps = ks.slice(1).map((k) => `argMax(if(level >= ${k}, toInt64(c${k}) - toInt64(c${k - 1}), 0), rank) AS d${k}`);
  const best = `SELECT ent, argMax(level, rank) AS reach, ${gaps.join(', ')} FROM (${ranked}) GROUP BY ent`;
  const perStep = ks.map((k) =>
    k === 1 ? 'countIf(reach >= 1) AS n1' : `countIf(reach >= ${k}) AS n${k}, arraySort(groupArrayIf(d${k}, reach >= ${k})) AS a${k}`,
  );
  const figures = ks.map((k) => (k === 1 ? 'toFloat64(n1) AS e1' : `toFloat64(n${k}) AS e${k}, ${median(`a${k}`)} AS m${k}`));
  return `SELECT ${figures.join(', ')} FROM (SELECT ${perStep.join(', ')} FROM (${best}))`;
}
