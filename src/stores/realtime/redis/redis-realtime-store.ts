import { Redis, type ChainableCommander } from 'ioredis';
import type { EnrichedEvent } from '../../../contract/event-schema.ts';
import {
  compareBinary,
  eventsPerSecondFigures,
  heatField,
  lastHourMinutes,
  parseHeatField,
  planEvent,
  rankPages,
  realtimeLimits,
  seriesSeconds,
  sessionFigures,
  snapshotSizes,
  sortHeatCells,
  type PlannedEvent,
} from '../aggregate-keys.ts';
import type { ApplyResult, FeedItem, HeatCell, PagePosition, RealtimeSnapshot, RealtimeStore, UserStats } from '../realtime-store.ts';
import { redisErrorKind, withStoreErrors } from '../../store-errors.ts';
import { rootOf, siteKeys } from './keys.ts';
import { APPLY_HEADER, APPLY_STRIDE, applyScript, forgetUserScript, positionsScript, sessionsScript } from './scripts.ts';

export interface RedisRealtimeStoreOptions {
  /** redis://[user:password@]host:port[/db] */
  url: string;
  /** Prepended to every key (before "pulse:"); tests use a unique one and delete what it covers. */
  keyPrefix?: string | undefined;
  /** Connection errors ioredis reports between commands (it reconnects by itself); commands still reject. */
  onError?: ((error: Error) => void) | undefined;
}

type Arg = string | number;

/** Events per apply script call: 5,000 × 15 arguments stays far below Redis' limits on one command. */
const MAX_EVENTS_PER_CALL = 5_000;

/** The scripts, registered with defineCommand: EVALSHA, falling back to EVAL once per connection. */
interface ScriptCommands {
  /** ioredis flattens an array argument, so a large batch never becomes a huge JS argument list. */
  pulseRtApply(args: Arg[]): Promise<[number, number]>;
  pulseRtPositions(...args: Arg[]): Promise<string[]>;
  pulseRtForgetUser(...args: Arg[]): Promise<number>;
}

interface ScriptPipeline extends ChainableCommander {
  pulseRtSessions(...args: Arg[]): ScriptPipeline;
}

const kindOf = (event: PlannedEvent): string => (event.pageView ? 'p' : event.mouse !== null ? 'm' : 'o');

function applyArgs(root: string, events: readonly PlannedEvent[]): Arg[] {
  const header: Arg[] = [
    root,
    realtimeLimits.dedupeTtlSeconds,
    realtimeLimits.activeWindowMs,
    realtimeLimits.sessionWindowMs,
    realtimeLimits.hourMinutes,
    realtimeLimits.epsSeriesSeconds,
    realtimeLimits.minuteBucketTtlSeconds,
    realtimeLimits.secondBucketTtlSeconds,
    realtimeLimits.userSessionsTtlSeconds,
    realtimeLimits.positionTtlSeconds,
    realtimeLimits.feedCap,
    APPLY_STRIDE,
  ];
  if (header.length !== APPLY_HEADER) throw new Error('apply script header out of sync');
  const args = header;
  for (const event of events) {
    const mouse = event.mouse;
    args.push(
      event.id,
      event.site,
      event.userId,
      event.sessionId,
      String(event.ts),
      String(event.minute),
      String(event.second),
      event.path,
      kindOf(event),
      mouse === null ? '' : String(mouse.x),
      mouse === null ? '' : String(mouse.y),
      mouse?.viewportW == null ? '' : String(mouse.viewportW),
      mouse?.viewportH == null ? '' : String(mouse.viewportH),
      mouse?.cell == null ? '' : heatField(mouse.cell),
      JSON.stringify(event.feed),
    );
  }
  return args;
}

const optionalNumber = (value: string | null | undefined): number | null =>
  value === null || value === undefined || value === '' ? null : Number(value);

/** [member, score, member, score, …] → entries. */
function scoredPairs(flat: readonly string[]): [string, number][] {
  const pairs: [string, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i] as string, Number(flat[i + 1])]);
  return pairs;
}

/** Unwraps one pipeline reply, rethrowing the command's error. */
function reply<T>(results: [error: Error | null, result: unknown][] | null, index: number): T {
  const entry = results?.[index];
  if (entry === undefined) throw new Error(`redis pipeline returned no reply ${index}`);
  if (entry[0] !== null) throw entry[0];
  return entry[1] as T;
}

/**
 * The RealtimeStore on Redis. One apply script call per batch; reads are one pipelined round trip
 * (snapshot) or one script (positions). Key scheme and retention: keys.ts.
 */
