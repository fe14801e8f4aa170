import { countNoBots } from '../../../contract/bot-traffic.ts';
import type { EnrichedEvent } from '../../../contract/event-schema.ts';
import {
  botFigures,
  compareBinary,
  eventsPerSecondFigures,
  heatField,
  lastHourMinutes,
  minuteStillReadable,
  parseHeatField,
  planEvent,
  rankPages,
  realtimeLimits,
  secondStillReadable,
  sessionFigures,
  snapshotSizes,
  sortHeatCells,
  type PlannedEvent,
} from '../aggregate-keys.ts';
import type {
  ApplyResult,
  FeedItem,
  HeatCell,
  PagePosition,
  RealtimeSnapshot,
  RealtimeStore,
  RealtimeStoreOptions,
  UserStats,
} from '../realtime-store.ts';
import { createRecentIds } from './recent-ids.ts';

export interface MemoryRealtimeStoreOptions extends RealtimeStoreOptions {
  /** Wall clock for what Redis expires by time (dedupe memory, per-user keys). Defaults to Date.now. */
  clock?: (() => number) | undefined;
  /** Event ids remembered for duplicate detection, newest kept (default `MEMORY_STORE_REMEMBERED_IDS`). */
  rememberedIds?: number | undefined;
}

/** A value that lapses like a Redis key with EXPIRE: refreshed on every write. */
interface Expiring<T> {
  value: T;
  expiresAt: number;
}

interface UserState {
  /** Events per minute bucket (the last hour). */
  hour: Expiring<Map<number, number>> | null;
  position: Expiring<PagePosition> | null;
  sessions: Expiring<Set<string>> | null;
  touchedAt: number;
}

interface SessionState {
  first: number;
  last: number;
  pageViews: number;
}

interface SiteState {
  newest: number | null;
  /** user → last event ts (last 5 minutes). */
  active: Map<string, number>;
  /** user → last mouse_move ts (last 5 minutes). */
  cursors: Map<string, number>;
  pages: Map<string, number>;
  pagesByMinute: Map<number, Map<string, number>>;
  /** Quick exits (views under 5 s) per epoch minute, for the last hour. */
  quickExitsByMinute: Map<number, number>;
  /** minute → bot name → bot and automation events (the last hour). */
  botsByMinute: Map<number, Map<string, number>>;
  eventsBySecond: Map<number, number>;
  sessions: Map<string, SessionState>;
  /** Newest first, at most feedCap. */
  feed: FeedItem[];
  /** Items of the batch being applied, in order; merged into `feed` when the batch ends. */
  pendingFeed: FeedItem[];
  /** path → "cx:cy" → count (all time). */
  heat: Map<string, Map<string, number>>;
  /** Ordered by last write, oldest first, so retention only looks at the head. */
  users: Map<string, UserState>;
}

const increment = <K>(map: Map<K, number>, key: K, by = 1): void => {
  map.set(key, (map.get(key) ?? 0) + by);
};

/** One more for `inner` in the bucket `outer` (a minute's pages or bots). */
const incrementIn = (map: Map<number, Map<string, number>>, outer: number, inner: string): void => {
  let bucket = map.get(outer);
  if (bucket === undefined) map.set(outer, (bucket = new Map()));
  increment(bucket, inner);
};

/**
 * How many event ids the memory store remembers to drop redelivered events (Redis remembers them
 * for 2 days, which in one process would grow with the traffic: ~100 bytes an event, gigabytes
 * at 20k events/s). 250,000 (6 MiB, recent-ids.ts) covers what redelivers in practice — an uncommitted
 * batch after a failure, a tracker's retry — for over 10 s at 20k events/s and 20 min at 200 events/s.
 */
export const MEMORY_STORE_REMEMBERED_IDS = 250_000;

/**
 * The RealtimeStore on plain Maps for embedded mode: the Redis adapter's
 * semantics, including what Redis would expire, with memory bounded by the
 * same windows (pruned on write) and the same 2-day dedupe memory, capped at `rememberedIds` ids.
 */
