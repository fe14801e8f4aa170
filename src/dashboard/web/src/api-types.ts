/**
 * What the dashboard reads from the stats API, written out for the browser
 * build (which cannot import the server modules). test/unit/dashboard checks
 * at compile time that the server's types still fit these shapes, so a change
 * on one side fails `tsc` instead of breaking the page at run time.
 */

export interface TopPage {
  path: string;
  views: number;
}

export interface FeedItem {
  event_id: string;
  type: string;
  user_id: string;
  session_id: string;
  path: string;
  /** Epoch ms (received_at). */
  ts: number;
  label: string | null;
}

/** GET /api/stats/realtime?site= and `realtime` of every live update. */
export interface RealtimeSnapshot {
  site: string;
  activeUsers: number;
  topPages: TopPage[];
  topPagesLastHour: TopPage[];
  eventsPerSecond: number;
  /** Events in each of the last 60 seconds, oldest first. */
  eventsPerSecondSeries: { ts: number; count: number }[];
  sessions: { count: number; bounceRate: number; avgDurationSeconds: number };
  /** Newest first. */
  feed: FeedItem[];
  newestEventTs: number | null;
}

export interface PipelineHealth {
  groups: { group: string; totalLag: number; topics: { topic: string; lag: number; partitions: number }[] }[];
  checkedAt: number;
  error: string | null;
}

/** The `live` event of GET /api/stream?site=. */
export interface LiveUpdate {
  realtime: RealtimeSnapshot;
  pipeline: PipelineHealth;
  newestEventAgeMs: number | null;
  serverTime: number;
}

export interface PagePosition {
  user_id: string;
  path: string;
  x: number;
  y: number;
  viewport_w: number | null;
  viewport_h: number | null;
  ts: number;
}

/** GET /api/stats/positions?site=&path= */
export interface PositionsResponse {
  positions: PagePosition[];
}

export interface HeatCell {
  cx: number;
  cy: number;
  count: number;
}

/** GET /api/stats/heatmap?site=&path= */
export interface HeatmapResponse {
  grid: number;
  cells: HeatCell[];
}

/** GET /api/stats/users/:userId?site= */
export interface UserStats {
  user_id: string;
  site: string;
  eventsLastHour: number;
  lastPosition: { x: number; y: number; ts: number; path: string } | null;
}

/** GET /api/sites (optional: the dashboard falls back to the site of the first snapshot and `?site=`). */
export interface SitesResponse {
  /** Site keys from PULSE_SITES; empty when any key is accepted (`*`). */
  sites: string[];
  /** The site the stats API answers for when none is given. */
  default: string;
}
