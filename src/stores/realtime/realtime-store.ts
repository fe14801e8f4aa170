import type { BotCounting } from '../../contract/bot-traffic.ts';
import type { EnrichedEvent } from '../../contract/event-schema.ts';

/**
 * The RealtimeStore port: live aggregates the realtime worker keeps and the
 * dashboard reads. Two adapters: Redis (src/stores/realtime/redis/) and an
 * in-memory one for embedded mode (src/stores/realtime/memory/).
 *
 * Windows are measured on the server's receive time (`received_at`), so a
 * visitor's wrong clock cannot move an event out of "now".
 *
 * Bot and automation traffic (src/contract/bot-traffic.ts) is left out of every figure — active
 * users, pages, events/s, sessions, feed, per-user counts, positions, heat map — unless the site
 * counts bots (`countBots`, decided when the event is applied); either way it is counted in the
 * `bots` figures. Its event_ids are remembered like any other, so a redelivery changes nothing.
 */

/** The adapters' shared options. */
export interface RealtimeStoreOptions {
  /** Which sites count bot and automation traffic in their figures (default: none). */
  countBots?: BotCounting | undefined;
}

export interface BotFigures {
  /** Whether this site counts bot and automation traffic in the figures beside these (read now). */
  counted: boolean;
  /** Bot and automation events (every type) in the sliding last hour. */
  requestsLastHour: number;
  /** The busiest bots of the last hour, most requests first (at most topN). */
  topLastHour: { name: string; requests: number }[];
}

export interface PagePosition {
  user_id: string;
  path: string;
  x: number;
  y: number;
  viewport_w: number | null;
  viewport_h: number | null;
  /** Epoch ms of the event. */
  ts: number;
}

export interface FeedItem {
  event_id: string;
  type: string;
  user_id: string;
  session_id: string;
  path: string;
  /** Epoch ms (received_at). */
  ts: number;
  /** A short human label: the custom event name, clicked text, form id, … */
  label: string | null;
}

export interface RealtimeSnapshot {
  site: string;
  /** Distinct users seen in the last 5 minutes. */
  activeUsers: number;
  /** Page views all time, most viewed first. */
  topPages: { path: string; views: number }[];
  /** Page views in the sliding last hour, most viewed first. */
  topPagesLastHour: { path: string; views: number }[];
  /** Events per second averaged over the last 10 seconds. */
  eventsPerSecond: number;
  /** Events in each of the last 60 seconds, oldest first (for the chart). */
  eventsPerSecondSeries: { ts: number; count: number }[];
  /**
   * Sessions active in the last hour; bounceRate is the share of them with at most one page view
   * (single-page sessions), whatever the view's duration.
   */
  sessions: { count: number; bounceRate: number; avgDurationSeconds: number };
  /** Page views with a known duration under 5 s in the sliding last hour (quick exits, not bounces). */
  quickExitsLastHour: number;
  /** Newest events first; cursor moves are left out (they would crowd out everything else). */
  feed: FeedItem[];
  /** Epoch ms of the newest event applied (received_at; bots' too), null if none yet. */
  newestEventTs: number | null;
  /** Bot and automation traffic, counted in the figures above or not. */
  bots: BotFigures;
}

export interface UserStats {
  user_id: string;
  site: string;
  /** Events of this user in the last hour. */
  eventsLastHour: number;
  lastPosition: { x: number; y: number; ts: number; path: string } | null;
}

export interface HeatCell {
  /** Cell column/row on a 50 × 50 grid over the viewport (x / viewport_w). */
  cx: number;
  cy: number;
  count: number;
}

export interface ApplyResult {
  /** Events applied for the first time. */
  applied: number;
  /** Events whose event_id was already applied (redelivery or client retry). */
  duplicates: number;
}

export interface RealtimeStore {
  /**
   * Applies a batch. Each event_id takes effect at most once per site, atomically with
   * its updates, so a redelivered batch changes nothing.
   */
  applyBatch(events: readonly EnrichedEvent[]): Promise<ApplyResult>;
  snapshot(site: string, now: number, options?: { topN?: number; feedSize?: number }): Promise<RealtimeSnapshot>;
  userStats(site: string, userId: string, now: number): Promise<UserStats>;
  /** Last known position of users active on `path` in the last 5 minutes. */
  lastPositions(site: string, path: string, now: number): Promise<PagePosition[]>;
  heatmap(site: string, path: string): Promise<HeatCell[]>;
  /** Every key of one visitor removed (GDPR erase). Returns how many keys/entries were removed. */
  forgetUser(site: string, userId: string): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
