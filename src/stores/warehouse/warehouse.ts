import type { BotCounting } from '../../contract/bot-traffic.ts';
import type { EnrichedEvent } from '../../contract/event-schema.ts';
import type { ProductAnalytics } from './product-analytics.ts';

/**
 * The Warehouse port: durable history. Adapters: PostgreSQL (src/stores/warehouse/postgres/,
 * also run on PGlite), SQLite (src/stores/warehouse/sqlite/, embedded mode's default) and ClickHouse
 * (src/stores/warehouse/clickhouse/).
 *
 * Definitions shared by every adapter (seed 002):
 * - a view is a `page_view` event; `page` is its `path`;
 * - unique_users counts distinct `user_id` among views;
 * - a quick exit is a view whose `duration` is known and under 5 seconds (seed 002 called it a bounce;
 *   the hourly rollups still hold it in their `bounces` columns);
 * - sessions are (site, user_id, session_id) groups of the range's counted views; a session belongs to
 *   the page and the time bucket of its entry, its first view in the range (ties by event_id, byte
 *   order); a bounce is a session with exactly one view in the range, whatever its duration, and the
 *   bounce rate is bounces ÷ sessions (single-page sessions, as Plausible, Umami and GA define it);
 * - avg_duration is the mean `duration` (seconds) of views that carry one, 0 when none do;
 * - time is the server's `received_at`;
 * - unique users are distinct (site, user_id) pairs; ties sort by page / value / event_id in byte order;
 * - a time bucket is listed only when it holds at least one view; breakdowns count views, and a
 *   missing value is shown as '(none)';
 * - bot and automation traffic (src/contract/bot-traffic.ts) is stored and exported like any event,
 *   but left out of every figure (pages, series, breakdowns) unless its site counts bots
 *   (`countBots`, read at query time, so the switch applies to the past too); botTraffic() counts it.
 */

/** The adapters' shared options. */
export interface WarehouseOptions {
  /** Which sites count bot and automation traffic in their figures (default: none). */
  countBots?: BotCounting | undefined;
}

export interface ProcessingError {
  topic: string;
  partition: number;
  offset: number;
  /** Why the record was refused. */
  reason: string;
  /** The record's value as text (truncated to 64 KiB). */
  raw: string;
  /** Epoch ms when the worker refused it. */
  at: number;
}

export interface WriteResult {
  inserted: number;
  /** Events whose event_id was already stored (redelivery, client retry, generator duplicates). */
  duplicates: number;
}

/** The figures of a page or a time bucket (definitions above). */
export interface ViewFigures {
  views: number;
  unique_users: number;
  /** Sessions whose entry (first view in the range) is here. */
  sessions: number;
  /** Those of `sessions` with exactly one view in the range: bounce rate = bounces ÷ sessions. */
  bounces: number;
  /** Views with a known duration under 5 s (not bounces: a bounce is a single-page session). */
  quick_exits: number;
  avg_duration: number;
}

export interface PageAggregate extends ViewFigures {
  page: string;
}

export interface TimeBucket extends ViewFigures {
  /** Bucket start, epoch ms. */
  ts: number;
}

export const breakdownDimensions = ['referrer_host', 'browser', 'os', 'device', 'utm_source', 'utm_medium', 'utm_campaign'] as const;
export type BreakdownDimension = (typeof breakdownDimensions)[number];

export interface BreakdownRow {
  value: string;
  views: number;
  unique_users: number;
}

/** Bot and automation traffic over a range, counted in the figures or not. */
export interface BotTraffic {
  /** Bot and automation events of every type. */
  requests: number;
  /** Page views among them. */
  pageViews: number;
  /** The busiest bots, most requests first, ties by name (byte order). */
  top: { name: string; requests: number }[];
}

export interface TimeRange {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** Only this site; all sites when absent. */
  site?: string | undefined;
}

/**
 * The sites of `countBots` whose bots a read over `range` counts: all of them over every site, the
 * range's own site if it is one of them, none otherwise.
 */
export function botSitesOf(range: TimeRange, countBots: readonly string[]): string[] {
  return range.site === undefined ? [...countBots] : countBots.includes(range.site) ? [range.site] : [];
}

/** Refuses a range whose bounds are not finite epoch ms (RangeError); false when it is empty (nothing to read). */
export function checkRange(range: TimeRange): boolean {
  if (!Number.isFinite(range.from) || !Number.isFinite(range.to))
    throw new RangeError('time range bounds must be finite epoch milliseconds');
  return range.from < range.to;
}

/** Refuses a row limit that is not a non-negative integer (RangeError). */
export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError('limit must be a non-negative integer');
}

/** Product analytics (funnels, retention, custom events): see ./product-analytics.ts. */
export interface Warehouse extends ProductAnalytics {
  readonly kind: 'postgres' | 'pglite' | 'clickhouse' | 'sqlite';
  /** Creates or upgrades the schema (numbered migrations, each applied once). */
  migrate(): Promise<void>;
  /** Stores a batch; each event_id is stored at most once, so a redelivered batch changes nothing. */
  writeEvents(events: readonly EnrichedEvent[]): Promise<WriteResult>;
  writeErrors(errors: readonly ProcessingError[]): Promise<void>;
  /** Per-page figures over the range, most viewed first. */
  pageAggregates(range: TimeRange): Promise<PageAggregate[]>;
  timeSeries(range: TimeRange, bucket: 'minute' | 'hour' | 'day'): Promise<TimeBucket[]>;
  breakdown(range: TimeRange, dimension: BreakdownDimension, limit: number): Promise<BreakdownRow[]>;
  /** Bot and automation traffic in the range, with the top `limit` bot names. */
  botTraffic(range: TimeRange, limit: number): Promise<BotTraffic>;
  /** Row counts per table (seed 001's test_db.py). */
  counts(): Promise<Record<string, number>>;
  /** Events in the range, oldest first, in pages of at most `pageSize`. */
  exportEvents(range: TimeRange, pageSize?: number): AsyncIterable<EnrichedEvent[]>;
  /** Removes every row of one visitor (GDPR); returns how many rows went. */
  forgetUser(site: string, userId: string): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
