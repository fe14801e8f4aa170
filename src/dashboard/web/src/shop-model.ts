/**
 * The Shop view's model: shaping the shop API's answers for the charts,
 * lists and tiles. Plain functions without the DOM, so unit tests run them
 * in Node (test/unit/dashboard/shop-model.test.ts).
 */
import type { ShopCategory, ShopSeriesPoint, ShopStats, ShopUpdate } from './shop-types.ts';

/** Categories by product count, most first; ties by name, so the order does not flicker between pushes. */
export function rankCategories(categories: readonly ShopCategory[]): ShopCategory[] {
  return [...categories].sort(
    (a, b) => b.product_count - a.product_count || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0),
  );
}

export interface CatalogTotals {
  products: number;
  categories: number;
  /** Units available over every category. */
  available: number;
  /** Mean price over every product (category means weighted by their counts); null for an empty catalog. */
  avgPrice: number | null;
}

export function catalogTotals(categories: readonly ShopCategory[]): CatalogTotals {
  let products = 0;
  let available = 0;
  let priceSum = 0;
  for (const row of categories) {
    products += row.product_count;
    available += row.total_available;
    priceSum += row.avg_price * row.product_count;
  }
  return { products, categories: categories.length, available, avgPrice: products === 0 ? null : priceSum / products };
}

/**
 * Every bucket of the stats' range, oldest first, with zeros where nobody
 * queried (the API lists only buckets with queries). Buckets start at
 * multiples of `bucketMs`, like the server's.
 */
export function fillSeries(stats: Pick<ShopStats, 'from' | 'to' | 'bucketMs' | 'series'>): ShopSeriesPoint[] {
  const { from, to, bucketMs } = stats;
  if (!(bucketMs > 0) || !(to > from)) return [];
  const byTs = new Map(stats.series.map((point) => [point.ts, point]));
  const filled: ShopSeriesPoint[] = [];
  for (let ts = Math.floor(from / bucketMs) * bucketMs; ts < to; ts += bucketMs) {
    filled.push(byTs.get(ts) ?? { ts, searches: 0, recommendations: 0, users: 0 });
  }
  return filled;
}

/** The busiest bucket (most queries of either kind); null when nobody queried. */
export function peakBucket(series: readonly ShopSeriesPoint[]): ShopSeriesPoint | null {
  let peak: ShopSeriesPoint | null = null;
  for (const point of series) {
    const total = point.searches + point.recommendations;
    if (total > 0 && (peak === null || total > peak.searches + peak.recommendations)) peak = point;
  }
  return peak;
}

/** A bar's share of the largest count in its list, 0..1. */
export const shareOf = (count: number, max: number): number => (max > 0 ? Math.min(1, Math.max(0, count / max)) : 0);

const rubles = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const kopecks = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** A price in roubles: whole roubles from 100 on ("12,990 ₽"), kopecks below ("49.90 ₽"). */
export function formatRub(amount: number | null): string {
  if (amount === null || !Number.isFinite(amount)) return '–';
  return `${Math.abs(amount) >= 100 ? rubles.format(amount) : kopecks.format(amount)} ₽`;
}

/** "14:05" in the browser's time zone (`timeZone` for tests). */
export function minuteLabel(ts: number, timeZone?: string): string {
  return new Date(ts).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', ...(timeZone === undefined ? {} : { timeZone }) });
}

/** A tooltip title for a bucket: "14:05–14:06". */
export function bucketSpan(ts: number, bucketMs: number, timeZone?: string): string {
  return `${minuteLabel(ts, timeZone)}–${minuteLabel(ts + bucketMs, timeZone)}`;
}

/**
 * What the screen shows of an update: equal keys draw the same picture, so a
 * push that changed nothing (most of them, on a quiet shop) is not redrawn.
 * The range's end counts only by the bucket it falls in, which moves the
 * time axis once a minute.
 */
export function updateKey(update: ShopUpdate): string {
  const { from, to, bucketMs, ...figures } = update.stats;
  const bucket = bucketMs > 0 ? Math.floor(to / bucketMs) : to;
  return JSON.stringify([update.categories, figures, bucketMs, bucket, bucketMs > 0 ? Math.floor(from / bucketMs) : from]);
}

/** Truncates a label for an axis, keeping its start ("Продукты пит…"). */
export function shortLabel(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
