import { Cluster, Redis, type ChainableCommander, type RedisOptions } from 'ioredis';
import { countNoBots } from '../../../contract/bot-traffic.ts';
import type { EnrichedEvent } from '../../../contract/event-schema.ts';
import { PulseError, errorCodes } from '../../../shared/errors.ts';
import {
  botFigures,
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
import { redisErrorKind, withStoreErrors } from '../../store-errors.ts';
import { rootOf, siteKeys } from './keys.ts';
import { APPLY_HEADER, APPLY_STRIDE, applyScript, forgetUserScript, positionsScript, sessionsScript } from './scripts.ts';

export interface RedisRealtimeStoreOptions extends RealtimeStoreOptions {
  /**
   * One Redis: redis[s]://[user:password@]host:port[/db].
   * Redis Cluster: several seed nodes, redis[s]://[user:password@]host1:port1,host2:port2[,…], or the
   * `+cluster` scheme, which also takes a single seed: redis[s]+cluster://[user:password@]host:port[,…].
   * `rediss` connects over TLS with the server certificate verified; a cluster has database 0 only.
   */
  url: string;
  /** Prepended to every key (before "pulse:"); tests use a unique one and delete what it covers. No braces. */
  keyPrefix?: string | undefined;
  /** Connection errors ioredis reports between commands (it reconnects by itself); commands still reject. */
  onError?: ((error: Error) => void) | undefined;
}

/** Where the store connects: the URL of one Redis as ioredis reads it, or the seed nodes of a cluster. */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | {
      kind: 'cluster';
      seeds: { host: string; port: number }[];
      tls: boolean;
      username: string | undefined;
      password: string | undefined;
    };

const DEFAULT_PORT = 6379;

/** The URL with its password replaced, fit for an error message. */
const redacted = (url: string): string => url.replace(/^([a-z+]+:\/\/[^/?#@:]*):[^/?#]*@/i, '$1:***@');

function invalidUrl(url: string, reason: string): PulseError {
  return new PulseError(errorCodes.CONFIG_INVALID, `invalid Redis URL ${redacted(url)}: ${reason}`);
}

function decoded(url: string, text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalidUrl(url, 'malformed %-escape in user or password');
  }
}

function seedOf(url: string, text: string): { host: string; port: number } {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(text);
  const port = match?.[2] === undefined ? DEFAULT_PORT : Number(match[2]);
  if (match?.[1] === undefined || port < 1 || port > 65_535) throw invalidUrl(url, `'${text}' is not host:port`);
  return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port };
}

/**
 * Reads a Redis URL (forms in RedisRealtimeStoreOptions.url). A URL with one host and no `+cluster`
 * is handed to ioredis unchanged, as before clusters were supported.
 */
export function redisTarget(url: string): RedisTarget {
  const match = /^(rediss?)(\+cluster)?:\/\/([^/?#]*)([^?#]*)(.*)$/.exec(url);
  if (match === null) throw invalidUrl(url, 'expected redis://, rediss://, redis+cluster:// or rediss+cluster://');
  const [, scheme, cluster, authority = '', path = '', rest = ''] = match;
  const at = authority.lastIndexOf('@');
  const hosts = authority.slice(at + 1);
  if (cluster === undefined && !hosts.includes(',')) return { kind: 'single', url };
  if (!['', '/', '/0'].includes(path)) throw invalidUrl(url, 'Redis Cluster has database 0 only');
  if (rest !== '') throw invalidUrl(url, 'a cluster URL takes no query or fragment');
  const userInfo = at < 0 ? '' : authority.slice(0, at);
  const colon = userInfo.indexOf(':');
  const username = decoded(url, colon < 0 ? userInfo : userInfo.slice(0, colon));
  const password = colon < 0 ? undefined : decoded(url, userInfo.slice(colon + 1));
  return {
    kind: 'cluster',
    seeds: hosts.split(',').map((seed) => seedOf(url, seed)),
    tls: scheme === 'rediss',
    username: username === '' ? undefined : username,
    password,
  };
}

/** How every connection behaves, to one Redis or to each node of a cluster. */
const connectionOptions = {
  // RESP2 replies: WITHSCORES and script results arrive as flat arrays of strings.
  protocol: 2,
  // A batch must fail (and stay uncommitted) rather than queue for minutes while Redis is down.
  maxRetriesPerRequest: 2,
  connectTimeout: 5_000,
} as const satisfies RedisOptions;

/** How long a command waits for a cluster that is (re)connecting before it fails as unavailable. */
const CLUSTER_READY_TIMEOUT_MS = 5_000;

interface Connection {
  client: Redis | Cluster;
  /** Resolves when commands may be sent: at once for one Redis (ioredis queues and retries them). */
  ready(): Promise<void>;
  /** The one Redis, or every master of the cluster. */
  masters(): Redis[];
}

/**
 * Waits until the cluster is ready (or closed, so the command fails at once), at most `ms`; an error
 * the cluster reports meanwhile (no seed reachable, slots not readable) fails the wait at once.
 */
function clusterReady(cluster: Cluster, ms: number): Promise<void> {
  if (cluster.status === 'ready' || cluster.status === 'end') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      cluster.off('ready', settle).off('end', settle).off('error', fail);
    };
    const settle = (): void => {
      done();
      resolve();
    };
    const fail = (error: Error): void => {
      done();
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`Redis Cluster not ready after ${ms} ms (${cluster.status})`)), ms);
    cluster.once('ready', settle).once('end', settle).once('error', fail);
  });
}