export function createMemoryRealtimeStore(options: MemoryRealtimeStoreOptions = {}): RealtimeStore {
  const clock = options.clock ?? Date.now;
  const countBots = options.countBots ?? countNoBots;
  const dedupeTtlMs = realtimeLimits.dedupeTtlSeconds * 1000;
  const rememberedIds = options.rememberedIds ?? MEMORY_STORE_REMEMBERED_IDS;
  if (!Number.isSafeInteger(rememberedIds) || rememberedIds < 1) throw new RangeError('rememberedIds must be a positive integer');
  /** (site, event_id) pairs applied, newest kept. Per site, as on Redis (whose markers share the site's slot). */
  const seen = createRecentIds(rememberedIds, dedupeTtlMs);
  const sites = new Map<string, SiteState>();
  let closed = false;

  const ensureOpen = () => {
    if (closed) throw new Error('realtime store is closed');
  };

  const emptySite = (): SiteState => ({
    newest: null,
    active: new Map(),
    cursors: new Map(),
    pages: new Map(),
    pagesByMinute: new Map(),
    quickExitsByMinute: new Map(),
    botsByMinute: new Map(),
    eventsBySecond: new Map(),
    sessions: new Map(),
    feed: [],
    pendingFeed: [],
    heat: new Map(),
    users: new Map(),
  });

  const siteState = (site: string): SiteState => {
    let state = sites.get(site);
    if (state === undefined) sites.set(site, (state = emptySite()));
    return state;
  };

  const live = <T>(entry: Expiring<T> | null, now: number): T | null => (entry !== null && entry.expiresAt > now ? entry.value : null);

  const userState = (state: SiteState, userId: string, now: number): UserState => {
    const user = state.users.get(userId) ?? { hour: null, position: null, sessions: null, touchedAt: now };
    // Re-inserting keeps the Map ordered by last write.
    state.users.delete(userId);
    user.touchedAt = now;
    state.users.set(userId, user);
    return user;
  };

  const apply = (state: SiteState, event: PlannedEvent, now: number, touched: Set<string>) => {
    if (state.newest === null || event.ts > state.newest) state.newest = event.ts;
    const newest = state.newest;
    if (event.bot !== null) {
      if (minuteStillReadable(event.minute, newest)) incrementIn(state.botsByMinute, event.minute, event.bot);
      // Left out of every other figure unless the site counts bots.
      if (!countBots.counts(event.site)) return;
    }
    touched.add(event.userId);
    const user = userState(state, event.userId, now);

    state.active.set(event.userId, Math.max(state.active.get(event.userId) ?? -Infinity, event.ts));

    const hour = live(user.hour, now) ?? new Map<number, number>();
    if (minuteStillReadable(event.minute, newest)) {
      increment(hour, event.minute);
      if (event.pageView) incrementIn(state.pagesByMinute, event.minute, event.path);
      if (event.quickExit) increment(state.quickExitsByMinute, event.minute);
    }
    user.hour = hour.size > 0 ? { value: hour, expiresAt: now + realtimeLimits.minuteBucketTtlSeconds * 1000 } : null;
    if (secondStillReadable(event.second, newest)) increment(state.eventsBySecond, event.second);
    if (event.pageView) increment(state.pages, event.path);

    const session = state.sessions.get(event.sessionId);
    if (session === undefined) {
      state.sessions.set(event.sessionId, { first: event.ts, last: event.ts, pageViews: event.pageView ? 1 : 0 });
    } else {
      session.first = Math.min(session.first, event.ts);
      session.last = Math.max(session.last, event.ts);
      if (event.pageView) session.pageViews += 1;
    }
    const sessions = live(user.sessions, now) ?? new Set<string>();
    sessions.add(event.sessionId);
    user.sessions = { value: sessions, expiresAt: now + realtimeLimits.userSessionsTtlSeconds * 1000 };

    if (event.mouse !== null) {
      const { x, y, viewportW, viewportH, cell } = event.mouse;
      const position = live(user.position, now);
      if (position === null || event.ts >= position.ts) {
        user.position = {
          value: { user_id: event.userId, path: event.path, x, y, viewport_w: viewportW, viewport_h: viewportH, ts: event.ts },
          expiresAt: now + realtimeLimits.positionTtlSeconds * 1000,
        };
      } else {
        user.position = { value: position, expiresAt: now + realtimeLimits.positionTtlSeconds * 1000 };
      }
      state.cursors.set(event.userId, Math.max(state.cursors.get(event.userId) ?? -Infinity, event.ts));
      if (cell !== null) {
        let cells = state.heat.get(event.path);
        if (cells === undefined) state.heat.set(event.path, (cells = new Map()));
        increment(cells, heatField(cell));
      }
    }

    // Cursor moves (up to 4 a second per visitor) would push every other event out of the feed.
    if (event.mouse === null) state.pendingFeed.push(event.feed);
  };

  /** What the Redis script prunes at the end of a batch, against the site's newest event. */
  const prune = (state: SiteState, touched: Set<string>, now: number) => {
    const newest = state.newest;
    if (newest === null) return;
    const arrived = state.pendingFeed.reverse();
    state.pendingFeed = [];
    state.feed =
      arrived.length >= realtimeLimits.feedCap
        ? arrived.slice(0, realtimeLimits.feedCap)
        : [...arrived, ...state.feed].slice(0, realtimeLimits.feedCap);
    const activeCutoff = newest - realtimeLimits.activeWindowMs;
    for (const [userId, ts] of state.active) if (ts <= activeCutoff) state.active.delete(userId);
    for (const [userId, ts] of state.cursors) if (ts <= activeCutoff) state.cursors.delete(userId);
    const sessionCutoff = newest - realtimeLimits.sessionWindowMs;
    for (const [sessionId, session] of state.sessions) if (session.last <= sessionCutoff) state.sessions.delete(sessionId);
    for (const minute of state.pagesByMinute.keys()) if (!minuteStillReadable(minute, newest)) state.pagesByMinute.delete(minute);
    for (const minute of state.quickExitsByMinute.keys()) if (!minuteStillReadable(minute, newest)) state.quickExitsByMinute.delete(minute);
    for (const minute of state.botsByMinute.keys()) if (!minuteStillReadable(minute, newest)) state.botsByMinute.delete(minute);
    for (const second of state.eventsBySecond.keys()) if (!secondStillReadable(second, newest)) state.eventsBySecond.delete(second);
    // Like the script: a user's minute counts are pruned once they outnumber the window's minutes.
    for (const userId of touched) {
      const hour = state.users.get(userId)?.hour?.value;
      if (hour === undefined || hour.size <= realtimeLimits.hourMinutes) continue;
      for (const minute of hour.keys()) if (!minuteStillReadable(minute, newest)) hour.delete(minute);
    }
    // Users are ordered by last write; the longest-lived part (the last position) bounds the rest.
    for (const [userId, user] of state.users) {
      if (user.touchedAt > now - realtimeLimits.positionTtlSeconds * 1000) break;
      state.users.delete(userId);
    }
  };

  return {
    async applyBatch(events: readonly EnrichedEvent[]): Promise<ApplyResult> {
      ensureOpen();
      const planned = events.map(planEvent);
      const now = clock();
      seen.expire(now);
      const touched = new Map<SiteState, Set<string>>();
      let applied = 0;
      let duplicates = 0;
      for (const event of planned) {
        if (!seen.firstSeen(event.site, event.id, now)) {
          duplicates += 1;
          continue;
        }
        applied += 1;
        const state = siteState(event.site);
        let users = touched.get(state);
        if (users === undefined) touched.set(state, (users = new Set()));
        apply(state, event, now, users);
      }
      for (const [state, users] of touched) prune(state, users, now);
      return { applied, duplicates };
    },

    async snapshot(site: string, now: number, options?: { topN?: number; feedSize?: number }): Promise<RealtimeSnapshot> {
      ensureOpen();
      const { topN, feedSize } = snapshotSizes(options);
      const state = sites.get(site) ?? emptySite();
      const activeCutoff = now - realtimeLimits.activeWindowMs;
      let activeUsers = 0;
      for (const ts of state.active.values()) if (ts > activeCutoff) activeUsers += 1;

      const lastHour = new Map<string, number>();
      const botsLastHour = new Map<string, number>();
      let quickExitsLastHour = 0;
      for (const minute of lastHourMinutes(now)) {
        quickExitsLastHour += state.quickExitsByMinute.get(minute) ?? 0;
        for (const [path, views] of state.pagesByMinute.get(minute) ?? []) increment(lastHour, path, views);
        for (const [name, requests] of state.botsByMinute.get(minute) ?? []) increment(botsLastHour, name, requests);
      }

      const sessionCutoff = now - realtimeLimits.sessionWindowMs;
      let count = 0;
      let bounces = 0;
      let totalDurationMs = 0;
      for (const session of state.sessions.values()) {
        if (session.last <= sessionCutoff) continue;
        count += 1;
        if (session.pageViews <= 1) bounces += 1;
        totalDurationMs += session.last - session.first;
      }

      return {
        site,
        activeUsers,
        topPages: rankPages(state.pages, topN),
        topPagesLastHour: rankPages(lastHour, topN),
        ...eventsPerSecondFigures(now, (second) => state.eventsBySecond.get(second) ?? 0),
        sessions: sessionFigures(count, bounces, totalDurationMs),
        quickExitsLastHour,
        feed: state.feed.slice(0, feedSize).map((item) => ({ ...item })),
        newestEventTs: state.newest,
        bots: botFigures(botsLastHour, topN, countBots.counts(site)),
      };
    },

    async userStats(site: string, userId: string, now: number): Promise<UserStats> {
      ensureOpen();
      const user = sites.get(site)?.users.get(userId);
      const wall = clock();
      const hour = user === undefined ? null : live(user.hour, wall);
      const position = user === undefined ? null : live(user.position, wall);
      let eventsLastHour = 0;
      if (hour !== null) for (const minute of lastHourMinutes(now)) eventsLastHour += hour.get(minute) ?? 0;
      return {
        user_id: userId,
        site,
        eventsLastHour,
        lastPosition: position === null ? null : { x: position.x, y: position.y, ts: position.ts, path: position.path },
      };
    },

    async lastPositions(site: string, path: string, now: number): Promise<PagePosition[]> {
      ensureOpen();
      const state = sites.get(site);
      if (state === undefined) return [];
      const cutoff = now - realtimeLimits.activeWindowMs;
      const wall = clock();
      const positions: PagePosition[] = [];
      for (const [userId, ts] of state.cursors) {
        if (ts <= cutoff) continue;
        const user = state.users.get(userId);
        const position = user === undefined ? null : live(user.position, wall);
        if (position !== null && position.path === path && position.ts > cutoff) positions.push({ ...position });
      }
      return positions.sort((a, b) => compareBinary(a.user_id, b.user_id));
    },

    async heatmap(site: string, path: string): Promise<HeatCell[]> {
      ensureOpen();
      const cells: HeatCell[] = [];
      for (const [field, count] of sites.get(site)?.heat.get(path) ?? []) {
        const cell = parseHeatField(field, count);
        if (cell !== null) cells.push(cell);
      }
      return sortHeatCells(cells);
    },

    async forgetUser(site: string, userId: string): Promise<number> {
      ensureOpen();
      const state = sites.get(site);
      if (state === undefined) return 0;
      const wall = clock();
      let removed = 0;
      if (state.active.delete(userId)) removed += 1;
      if (state.cursors.delete(userId)) removed += 1;
      const user = state.users.get(userId);
      if (user !== undefined) {
        const sessions = live(user.sessions, wall);
        for (const sessionId of sessions ?? []) if (state.sessions.delete(sessionId)) removed += 1;
        const hour = live(user.hour, wall);
        // One per per-user key, as Redis' DEL counts them.
        if (hour !== null && hour.size > 0) removed += 1;
        if (live(user.position, wall) !== null) removed += 1;
        if (sessions !== null && sessions.size > 0) removed += 1;
        state.users.delete(userId);
      }
      const feed = state.feed.filter((item) => item.user_id !== userId);
      removed += state.feed.length - feed.length;
      state.feed = feed;
      return removed;
    },

    async ping(): Promise<void> {
      ensureOpen();
    },

    async close(): Promise<void> {
      closed = true;
      seen.clear();
      sites.clear();
    },
  };
}
