import type { FunnelOrder } from '../product-analytics.ts';

/**
 * The funnel's attempts walked over one visitor's (or session's) events, for the SQLite warehouse:
 * SQLite has no arrays to chase the next step by subscript as the PostgreSQL statement does, and its
 * rows arrive in the funnel's order (analytics-sql.ts, funnelEventsSql), so each entity is one pass
 * backwards to find where every step's next candidate is, then one greedy chase per attempt. The
 * rules are those of ../product-analytics.ts; the PostgreSQL and ClickHouse statements implement the
 * same ones, and the shared funnel suite holds all of them to one reference.
 */

/** One event of an entity, in the funnel's order: its time and whether it matches each step. */
export interface FunnelEvent {
  t: number;
  m: readonly boolean[];
}

/** The best attempt of one entity: how many steps it reached, and when each was reached. */
export interface EntityBest {
  level: number;
  times: number[];
}

const NONE = -1;

/** For each index i, the first index after i (`from` = i + 1) or at i (`from` = i) where `pick` holds; NONE when there is none. */
function nextWhere(n: number, pick: (i: number) => boolean, inclusive: boolean): Int32Array {
  const next = new Int32Array(n);
  let seen = NONE;
  for (let i = n - 1; i >= 0; i -= 1) {
    if (inclusive && pick(i)) seen = i;
    next[i] = seen;
    if (!inclusive && pick(i)) seen = i;
  }
  return next;
}

/** The entity's best attempt (most steps, the earliest start on a tie), or null when none reached step 1. */
export function bestAttempt(events: readonly FunnelEvent[], steps: number, order: FunnelOrder, windowMs: number): EntityBest | null {
  const n = events.length;
  const at = (i: number) => events[i] as FunnelEvent;
  let best: EntityBest | null = null;
  const consider = (level: number, times: number[]) => {
    if (level > 0 && (best === null || level > best.level)) best = { level, times };
  };

  if (order === 'any') {
    // From each event: the first time at or after it that each step is done.
    const firsts = Array.from({ length: steps }, (_, k) => nextWhere(n, (i) => at(i).m[k] === true, true));
    for (let i = 0; i < n; i += 1) {
      if (!at(i).m.some(Boolean)) continue;
      const limit = at(i).t + windowMs;
      const times: number[] = [];
      let last = -Infinity;
      for (let k = 0; k < steps; k += 1) {
        const j = (firsts[k] as Int32Array)[i] as number;
        if (j === NONE || at(j).t > limit) break;
        last = Math.max(last, at(j).t);
        times.push(last);
      }
      consider(times.length, times);
      if (best !== null && (best as EntityBest).level === steps) break;
    }
    return best;
  }

  // Sequential: step k's candidate is the next event matching it. Strict: the next event that is
  // not one more of step k-1 (an event matching step k too counts as step k), and it must match step k.
  const candidates = Array.from({ length: steps }, (_, k) =>
    k === 0
      ? new Int32Array(0)
      : order === 'sequential'
        ? nextWhere(n, (i) => at(i).m[k] === true, false)
        : nextWhere(n, (i) => !(at(i).m[k - 1] === true && at(i).m[k] !== true), false),
  );
  for (let start = 0; start < n; start += 1) {
    if (at(start).m[0] !== true) continue;
    const limit = at(start).t + windowMs;
    const times = [at(start).t];
    let p = start;
    for (let k = 1; k < steps; k += 1) {
      const j = (candidates[k] as Int32Array)[p] as number;
      if (j === NONE || at(j).t > limit || (order === 'strict' && at(j).m[k] !== true)) break;
      times.push(at(j).t);
      p = j;
    }
    consider(times.length, times);
    if (best !== null && (best as EntityBest).level === steps) break;
  }
  return best;
}

/** The median of a list (the mean of the two middle values on an even count), null when empty. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const middle = values.length >> 1;
  return values.length % 2 === 1 ? (values[middle] as number) : ((values[middle - 1] as number) + (values[middle] as number)) / 2;
}

/** Per step: how many entities reached it, and the median ms from the previous step (null for step 1). */
export function funnelFigures(bests: Iterable<EntityBest>, steps: number): { entered: number; medianMs: number | null }[] {
  const entered = new Array<number>(steps).fill(0);
  const gaps = Array.from({ length: steps }, () => [] as number[]);
  for (const best of bests) {
    for (let k = 0; k < best.level; k += 1) {
      entered[k] = (entered[k] as number) + 1;
      if (k > 0) (gaps[k] as number[]).push((best.times[k] as number) - (best.times[k - 1] as number));
    }
  }
  return entered.map((count, k) => ({ entered: count, medianMs: k === 0 ? null : median(gaps[k] as number[]) }));
}