export function createRedisRealtimeStore(options: RedisRealtimeStoreOptions): RealtimeStore {
  const root = rootOf(options.keyPrefix ?? '');
  const redis = new Redis(options.url, {
    // RESP2 replies: WITHSCORES and script results arrive as flat arrays of strings.
    protocol: 2,
    // A batch must fail (and stay uncommitted) rather than queue for minutes while Redis is down.
    maxRetriesPerRequest: 2,
    connectTimeout: 5_000,
  });
  redis.on('error', (error: Error) => options.onError?.(error));
  redis.defineCommand('pulseRtApply', { numberOfKeys: 0, lua: applyScript });
  redis.defineCommand('pulseRtSessions', { numberOfKeys: 0, lua: sessionsScript });
  redis.defineCommand('pulseRtPositions', { numberOfKeys: 0, lua: positionsScript });
  redis.defineCommand('pulseRtForgetUser', { numberOfKeys: 0, lua: forgetUserScript });
  const scripts = redis as unknown as Redis & ScriptCommands;

  const store: RealtimeStore = {
    async applyBatch(events: readonly EnrichedEvent[]): Promise<ApplyResult> {
      const planned = events.map(planEvent);
      let applied = 0;
      let duplicates = 0;
      // One script call per batch; only a batch beyond what one command should carry is split
      // (each event stays atomic with its updates either way).
      for (let i = 0; i < planned.length; i += MAX_EVENTS_PER_CALL) {
        const [a, d] = await scripts.pulseRtApply(applyArgs(root, planned.slice(i, i + MAX_EVENTS_PER_CALL)));
        applied += a;
        duplicates += d;
      }
      return { applied, duplicates };
    },

    async snapshot(site: string, now: number, snapshotOptions?: { topN?: number; feedSize?: number }): Promise<RealtimeSnapshot> {
      const { topN, feedSize } = snapshotSizes(snapshotOptions);
      const keys = siteKeys(root, site);
      const minuteKeys = lastHourMinutes(now).map(keys.pagesMinute);
      const seconds = seriesSeconds(now);
      const pipeline = redis.pipeline() as ScriptPipeline;
      pipeline.zcount(keys.active, `(${now - realtimeLimits.activeWindowMs}`, '+inf');
      if (topN > 0) pipeline.zrevrange(keys.pages, 0, topN - 1, 'WITHSCORES');
      else pipeline.echo('');
      pipeline.call('ZUNION', minuteKeys.length, ...minuteKeys, 'WITHSCORES');
      pipeline.mget(...seconds.map(keys.eps));
      pipeline.pulseRtSessions(keys.base, now - realtimeLimits.sessionWindowMs);
      if (feedSize > 0) pipeline.lrange(keys.feed, 0, feedSize - 1);
      else pipeline.echo('');
      pipeline.get(keys.newest);
      const results = await pipeline.exec();

      const activeUsers = reply<number>(results, 0);
      const topPages = topN > 0 ? rankPages(scoredPairs(reply<string[]>(results, 1)), topN) : [];
      const topPagesLastHour = rankPages(scoredPairs(reply<string[]>(results, 2)), topN);
      const perSecond = reply<(string | null)[]>(results, 3);
      const counts = new Map(seconds.map((second, i) => [second, Number(perSecond[i] ?? 0)]));
      const [sessionCount, bounces, totalDurationMs] = reply<[number, number, string]>(results, 4);
      const feed = feedSize > 0 ? reply<string[]>(results, 5).map((entry) => JSON.parse(entry) as FeedItem) : [];
      const newest = reply<string | null>(results, 6);
      return {
        site,
        activeUsers,
        topPages,
        topPagesLastHour,
        ...eventsPerSecondFigures(now, (second) => counts.get(second) ?? 0),
        sessions: sessionFigures(sessionCount, bounces, Number(totalDurationMs)),
        feed,
        newestEventTs: newest === null ? null : Number(newest),
      };
    },

    async userStats(site: string, userId: string, now: number): Promise<UserStats> {
      const keys = siteKeys(root, site);
      const results = await redis.pipeline().hgetall(keys.userHour(userId)).hmget(keys.userPosition(userId), 'x', 'y', 'ts', 'path').exec();
      const hour = reply<Record<string, string>>(results, 0);
      const [x, y, ts, path] = reply<(string | null)[]>(results, 1);
      const eventsLastHour = lastHourMinutes(now).reduce((sum, minute) => sum + Number(hour[String(minute)] ?? 0), 0);
      return {
        user_id: userId,
        site,
        eventsLastHour,
        lastPosition: x == null || y == null || ts == null || path == null ? null : { x: Number(x), y: Number(y), ts: Number(ts), path },
      };
    },

    async lastPositions(site: string, path: string, now: number): Promise<PagePosition[]> {
      const cutoff = now - realtimeLimits.activeWindowMs;
      const rows = await scripts.pulseRtPositions(siteKeys(root, site).base, cutoff, path);
      const positions: PagePosition[] = [];
      for (let i = 0; i + 5 < rows.length; i += 6) {
        const [userId, x, y, vw, vh, ts] = rows.slice(i, i + 6) as [string, string, string, string, string, string];
        if (Number(ts) <= cutoff) continue;
        positions.push({
          user_id: userId,
          path,
          x: Number(x),
          y: Number(y),
          viewport_w: optionalNumber(vw),
          viewport_h: optionalNumber(vh),
          ts: Number(ts),
        });
      }
      return positions.sort((a, b) => compareBinary(a.user_id, b.user_id));
    },

    async heatmap(site: string, path: string): Promise<HeatCell[]> {
      const fields = await redis.hgetall(siteKeys(root, site).heat(path));
      const cells: HeatCell[] = [];
      for (const [field, count] of Object.entries(fields)) {
        const cell = parseHeatField(field, Number(count));
        if (cell !== null) cells.push(cell);
      }
      return sortHeatCells(cells);
    },

    async forgetUser(site: string, userId: string): Promise<number> {
      return scripts.pulseRtForgetUser(siteKeys(root, site).base, userId);
    },

    async ping(): Promise<void> {
      await redis.ping();
    },

    async close(): Promise<void> {
      if (redis.status === 'end') return;
      await redis.quit().catch(() => redis.disconnect());
    },
  };
  return withStoreErrors(store, 'redis', redisErrorKind);
}