function connect(target: RedisTarget, onError: (error: Error) => void): Connection {
  if (target.kind === 'single') {
    const redis = new Redis(target.url, connectionOptions);
    redis.on('error', onError);
    return { client: redis, ready: () => Promise.resolve(), masters: () => [redis] };
  }
  const cluster = new Cluster(target.seeds, {
    redisOptions: {
      ...connectionOptions,
      ...(target.username === undefined ? {} : { username: target.username }),
      ...(target.password === undefined ? {} : { password: target.password }),
      ...(target.tls ? { tls: {} } : {}),
    },
    // Never park a command while the cluster is away: clusterReady bounds the wait instead.
    enableOfflineQueue: false,
    // With TLS, keep the seeds' names so their certificates are checked against them.
    ...(target.tls ? { dnsLookup: (address: string, callback: (error: null, address: string) => void) => callback(null, address) } : {}),
  });
  cluster.on('error', onError);
  cluster.on('node error', onError);
  return {
    client: cluster,
    ready: () => clusterReady(cluster, CLUSTER_READY_TIMEOUT_MS),
    masters: () => cluster.nodes('master'),
  };
}

type Arg = string | number;

/** Events per apply script call: 5,000 × 15 arguments stays far below Redis' limits on one command. */
const MAX_EVENTS_PER_CALL = 5_000;

/** The scripts, registered with defineCommand: EVALSHA, falling back to EVAL once per connection. */
interface ScriptCommands {
  /** KEYS[1] first; ioredis flattens an array argument, so a large batch never becomes a huge JS argument list. */
  pulseRtApply(args: Arg[]): Promise<[number, number]>;
  pulseRtPositions(...args: Arg[]): Promise<string[]>;
  pulseRtForgetUser(...args: Arg[]): Promise<number>;
}

interface ScriptPipeline extends ChainableCommander {
  pulseRtSessions(...args: Arg[]): ScriptPipeline;
}

/** The script's event kind; 'b' is bot traffic the site does not count (bot figures only); 'q' a page view that is a quick exit. */
const kindOf = (event: PlannedEvent, countsBots: boolean): string =>
  event.bot !== null && !countsBots ? 'b' : event.pageView ? (event.quickExit ? 'q' : 'p') : event.mouse !== null ? 'm' : 'o';

