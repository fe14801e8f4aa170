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
 *   as is, a number or boolean as its JSON text), to equal `value`. Only the props object's own
 *   keys are read (a key inside a nested object is not the event's property); a null, object or
 *   array value never matches; U+0000 in a string (and in `value`) reads as U+FFFD, as PostgreSQL
 *   stores it; a key holding `"`, `\` or a control character is refused (RangeError). The same rule
 *   in funnels, retention and custom events, on every engine.
 */

export type FunnelStep =
  | { kind: 'page'; path: string; property?: PropertyFilter | undefined }
  | { kind: 'event'; name: string; property?: PropertyFilter | undefined };

export interface PropertyFilter {
  key: string;
  value: string;
}

/**
 * How a visitor's (or session's) events are matched to the steps. Shared rules:
 * - only events in the query's range count (all of them inside it, steps and "other" events
 *   alike): a step done before `range.from` is not done, and the window never reaches past
 *   `range.to`;
 * - the events are put in one order: by time (received_at, ms); events of the same millisecond
 *   (one tracker batch shares one server time) by the first step they match (the funnel's own order),
 *   events matching no step last, then by event_id (byte order). "After" means later in this order,
 *   so a step may happen in the same millisecond as the previous one;
 * - an attempt starts at an event matching the first step (any: at an event matching any step); each
 *   later step is the first suitable event after the previous step's (greedy: the earliest one), so
 *   one event fills at most one step, and a repeated step (/a → /b → /a) needs a second /a after /b;
 * - the window is inclusive: every step's event happens at most `windowMs` after the attempt's first
 *   event (exactly `windowMs` later counts, 1 ms more does not);
 * - a visitor reached step k when one of their attempts did; the attempt that reached the most steps
 *   (the earliest of them on a tie) gives the visitor's step times.
 *
 * Orders:
 * - sequential: the steps happen in order; other events may come between them;
 * - strict: the steps happen in order with no other event of that visitor (or session) between two
 *   consecutive steps: the event right after step k's must be step k+1's, except that more events
 *   matching step k again may come first (/a, /a, /b completes /a → /b). Every stored event type
 *   counts as "other" (page views, clicks, form submits, custom events; the warehouse receives no
 *   mouse moves). An event matching both step k and step k+1 is taken as step k+1;
 * - any: every step happens, in any order, all within one window (the window starts at the
 *   earliest of the events used). Here one event may serve several steps (a step listed twice is
 *   done once); "reached step k" means steps 1..k were all done, and step k's time is when the last
 *   of steps 1..k was first done in that window.
 */
export const funnelOrders = ['sequential', 'strict', 'any'] as const;
export type FunnelOrder = (typeof funnelOrders)[number];

export const funnelCounts = ['visitors', 'sessions'] as const;
export type FunnelCount = (typeof funnelCounts)[number];

export interface FunnelQuery {
  /** The site is required. Events are read over [from, to) (bounds rounded up to whole ms). */
  range: TimeRange & { site: string };
  /** 2 to 8 steps. */
  steps: readonly FunnelStep[];
  order: FunnelOrder;
  /**
   * Conversion window from the attempt's first event, whole ms, 1 ms to 90 days (default 24 h when
   * absent): every later step happens at most this long after it (inclusive).
   */
  windowMs: number;
  countBy: FunnelCount;
}

export interface FunnelStepResult {
  /** Visitors (or sessions) that reached this step (the first step: every one that did it in the range). */
  entered: number;
  /** Those of them that went on to the next step; the last step's is its `entered` (they completed the funnel). */
  converted: number;
  /** entered - converted. */
  dropped: number;
  /** entered ÷ the previous step's entered (always 1 for the first step; 0 when the previous had none). */
  conversionFromPrevious: number;
  /** entered ÷ the first step's entered (always 1 for the first step; 0 when the first had none). */
  conversionFromFirst: number;
  /**
   * Median seconds from the previous step to this one, over the visitors that reached it (each
   * visitor's times from the attempt described above); with an even count, the mean of the two
   * middle values. Null for the first step or when nobody reached it. Times are whole ms, so the
   * value is a multiple of 0.0005.
   */
  medianSecondsFromPrevious: number | null;
}

export interface FunnelResult {
  steps: FunnelStepResult[];
}

export const retentionPeriods = ['day', 'week'] as const;
export type RetentionPeriod = (typeof retentionPeriods)[number];

/**
 * Retention: who comes back after their first visit.
 * - A visitor's cohort is the UTC day (or ISO week, Monday 00:00 UTC to the next Monday) of their
 *   first event *in the range*, of any type: events before `range.from` are not read, so a visitor
 *   first seen earlier joins the cohort of their first event in the range. Each visitor is in one
 *   cohort only, however many periods they are active in.
 * - Periods cut by the range's edges count what the range holds of them: with a range starting on a
 *   Wednesday, the first week cohort holds the visitors first seen Wednesday to Sunday, and the
 *   last period counts returns before `range.to` only.
 * - Bots are left out (unless the site counts them) both as cohort members and as returns.
 */
export interface RetentionQuery {
  /** The site is required. */
  range: TimeRange & { site: string };
  period: RetentionPeriod;
  /**
   * What counts as returning: any event of any type (default), or an event matching this step
   * (a page with `*` wildcards, or a custom event, with the funnels' matching rules above, property
   * filter included). The cohort is still decided by the first event of any type.
   */
  returning?: FunnelStep | undefined;
}

export interface RetentionCohort {
  /** The cohort's period start, epoch ms (UTC): a UTC midnight, or a Monday's; before `range.from` when the range starts mid-period. */
  start: number;
  /** Visitors whose first event in the range fell in this period. */
  visitors: number;
  /**
   * retained[k]: of those visitors, how many had a returning event in period k after their
   * cohort's, for k = 0 up to the period holding the range's last instant (`to` - 1 ms), so the
   * last cohort has one entry and the table is a triangle. k = 0 is the cohort's own period and is
   * always `visitors` (whatever `returning` is). A visitor counts once per period, however many
   * returning events they had in it.
   */
  retained: number[];
}

export interface RetentionResult {
  period: RetentionPeriod;
  /** Oldest first; only periods in which at least one visitor had their first event (empty range: none). */
  cohorts: RetentionCohort[];
}

/**
 * Custom events (`type: 'custom'`, `name`, optional `props`) over a range; `range.site` is
 * optional here (absent: every site, each site's bots counted only if it counts them). Visitors
 * are distinct (site, user_id) pairs. Page views carrying props are not custom events.
 */
export interface CustomEventRow {
  name: string;
  events: number;
  /** Distinct visitors that sent it. */
  visitors: number;
}

/**
 * One value of one property. Only the props object's own keys are read (a key inside a nested
 * object is not the event's property). The value as text: a string as is; a number, boolean or
 * null as its JSON text (`3`, `2.5`, `true`, `null`); an object or array as its JSON text as the
 * event carried it (`{"a":1}`). Two values with the same text are one row (the number 1 and the
 * string "1"). U+0000 inside a string reads as U+FFFD (PostgreSQL text cannot hold it).
 */
export interface PropertyValueRow {
  /** The property's value as text; '(none)' when the event did not carry the key (or had no props). */
  value: string;
  events: number;
  visitors: number;
}

export interface ProductAnalytics {
  funnel(query: FunnelQuery): Promise<FunnelResult>;
  retention(query: RetentionQuery): Promise<RetentionResult>;
  /** Custom events in the range, most frequent first, ties by name (byte order); at most `limit` (0: none). */
  customEvents(range: TimeRange, limit: number): Promise<CustomEventRow[]>;
  /**
   * One custom event's trend: events and distinct visitors per UTC hour or day (`ts`: the bucket's
   * start, epoch ms), oldest first, buckets with data only.
   */
  customEventSeries(range: TimeRange, name: string, bucket: 'hour' | 'day'): Promise<{ ts: number; events: number; visitors: number }[]>;
  /** One custom event broken down by one of its properties (see PropertyValueRow), most events first, ties by value (byte order). */
  eventProperty(range: TimeRange, name: string, key: string, limit: number): Promise<PropertyValueRow[]>;
  /**
   * The property keys (the props object's own) one custom event carries in the range, by how many
   * of its events carry each, most first, ties by key (byte order).
   */
  eventPropertyKeys(range: TimeRange, name: string, limit: number): Promise<string[]>;
}
