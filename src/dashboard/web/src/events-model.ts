/**
 * The Events view's model, without the DOM: the trend's buckets over the range (buckets without
 * events count 0, the API lists only those with data) and their labels.
 */
import type { EventPoint } from './analytics-types.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Every bucket start from the one holding `from` to the one holding `to - 1`, UTC. */
export function bucketStarts(range: { from: number; to: number }, bucket: 'hour' | 'day'): number[] {
  const size = bucket === 'hour' ? HOUR : DAY;
  const first = Math.floor(range.from / size) * size;
  const starts: number[] = [];
  for (let ts = first; ts < range.to; ts += size) starts.push(ts);
  return starts;
}

/** The events of each bucket, 0 where the API listed none. */
export function filledCounts(points: readonly EventPoint[], starts: readonly number[]): number[] {
  const byStart = new Map(points.map((point) => [point.ts, point.events]));
  return starts.map((ts) => byStart.get(ts) ?? 0);
}

const hourFormat = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
// Day buckets are UTC days (the server's); labelled as such so a bucket never shows the previous evening.
const dayFormat = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

export const bucketLabel = (ts: number, bucket: 'hour' | 'day'): string => (bucket === 'hour' ? hourFormat : dayFormat).format(ts);
