import { botNameOf } from '../../contract/bot-traffic.ts';
import type { EnrichedEvent } from '../../contract/event-schema.ts';
import type { BotFigures, FeedItem, HeatCell, RealtimeSnapshot } from './realtime-store.ts';

/**
 * Pure helpers both RealtimeStore adapters share, so Redis and memory compute
 * the same buckets, cells, labels and orderings from the same event.
 *
 * Windows, relative to the `now` a reader passes (all times are `received_at`):
 * - active users / cursors: last event (mouse_move) at ts > now − 5 min;
 * - "last hour" (top pages, per-user counts): the minute bucket holding `now`
 *   and the 59 before it, so it spans between 59 and 60 minutes; an event
 *   older than 60 minutes is never inside;
 * - sessions: last event at ts > now − 1 h; a bounce is one of them with at most one page view
 *   (single-page sessions, as in the warehouse);
 * - quick exits (page views with a known duration under 5 s): the same minute buckets as the last hour;
 * - events/s: the 60 whole seconds before the one holding `now`; the rate is
 *   the mean of the newest 10;
 * - bots: the same minute buckets as the last hour (requests per bot name).
 *
 * Writers prune against the site's newest applied timestamp (not the wall
 * clock), so replaying old traffic gives the same figures as live traffic.
 */
export const realtimeLimits = {
  activeWindowMs: 5 * 60_000,
  sessionWindowMs: 60 * 60_000,
  hourMinutes: 60,
  epsWindowSeconds: 10,
  epsSeriesSeconds: 60,
  /** Newest feed items kept per site. */
  feedCap: 100,
  /** Heat map grid: cells per axis. */
  heatGrid: 50,
  /** How long an event_id is remembered for dedupe (Kafka redelivery, client retries). */
  dedupeTtlSeconds: 2 * 24 * 3600,
  /** A user's last mouse position is forgotten after this long without a new one (wall clock). */
  positionTtlSeconds: 24 * 3600,
  /** Wall-clock safety nets on per-window structures (each window plus a margin). */
  minuteBucketTtlSeconds: 65 * 60,
  secondBucketTtlSeconds: 2 * 60,
  userSessionsTtlSeconds: 2 * 3600,
} as const;

export const snapshotDefaults = { topN: 10, feedSize: 50 } as const;

export const minuteOf = (ts: number): number => Math.floor(ts / 60_000);
export const secondOf = (ts: number): number => Math.floor(ts / 1000);

/** Minute buckets of the sliding last hour at `now`, oldest first. */
export function lastHourMinutes(now: number): number[] {
  const current = minuteOf(now);
  return Array.from({ length: realtimeLimits.hourMinutes }, (_, i) => current - realtimeLimits.hourMinutes + 1 + i);
}

/** Whole seconds of the events/s series at `now`, oldest first (the current second is still filling). */
export function seriesSeconds(now: number): number[] {
  const current = secondOf(now);
  return Array.from({ length: realtimeLimits.epsSeriesSeconds }, (_, i) => current - realtimeLimits.epsSeriesSeconds + i);
}

/** Whether a minute bucket can still be read while the site's newest event is `newest`. */
export const minuteStillReadable = (minute: number, newest: number): boolean => minute > minuteOf(newest) - realtimeLimits.hourMinutes;
/** Whether a second bucket can still be read while the site's newest event is `newest`. */
export const secondStillReadable = (second: number, newest: number): boolean =>
  second >= secondOf(newest) - realtimeLimits.epsSeriesSeconds;

export function eventsPerSecondFigures(
  now: number,
  countOf: (second: number) => number,
): Pick<RealtimeSnapshot, 'eventsPerSecond' | 'eventsPerSecondSeries'> {
  const series = seriesSeconds(now).map((second) => ({ ts: second * 1000, count: countOf(second) }));
  const recent = series.slice(-realtimeLimits.epsWindowSeconds).reduce((sum, point) => sum + point.count, 0);
  return { eventsPerSecond: recent / realtimeLimits.epsWindowSeconds, eventsPerSecondSeries: series };
}

/** Whether a view's duration makes it a quick exit: known, and under 5 s (the warehouse's definition). */
export const isQuickExit = (duration: unknown): boolean => typeof duration === 'number' && Number.isFinite(duration) && duration < 5;

export function sessionFigures(count: number, bounces: number, totalDurationMs: number): RealtimeSnapshot['sessions'] {
  if (count === 0) return { count: 0, bounceRate: 0, avgDurationSeconds: 0 };
  return { count, bounceRate: bounces / count, avgDurationSeconds: totalDurationMs / count / 1000 };
}

/** Heat map cell of a position, or null without a usable viewport size. */
export function heatCell(x: number, y: number, viewportW: number | null, viewportH: number | null): { cx: number; cy: number } | null {
  if (!viewportW || !viewportH) return null;
  const cell = (value: number, size: number) =>
    Math.min(realtimeLimits.heatGrid - 1, Math.max(0, Math.floor((value / size) * realtimeLimits.heatGrid)));
  return { cx: cell(x, viewportW), cy: cell(y, viewportH) };
}

export const heatField = (cell: { cx: number; cy: number }): string => `${cell.cx}:${cell.cy}`;

