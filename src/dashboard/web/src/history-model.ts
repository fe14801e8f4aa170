/**
 * The History view's model: time ranges, bucket choice, the URL hash that
 * holds them, and the shaping of /api/history answers for the charts. Plain
 * functions without the DOM, so tests run them in Node.
 */
import type { HistoryBucket, HistoryPage, HistoryPoint } from './api-types.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const bucketMs: Record<HistoryBucket, number> = { minute: MINUTE, hour: HOUR, day: DAY };
export const buckets: readonly HistoryBucket[] = ['minute', 'hour', 'day'];

export const presets = {
  '1h': { label: 'Last hour', summary: 'last hour', ms: HOUR },
  '24h': { label: '24 hours', summary: 'last 24 hours', ms: DAY },
  '7d': { label: '7 days', summary: 'last 7 days', ms: 7 * DAY },
  '30d': { label: '30 days', summary: 'last 30 days', ms: 30 * DAY },
} as const;
export type Preset = keyof typeof presets;
export const presetNames = Object.keys(presets) as Preset[];
export const DEFAULT_PRESET: Preset = '24h';

/** A chart never gets more buckets than this: finer buckets are not offered for longer ranges. */
export const MAX_BUCKETS = 1500;

/** What the URL says: a preset relative to now, or a fixed range; and the bucket, unless automatic. */
export type RangeChoice = { kind: 'preset'; preset: Preset; bucket: HistoryBucket | 'auto' } | CustomChoice;
export interface CustomChoice {
  kind: 'custom';
  from: number;
  to: number;
  bucket: HistoryBucket | 'auto';
}

/** A choice made concrete at one moment: what the API is asked for. */
export interface ResolvedRange {
  from: number;
  to: number;
  bucket: HistoryBucket;
  /** The bucket `auto` would pick for this span. */
  autoBucket: HistoryBucket;
}

/** Minute buckets up to 2 hours, hour buckets up to 7 days, day buckets beyond. */
export function autoBucket(spanMs: number): HistoryBucket {
  if (spanMs <= 2 * HOUR) return 'minute';
  if (spanMs <= 7 * DAY) return 'hour';
  return 'day';
}

/** Buckets whose start lies in [from, to), counting the one `from` falls in. */
export function bucketCount(from: number, to: number, bucket: HistoryBucket): number {
  const step = bucketMs[bucket];
  return Math.max(0, Math.ceil((to - Math.floor(from / step) * step) / step));
}

/** Whether a bucket size may be chosen for a range (not so fine that the chart gets too many bars). */
export function bucketAllowed(from: number, to: number, bucket: HistoryBucket): boolean {
  return bucketCount(from, to, bucket) <= MAX_BUCKETS;
}

export function resolveRange(choice: RangeChoice, now: number): ResolvedRange {
  const to = choice.kind === 'preset' ? now : choice.to;
  const from = choice.kind === 'preset' ? now - presets[choice.preset].ms : choice.from;
  const auto = autoBucket(to - from);
  const bucket = choice.bucket === 'auto' || !bucketAllowed(from, to, choice.bucket) ? auto : choice.bucket;
  return { from, to, bucket, autoBucket: auto };
}

export const isBucket = (value: string | null | undefined): value is HistoryBucket =>
  value === 'minute' || value === 'hour' || value === 'day';
export const isPreset = (value: string | null | undefined): value is Preset => typeof value === 'string' && Object.hasOwn(presets, value);

/**
 * Reads `#history?range=7d&bucket=hour` or `#history?from=<ISO>&to=<ISO>`;
 * anything missing or invalid falls back to the default preset and `auto`.
 */
export function parseHistoryHash(hash: string): RangeChoice {
  const at = hash.indexOf('?');
  const params = new URLSearchParams(at === -1 ? '' : hash.slice(at + 1));
  const bucketParam = params.get('bucket');
  const bucket = isBucket(bucketParam) ? bucketParam : 'auto';
  const from = Date.parse(params.get('from') ?? '');
  const to = Date.parse(params.get('to') ?? '');
  if (Number.isFinite(from) && Number.isFinite(to) && from < to) return { kind: 'custom', from, to, bucket };
  const range = params.get('range');
  return { kind: 'preset', preset: isPreset(range) ? range : DEFAULT_PRESET, bucket };
}

export function formatHistoryHash(choice: RangeChoice): string {
  const params = new URLSearchParams();
  if (choice.kind === 'preset') params.set('range', choice.preset);
  else {
    params.set('from', new Date(choice.from).toISOString());
    params.set('to', new Date(choice.to).toISOString());
  }
  if (choice.bucket !== 'auto') params.set('bucket', choice.bucket);
  return `#history?${params.toString()}`;
}