/** KEYS[1] (the site's K) and ARGV of one apply script call; every event belongs to that site. */
function applyArgs(base: string, events: readonly PlannedEvent[], countsBots: boolean): Arg[] {
  const header: Arg[] = [
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
  const args = [base, ...header];
  for (const event of events) {
    const mouse = event.mouse;
    const kind = kindOf(event, countsBots);
    args.push(
      event.id,
      event.userId,
      event.sessionId,
      String(event.ts),
      String(event.minute),
      String(event.second),
      event.path,
      kind,
      mouse === null ? '' : String(mouse.x),
      mouse === null ? '' : String(mouse.y),
      mouse?.viewportW == null ? '' : String(mouse.viewportW),
      mouse?.viewportH == null ? '' : String(mouse.viewportH),
      mouse?.cell == null ? '' : heatField(mouse.cell),
      // Cursor moves and uncounted bots never reach the feed: their item is not serialised.
      kind === 'm' || kind === 'b' ? '' : JSON.stringify(event.feed),
      event.bot ?? '',
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

/** The events of each site, in batch order. */
function bySite(events: readonly PlannedEvent[]): Map<string, PlannedEvent[]> {
  const sites = new Map<string, PlannedEvent[]>();
  for (const event of events) {
    const list = sites.get(event.site);
    if (list === undefined) sites.set(event.site, [event]);
    else list.push(event);
  }
  return sites;
}

/** Unwraps one pipeline reply, rethrowing the command's error. */
function reply<T>(results: [error: Error | null, result: unknown][] | null, index: number): T {
  const entry = results?.[index];
  if (entry === undefined) throw new Error(`redis pipeline returned no reply ${index}`);
  if (entry[0] !== null) throw entry[0];
  return entry[1] as T;
}

/**
 * The RealtimeStore on Redis or Redis Cluster. One apply script call per site of a batch; reads are
 * one pipelined round trip (snapshot) or one script (positions). All keys of a site share one
 * cluster slot, so every call and pipeline goes to one node. Key scheme and retention: keys.ts.
 */
export function createRedisRealtimeStore(options: RedisRealtimeStoreOptions): RealtimeStore {
  const keyPrefix = options.keyPrefix ?? '';
  if (/[{}]/.test(keyPrefix)) throw new RangeError('keyPrefix must not contain { or }: they mark the per-site cluster hash tag');
  const root = rootOf(keyPrefix);
  const countBots = options.countBots ?? countNoBots;
  const connection = connect(redisTarget(options.url), (error: Error) => options.onError?.(error));
  const redis = connection.client;
  redis.defineCommand('pulseRtApply', { numberOfKeys: 1, lua: applyScript });
  redis.defineCommand('pulseRtSessions', { numberOfKeys: 1, lua: sessionsScript });
  redis.defineCommand('pulseRtPositions', { numberOfKeys: 1, lua: positionsScript });
  redis.defineCommand('pulseRtForgetUser', { numberOfKeys: 1, lua: forgetUserScript });
  const scripts = redis as unknown as ScriptCommands;

  /** One script call per MAX_EVENTS_PER_CALL events of one site, one after the other. */
  async function applySite(site: string, events: readonly PlannedEvent[]): Promise<ApplyResult> {
    const base = siteKeys(root, site).base;
    const countsBots = countBots.counts(site);
    let applied = 0;
    let duplicates = 0;
    for (let i = 0; i < events.length; i += MAX_EVENTS_PER_CALL) {
      const [a, d] = await scripts.pulseRtApply(applyArgs(base, events.slice(i, i + MAX_EVENTS_PER_CALL), countsBots));
      applied += a;
      duplicates += d;
    }
    return { applied, duplicates };
  }

  const store: RealtimeStore = {
    async applyBatch(events: readonly EnrichedEvent[]): Promise<ApplyResult> {
      await connection.ready();
      // One script call per site (on a cluster, sites live on different nodes); only a site's part
      // beyond what one command should carry is split. Each event stays atomic with its updates.
      const outcomes = await Promise.allSettled([...bySite(events.map(planEvent))].map(([site, planned]) => applySite(site, planned)));
      let applied = 0;
      let duplicates = 0;
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') throw outcome.reason;
        applied += outcome.value.applied;
        duplicates += outcome.value.duplicates;
      }
      return { applied, duplicates };
    },

    async snapshot(site: string, now: number, snapshotOptions?: { topN?: number; feedSize?: number }): Promise<RealtimeSnapshot> {
      await connection.ready();
      const { topN, feedSize } = snapshotSizes(snapshotOptions);
      const keys = siteKeys(root, site);
      const minutes = lastHourMinutes(now);
      const minuteKeys = minutes.map(keys.pagesMinute);
      const botKeys = minutes.map(keys.botsMinute);
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
      pipeline.call('ZUNION', botKeys.length, ...botKeys, 'WITHSCORES');
      pipeline.mget(...minutes.map(keys.quickExitsMinute));
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
        quickExitsLastHour: reply<(string | null)[]>(results, 8).reduce((sum, n) => sum + Number(n ?? 0), 0),
        feed,
        newestEventTs: newest === null ? null : Number(newest),
        bots: botFigures(scoredPairs(reply<string[]>(results, 7)), topN, countBots.counts(site)),
      };
    },

    async userStats(site: string, userId: string, now: number): Promise<UserStats> {
      await connection.ready();
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
      await connection.ready();
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
      await connection.ready();
      const fields = await redis.hgetall(siteKeys(root, site).heat(path));
      const cells: HeatCell[] = [];
      for (const [field, count] of Object.entries(fields)) {
        const cell = parseHeatField(field, Number(count));
        if (cell !== null) cells.push(cell);
      }
      return sortHeatCells(cells);
    },

    async forgetUser(site: string, userId: string): Promise<number> {
      await connection.ready();
      return scripts.pulseRtForgetUser(siteKeys(root, site).base, userId);
    },

    /** Every master answers (on a cluster each holds some sites' keys). */
    async ping(): Promise<void> {
      await connection.ready();
      const masters = connection.masters();
      if (masters.length === 0) throw new Error('Redis Cluster has no master');
      await Promise.all(masters.map((master) => master.ping()));
    },

    async close(): Promise<void> {
      if (redis.status === 'end') return;
      await redis.quit().catch(() => redis.disconnect());
    },
  };
  return withStoreErrors(store, 'redis', redisErrorKind);
}