export function parseHeatField(field: string, count: number): HeatCell | null {
  const [cx, cy] = field.split(':').map(Number);
  if (cx === undefined || cy === undefined || !Number.isInteger(cx) || !Number.isInteger(cy)) return null;
  return { cx, cy, count };
}

/** Rows first (cy), then columns (cx). */
export const sortHeatCells = (cells: HeatCell[]): HeatCell[] => cells.sort((a, b) => a.cy - b.cy || a.cx - b.cx);

/**
 * The per-type fields, read defensively: the contract's static type does not narrow on `type`
 * (each variant's `type` is typed as the whole union), and a worker must not trust shapes anyway.
 */
interface VariantFields {
  x?: unknown;
  y?: unknown;
  viewport_w?: unknown;
  viewport_h?: unknown;
  name?: unknown;
  text?: unknown;
  selector?: unknown;
  form_id?: unknown;
  form_name?: unknown;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const finite = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

export function feedLabel(event: EnrichedEvent): string | null {
  const fields = event as VariantFields;
  switch (event.type) {
    case 'custom':
      return text(fields.name);
    case 'click':
      return text(fields.text) ?? text(fields.selector);
    case 'form_submit':
      return text(fields.form_id) ?? text(fields.form_name);
    default:
      return null;
  }
}

/** Epoch ms of `received_at`. Ingest always sets it, so a bad value is a bug upstream, not visitor data. */
export function eventTimestamp(event: EnrichedEvent): number {
  const ts = Date.parse(event.received_at);
  if (!Number.isFinite(ts)) throw new RangeError(`event ${event.event_id} has no valid received_at`);
  return ts;
}

/**
 * Byte order of the UTF-8 encodings (what Redis compares), from UTF-16 strings:
 * code-unit order except that surrogates (code points above U+FFFF) sort after U+E000–U+FFFF.
 */
export function compareBinary(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x += x >= 0xe000 ? -0x800 : 0x2000;
      y += y >= 0xe000 ? -0x800 : 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** Highest count first; ties in descending byte order of the member, the order of Redis' ZREVRANGE. */
function ranked(entries: Iterable<[string, number]>, topN: number): [string, number][] {
  return Array.from(entries)
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1] || compareBinary(b[0], a[0]))
    .slice(0, Math.max(0, topN));
}

/**
 * Most viewed first; ties in descending byte order of the path, which is the
 * order Redis' ZREVRANGE gives, so both adapters pick the same top N.
 */
export function rankPages(entries: Iterable<[string, number]>, topN: number): { path: string; views: number }[] {
  return ranked(entries, topN).map(([path, views]) => ({ path, views }));
}

/** The bot figures from the last hour's requests per bot name (all of them, summed over the minutes). */
export function botFigures(requestsByName: Iterable<[string, number]>, topN: number, counted: boolean): BotFigures {
  const entries = Array.from(requestsByName);
  return {
    counted,
    requestsLastHour: entries.reduce((sum, [, requests]) => sum + requests, 0),
    topLastHour: ranked(entries, topN).map(([name, requests]) => ({ name, requests })),
  };
}

export function snapshotSizes(options: { topN?: number; feedSize?: number } | undefined): { topN: number; feedSize: number } {
  const clamp = (value: number, max: number) => Math.max(0, Math.min(max, Math.floor(value)));
  return {
    topN: clamp(options?.topN ?? snapshotDefaults.topN, 10_000),
    feedSize: clamp(options?.feedSize ?? snapshotDefaults.feedSize, realtimeLimits.feedCap),
  };
}

/** What one event contributes, computed once and applied by either adapter. */
export interface PlannedEvent {
  id: string;
  site: string;
  userId: string;
  sessionId: string;
  ts: number;
  minute: number;
  second: number;
  path: string;
  pageView: boolean;
  /** A page view with a known duration under 5 s (a quick exit; not a bounce, which is a single-page session). */
  quickExit: boolean;
  /** The bot name of bot and automation traffic (see bot-traffic.ts), null for a human. */
  bot: string | null;
  mouse: { x: number; y: number; viewportW: number | null; viewportH: number | null; cell: { cx: number; cy: number } | null } | null;
  feed: FeedItem;
}

export function planEvent(event: EnrichedEvent): PlannedEvent {
  const ts = eventTimestamp(event);
  const fields = event as VariantFields;
  const x = finite(fields.x);
  const y = finite(fields.y);
  let mouse: PlannedEvent['mouse'] = null;
  if (event.type === 'mouse_move' && x !== null && y !== null) {
    const viewportW = finite(fields.viewport_w);
    const viewportH = finite(fields.viewport_h);
    mouse = { x, y, viewportW, viewportH, cell: heatCell(x, y, viewportW, viewportH) };
  }
  return {
    id: event.event_id,
    site: event.site,
    userId: event.user_id,
    sessionId: event.session_id,
    ts,
    minute: minuteOf(ts),
    second: secondOf(ts),
    path: event.path,
    pageView: event.type === 'page_view',
    quickExit: event.type === 'page_view' && isQuickExit((event as { duration?: unknown }).duration),
    bot: botNameOf(event),
    mouse,
    feed: {
      event_id: event.event_id,
      type: event.type,
      user_id: event.user_id,
      session_id: event.session_id,
      path: event.path,
      ts,
      label: feedLabel(event),
    },
  };
}
