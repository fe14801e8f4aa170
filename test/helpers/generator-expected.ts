import type { PageAggregate } from '../../src/stores/warehouse/warehouse.ts';
import type { PlannedEvent } from '../../src/generator/plan.ts';

/**
 * What the workers must show after a plan was delivered, with the warehouse's definitions
 * (src/stores/warehouse/warehouse.ts): over the valid events, each event_id once — repeats and
 * invalid records count for nothing — a view per page `path`, unique visitors, quick exits (views
 * under 5 s) and the mean duration. Durations are whole seconds, so sums are exact; compare
 * averages with a small tolerance all the same (SQL may divide in another precision).
 * Sessions and bounces per page are left out: a session belongs to its entry page, and which view
 * comes first depends on when the server received it (expectedTotals has their sums).
 */
export type PlanPageFigures = Omit<PageAggregate, 'sessions' | 'bounces'>;

export function expectedAggregates(plan: readonly PlannedEvent[]): PlanPageFigures[] {
  const pages = new Map<string, { views: number; users: Set<string>; quickExits: number; durationSum: number; withDuration: number }>();
  for (const entry of countedViews(plan)) {
    const page = new URL(entry.event.url).pathname;
    const figures = pages.get(page) ?? { views: 0, users: new Set<string>(), quickExits: 0, durationSum: 0, withDuration: 0 };
    figures.views += 1;
    figures.users.add(entry.event.user_id);
    const duration = entry.event.duration;
    if (duration !== undefined) {
      figures.durationSum += duration;
      figures.withDuration += 1;
      if (duration < 5) figures.quickExits += 1;
    }
    pages.set(page, figures);
  }
  return [...pages.entries()]
    .map(([page, f]) => ({
      page,
      views: f.views,
      unique_users: f.users.size,
      quick_exits: f.quickExits,
      avg_duration: f.withDuration === 0 ? 0 : f.durationSum / f.withDuration,
    }))
    .sort((a, b) => b.views - a.views || a.page.localeCompare(b.page));
}

export interface PlanTotals {
  /** Records sent (repeats and invalid ones included). */
  records: number;
  /** Distinct valid page views: what the workers store and count. */
  views: number;
  /** Views under 5 s. */
  quickExits: number;
  /** Distinct (user, session) among the views, and those with exactly one view (bounces): sums over every page. */
  sessions: number;
  bounces: number;
  /** Records broken on purpose (refused by validation: DLQ / processing_errors). */
  invalid: number;
  /** Repeats of an earlier event_id (absorbed by idempotent sinks). */
  duplicates: number;
  uniqueUsers: number;
}

export function expectedTotals(plan: readonly PlannedEvent[]): PlanTotals {
  const views = [...countedViews(plan)];
  return {
    records: plan.length,
    views: views.length,
    quickExits: views.filter((e) => (e.event.duration ?? Number.POSITIVE_INFINITY) < 5).length,
    ...sessionTotals(views),
    invalid: plan.filter((e) => e.invalid !== null).length,
    duplicates: plan.filter((e) => e.duplicateOf !== null).length,
    uniqueUsers: new Set(views.map((e) => e.event.user_id)).size,
  };
}

/** Top pages as Redis shows them (path → views), for comparison with the realtime store. */
export function expectedTopPages(plan: readonly PlannedEvent[]): Map<string, number> {
  return new Map(expectedAggregates(plan).map((p) => [p.page, p.views]));
}

function sessionTotals(views: readonly PlannedEvent[]): { sessions: number; bounces: number } {
  const perSession = new Map<string, number>();
  for (const { event } of views) {
    const key = `${event.user_id}\u0000${event.session_id}`;
    perSession.set(key, (perSession.get(key) ?? 0) + 1);
  }
  return { sessions: perSession.size, bounces: [...perSession.values()].filter((n) => n === 1).length };
}

function* countedViews(plan: readonly PlannedEvent[]): Generator<PlannedEvent> {
  for (const entry of plan) if (entry.invalid === null && entry.duplicateOf === null) yield entry;
}
