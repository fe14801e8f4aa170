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
  /** Sessions active in the last hour; bounceRate: the share with at most one page view (single-page sessions). */
  sessions: { count: number; bounceRate: number; avgDurationSeconds: number };
  /** Page views with a known duration under 5 s in the last hour (quick exits, not bounces). */
  quickExitsLastHour: number;
  /** Bot and automated traffic of the last hour: left out of every other figure unless `counted` (PULSE_COUNT_BOTS_SITES). */
  bots: { counted: boolean; requestsLastHour: number; topLastHour: { name: string; requests: number }[] };
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
  /** Keys of the sites the signed-in account may read (PULSE_SITES and site records). */
  sites: string[];
  /** The site the stats API answers for when none is given. */
  default: string;
  /** The readable sites' records. */
  records: SiteRecord[];
}

// ---------------------------------------------------------------- accounts (sites, share links, users)

export interface SiteRecord {
  key: string;
  name: string;
  /** Pages on these origins may send the site's events (none: any). */
  origins: string[];
  /** Shields: addresses / CIDR ranges and paths (with *) whose visits are dropped at ingest. */
  excludedIps: string[];
  excludedPaths: string[];
  createdAt: string;
}

export interface ShareRecord {
  id: string;
  siteKey: string;
  createdAt: string;
}

/** POST /api/sites/:key/shares: `url` (`/share/<token>`) is in this answer only. */
export interface IssuedShare {
  id: string;
  siteKey: string;
  url: string;
}

export interface UserRecord {
  id: string;
  username: string;
  role: 'admin' | 'viewer';
  /** Sites granted to a viewer (an admin sees every site). */
  sites: string[];
  createdAt: string;
}

// ---------------------------------------------------------------- history (warehouse)

export type HistoryBucket = 'minute' | 'hour' | 'day';

/** One bucket of GET /api/history/timeseries: only buckets with views are sent. */
export interface HistoryPoint {
  /** Bucket start (UTC-aligned), epoch ms. */
  ts: number;
  views: number;
  unique_users: number;
  /** Sessions whose entry (first view in the range) is in this bucket. */
  sessions: number;
  /** Those of `sessions` with a single view (bounce rate = bounces / sessions). */
  bounces: number;
  /** Views with a known duration under 5 s. */
  quick_exits: number;
  /** Mean duration in seconds of the views that carry one; 0 when none do. */
  avg_duration: number;
}

/** GET /api/history/timeseries?site=&from=&to=&bucket= */
export interface HistoryTimeseries {
  bucket: HistoryBucket;
  from: number;
  to: number;
  points: HistoryPoint[];
}

export type BreakdownDimension = 'referrer_host' | 'browser' | 'os' | 'device' | 'utm_source' | 'utm_medium' | 'utm_campaign';

/** GET /api/history/breakdown?site=&from=&to=&dimension=&limit=; a missing value reads "(none)". */
export interface HistoryBreakdown {
  dimension: BreakdownDimension;
  rows: { value: string; views: number; unique_users: number }[];
}

export interface HistoryPage {
  page: string;
  views: number;
  unique_users: number;
  /** Sessions that entered the site on this page. */
  sessions: number;
  /** Those of `sessions` with a single view (bounce rate = bounces / sessions). */
  bounces: number;
  /** Views with a known duration under 5 s. */
  quick_exits: number;
  avg_duration: number;
}

/** GET /api/history/pages?site=&from=&to=, most viewed first. */
export interface HistoryPages {
  pages: HistoryPage[];
}

/** GET /api/history/bots?site=&from=&to=&limit=: bot and automation traffic, left out of the other history answers unless the site counts bots. */
export interface HistoryBots {
  from: number;
  to: number;
  /** Bot and automation events of every type. */
  requests: number;
  /** Page views among them. */
  pageViews: number;
  /** The busiest bots, most requests first, ties by name. */
  top: { name: string; requests: number }[];
  /** Whether the site counts bots in its figures (PULSE_COUNT_BOTS_SITES). */
  counted: boolean;
}

/** The 503 of every history endpoint when the process has no warehouse. */
export interface HistoryUnavailable {
  error: 'history_unavailable';
  message: string;
}
