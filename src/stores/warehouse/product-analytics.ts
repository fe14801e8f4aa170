import type { TimeRange } from './warehouse.ts';

/**
 * Product analytics over the warehouse's raw events: funnels, retention and custom events.
 * Every adapter (PostgreSQL, PGlite, ClickHouse) answers these with identical results; the shared
 * suites in test/helpers/ check them against answers computed independently in the test.
 *
 * Definitions shared by every adapter:
 * - events are read over `range` (received_at, server time, [from, to)) of `range.site`; bot and
 *   automation traffic is left out unless its site counts bots, as everywhere else;
 * - a visitor is a (site, user_id) pair, a session a (site, session_id) pair;
 * - a page step matches a `page_view` whose `path` matches `path`, where `*` matches any run of
 *   characters (including none) and every other character matches itself; an event step matches
 *   a `custom` event whose `name` equals `name`;
 * - a step's optional `property` filter also requires the event's `props[key]`, as text (a string
 *   as is, a number or boolean as its JSON text), to equal `value`.
 */

export type FunnelStep =
  | { kind: 'page'; path: string; property?: PropertyFilter | undefined }
  | { kind: 'event'; name: string; property?: PropertyFilter | undefined };

export interface PropertyFilter {
  key: string;
  value: string;
}

/**
 * - sequential: the steps happen in order; other events may come between them;
 * - strict: the steps happen in order with no other event of that visitor (or session) between
 *   two consecutive steps (any event type counts as "other", except events matching the same
 *   step again);
 * - any: every step happens, in any order.
 */
export const funnelOrders = ['sequential', 'strict', 'any'] as const;
export type FunnelOrder = (typeof funnelOrders)[number];

export const funnelCounts = ['visitors', 'sessions'] as const;
export type FunnelCount = (typeof funnelCounts)[number];

export interface FunnelQuery {
  /** The site is required. */
  range: TimeRange & { site: string };
  /** 2 to 8 steps. */
  steps: readonly FunnelStep[];
  order: FunnelOrder;
  /** Conversion window from the first step's event, ms (default 24 h): every later step happens at most this long after it. */
  windowMs: number;
  countBy: FunnelCount;
}

export interface FunnelStepResult {
  /** Visitors (or sessions) that reached this step (the first step: every one that did it). */
  entered: number;
  /** Those of them that went on to the next step; the last step's is its `entered` (they completed the funnel). */
  converted: number;
  /** entered - converted. */
  dropped: number;
  /** entered ÷ the previous step's entered (1 for the first step; 0 when the previous had none). */
  conversionFromPrevious: number;
  /** entered ÷ the first step's entered (1 for the first step; 0 when it had none). */
  conversionFromFirst: number;
  /** Median seconds from the previous step to this one, over the visitors that reached it; null for the first step or when none did. */
  medianSecondsFromPrevious: number | null;
}

export interface FunnelResult {
  steps: FunnelStepResult[];
}

export const retentionPeriods = ['day', 'week'] as const;
export type RetentionPeriod = (typeof retentionPeriods)[number];

export interface RetentionQuery {
  /** The site is required. Cohorts are the UTC days (or ISO weeks, from Monday) of the range. */
  range: TimeRange & { site: string };
  period: RetentionPeriod;
  /** What counts as returning: any event (default), or this step (a page or a custom event). */
  returning?: FunnelStep | undefined;
}

export interface RetentionCohort {
  /** The cohort's period start, epoch ms (UTC). */
  start: number;
  /** Visitors whose first event in the range fell in this period. */
  visitors: number;
  /**
   * retained[k]: of those visitors, how many returned in period k after their cohort's (k = 0 is
   * the cohort's own period, always `visitors`), for every period up to the range's end.
   */
  retained: number[];
}

export interface RetentionResult {
  period: RetentionPeriod;
  cohorts: RetentionCohort[];
}

export interface CustomEventRow {
  name: string;
  events: number;
  /** Distinct visitors that sent it. */
  visitors: number;
}

export interface PropertyValueRow {
  /** The property's value as text; '(none)' when the event did not carry it. */
  value: string;
  events: number;
  visitors: number;
}

export interface ProductAnalytics {
  funnel(query: FunnelQuery): Promise<FunnelResult>;
  retention(query: RetentionQuery): Promise<RetentionResult>;
  /** Custom events in the range, most frequent first, ties by name (byte order). */
  customEvents(range: TimeRange, limit: number): Promise<CustomEventRow[]>;
  /** One custom event's trend: events per bucket (buckets with data only). */
  customEventSeries(range: TimeRange, name: string, bucket: 'hour' | 'day'): Promise<{ ts: number; events: number; visitors: number }[]>;
  /** One custom event broken down by one of its properties, top values first, ties by value. */
  eventProperty(range: TimeRange, name: string, key: string, limit: number): Promise<PropertyValueRow[]>;
  /** The property keys one custom event carries in the range, most frequent first. */
  eventPropertyKeys(range: TimeRange, name: string, limit: number): Promise<string[]>;
}