/** The API's query string for a range (site first, as the live view's URLs). */
export function historyQuery(site: string | null, range: { from: number; to: number }, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  if (site !== null) params.set('site', site);
  params.set('from', new Date(range.from).toISOString());
  params.set('to', new Date(range.to).toISOString());
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return params.toString();
}

/**
 * One bucket of the charts: a gap (no views) has zero views and null rates. A session counts in
 * the bucket of its entry (first view), so bounce rates are per entering session.
 */
export interface SeriesPoint {
  ts: number;
  views: number;
  uniqueUsers: number;
  /** Sessions entering in this bucket. */
  sessions: number;
  /** Single-page sessions among them. */
  bounces: number;
  /** bounces / sessions; null without sessions. */
  bounceRate: number | null;
  /** Views with a known duration under 5 s. */
  quickExits: number;
  /** Seconds; null without views. */
  avgDuration: number | null;
}

/**
 * Every bucket of the range, oldest first: the API answers only buckets with
 * data, the charts need the empty ones too so time runs evenly. Buckets are
 * UTC-aligned, as the warehouse truncates them.
 */
export function fillBuckets(points: readonly HistoryPoint[], range: ResolvedRange): SeriesPoint[] {
  const step = bucketMs[range.bucket];
  const byTs = new Map(points.map((point) => [point.ts, point]));
  const toPoint = (ts: number, point: HistoryPoint | undefined): SeriesPoint =>
    point === undefined || point.views === 0
      ? { ts, views: 0, uniqueUsers: 0, sessions: 0, bounces: 0, bounceRate: null, quickExits: 0, avgDuration: null }
      : {
          ts,
          views: point.views,
          uniqueUsers: point.unique_users,
          sessions: point.sessions,
          bounces: point.bounces,
          bounceRate: rate(point.bounces, point.sessions),
          quickExits: point.quick_exits,
          avgDuration: point.avg_duration,
        };
  if (bucketCount(range.from, range.to, range.bucket) > MAX_BUCKETS * 2) {
    return [...points].sort((a, b) => a.ts - b.ts).map((point) => toPoint(point.ts, point));
  }
  const out: SeriesPoint[] = [];
  for (let ts = Math.floor(range.from / step) * step; ts < range.to; ts += step) {
    out.push(toPoint(ts, byTs.get(ts)));
    byTs.delete(ts);
  }
  // A bucket the grid did not expect (another alignment) is still shown, in order.
  if (byTs.size > 0) return [...out, ...[...byTs.values()].map((point) => toPoint(point.ts, point))].sort((a, b) => a.ts - b.ts);
  return out;
}

/** part / whole, or null when there is no whole. */
export const rate = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

export interface HistoryTotals {
  views: number;
  /** Sessions in the range (each counted once, in the bucket of its entry). */
  sessions: number;
  /** Single-page sessions. */
  bounces: number;
  /** bounces / sessions; null without sessions. */
  bounceRate: number | null;
  /** Views with a known duration under 5 s. */
  quickExits: number;
  /** quickExits / views; null without views. */
  quickExitRate: number | null;
  /** Mean duration over the range, each bucket weighted by its views; null without views. */
  avgDuration: number | null;
  /** The bucket with the most views. */
  peak: { ts: number; views: number } | null;
  pages: number;
}

export function totals(points: readonly HistoryPoint[], pages: readonly HistoryPage[]): HistoryTotals {
  let views = 0;
  let sessions = 0;
  let bounces = 0;
  let quickExits = 0;
  let durationWeight = 0;
  let durationSum = 0;
  let peak: HistoryTotals['peak'] = null;
  for (const point of points) {
    views += point.views;
    sessions += point.sessions;
    bounces += point.bounces;
    quickExits += point.quick_exits;
    if (point.avg_duration > 0) {
      durationSum += point.avg_duration * point.views;
      durationWeight += point.views;
    }
    if (point.views > 0 && (peak === null || point.views > peak.views)) peak = { ts: point.ts, views: point.views };
  }
  return {
    views,
    sessions,
    bounces,
    bounceRate: rate(bounces, sessions),
    quickExits,
    quickExitRate: rate(quickExits, views),
    avgDuration: durationWeight === 0 ? (views === 0 ? null : 0) : durationSum / durationWeight,
    peak,
    pages: pages.length,
  };
}

// ---------------------------------------------------------------- labels

const pad = (n: number) => String(n).padStart(2, '0');
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * Time parts in local time, or in UTC for day buckets (a UTC day shown in
 * local time would start at odd hours).
 */
function parts(ts: number, utc: boolean) {
  const d = new Date(ts);
  return utc
    ? { y: d.getUTCFullYear(), mo: d.getUTCMonth(), d: d.getUTCDate(), wd: d.getUTCDay(), h: d.getUTCHours(), mi: d.getUTCMinutes() }
    : { y: d.getFullYear(), mo: d.getMonth(), d: d.getDate(), wd: d.getDay(), h: d.getHours(), mi: d.getMinutes() };
}

/** A bucket's axis label: "14:05"; over more than a day "Tue Nov 24" at midnight, else "14:00"; "Nov 24" for days. */
export function bucketLabel(ts: number, bucket: HistoryBucket, spanMs: number): string {
  const p = parts(ts, bucket === 'day');
  if (bucket === 'day') return `${months[p.mo]} ${p.d}`;
  const time = `${pad(p.h)}:${pad(p.mi)}`;
  if (spanMs <= DAY) return time;
  if (p.h === 0 && p.mi === 0) return `${weekdays[p.wd]} ${months[p.mo]} ${p.d}`;
  return bucket === 'minute' ? `${weekdays[p.wd]} ${time}` : time;
}

/** Label steps (in buckets) that fall on round times: every 5 or 15 minutes, 6 hours, a week… */
const labelSteps: Record<HistoryBucket, readonly number[]> = {
  minute: [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440],
  hour: [1, 2, 3, 6, 12, 24, 48, 96, 168],
  day: [1, 2, 7, 14, 28, 91, 182, 364],
};

/**
 * Which buckets get an axis label: those at round local times (minutes and
 * hours) or round days (Mondays for weeks), as many as fit in `maxLabels`.
 */
export function labelMask(timestamps: readonly number[], bucket: HistoryBucket, maxLabels: number): boolean[] {
  const steps = labelSteps[bucket];
  const step = steps.find((candidate) => timestamps.length / candidate <= Math.max(2, maxLabels)) ?? steps[steps.length - 1] ?? 1;
  if (step === 1) return timestamps.map(() => true);
  return timestamps.map((ts) => {
    if (bucket === 'day') {
      const day = Math.floor(ts / DAY);
      return (step % 7 === 0 ? day + 3 : day) % step === 0; // epoch day 0 is a Thursday: +3 puts week starts on Mondays
    }
    const local = ts - new Date(ts).getTimezoneOffset() * MINUTE;
    return Math.floor(local / bucketMs[bucket]) % step === 0;
  });
}

/** A bucket's full name for a tooltip: "Tue, Nov 24, 14:00–15:00", "Nov 24 (UTC)". */
export function bucketTitle(ts: number, bucket: HistoryBucket): string {
  const p = parts(ts, bucket === 'day');
  if (bucket === 'day') return `${weekdays[p.wd]}, ${months[p.mo]} ${p.d}, ${p.y} (UTC day)`;
  const end = parts(ts + bucketMs[bucket], false);
  return `${weekdays[p.wd]}, ${months[p.mo]} ${p.d}, ${pad(p.h)}:${pad(p.mi)}–${pad(end.h)}:${pad(end.mi)}`;
}

/** "Nov 24, 14:05" in local time (with the year when it is not this year's). */
export function formatMoment(ts: number, now = Date.now()): string {
  const p = parts(ts, false);
  const year = p.y === new Date(now).getFullYear() ? '' : ` ${p.y}`;
  return `${months[p.mo]} ${p.d}${year}, ${pad(p.h)}:${pad(p.mi)}`;
}

export const bucketNames: Record<HistoryBucket, { adjective: string; noun: string }> = {
  minute: { adjective: 'per minute', noun: 'minute' },
  hour: { adjective: 'per hour', noun: 'hour' },
  day: { adjective: 'per day (UTC)', noun: 'day' },
};

/** The value of an `<input type="datetime-local">` for an instant, in local time. */
export function toLocalInput(ts: number): string {
  const p = parts(ts, false);
  return `${p.y}-${pad(p.mo + 1)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}`;
}

/** An `<input type="datetime-local">` value (local time) as epoch ms; NaN when empty or invalid. */
export function fromLocalInput(value: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (match === null) return Number.NaN;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, Number.isFinite(s) ? s : 0).getTime();
}

/** Breakdown values as shown: the API's "(none)" reads "(direct)" for referrers and "(not set)" elsewhere. */
export function breakdownLabel(value: string, dimension: string): string {
  if (value === '(none)' || value === '') return dimension === 'referrer_host' ? '(direct)' : '(not set)';
  return value;
}
