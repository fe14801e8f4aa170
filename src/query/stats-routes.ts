import type { FastifyInstance } from 'fastify';
import type { Bus } from '../bus/bus.ts';
import type { SiteSet } from '../config/config.ts';
import { collectedSiteKey, errorResponses, eventStreamResponse, openObjects } from '../http/api-contract.ts';
import { badRequest } from '../shared/errors.ts';
import type { RealtimeStore } from '../stores/realtime/realtime-store.ts';
import type { LiveHub } from './live-hub.ts';
import { pipelineHealth, type ConsumerGroupWatch } from './pipeline-health.ts';

export interface StatsDeps {
  store: RealtimeStore;
  bus: Bus;
  hub: LiveHub;
  sites: SiteSet;
  watches: readonly ConsumerGroupWatch[];
  now?: () => number;
}

const siteQuery = {
  type: 'object',
  properties: {
    site: collectedSiteKey('A site key Pulse collects for (400 `unknown_site` otherwise); defaults to the first of PULSE_SITES.'),
  },
} as const;

const count = { type: 'integer', minimum: 0 } as const;
const epochMs = { type: 'number', description: 'Epoch milliseconds.' } as const;
const nullable = (schema: object) => ({ ...schema, nullable: true });
const pageViews = {
  type: 'array',
  items: { type: 'object', required: ['path', 'views'], properties: { path: { type: 'string' }, views: count } },
} as const;

const snapshotReply = {
  type: 'object',
  required: [
    'site',
    'activeUsers',
    'topPages',
    'topPagesLastHour',
    'eventsPerSecond',
    'eventsPerSecondSeries',
    'sessions',
    'quickExitsLastHour',
    'feed',
    'newestEventTs',
    'bots',
  ],
  properties: {
    site: { type: 'string' },
    activeUsers: { ...count, description: 'Distinct users seen in the last 5 minutes.' },
    topPages: { ...pageViews, description: 'Page views all time, most viewed first.' },
    topPagesLastHour: { ...pageViews, description: 'Page views in the sliding last hour, most viewed first.' },
    eventsPerSecond: { type: 'number', minimum: 0, description: 'Averaged over the last 10 seconds.' },
    eventsPerSecondSeries: {
      type: 'array',
      description: 'Events in each of the last 60 seconds, oldest first.',
      items: { type: 'object', required: ['ts', 'count'], properties: { ts: epochMs, count } },
    },
    sessions: {
      type: 'object',
      description: 'Sessions active in the last hour.',
      required: ['count', 'bounceRate', 'avgDurationSeconds'],
      properties: {
        count,
        bounceRate: { type: 'number', description: 'Share of the sessions with at most one page view (single-page sessions), 0–1.' },
        avgDurationSeconds: { type: 'number' },
      },
    },
    quickExitsLastHour: { ...count, description: 'Page views with a known duration under 5 s in the sliding last hour (not bounces).' },
    feed: {
      type: 'array',
      description: 'Newest events first (cursor moves left out).',
      items: {
        type: 'object',
        required: ['event_id', 'type', 'user_id', 'session_id', 'path', 'ts', 'label'],
        properties: {
          event_id: { type: 'string' },
          type: { type: 'string' },
          user_id: { type: 'string' },
          session_id: { type: 'string' },
          path: { type: 'string' },
          ts: epochMs,
          label: nullable({ type: 'string' }),
        },
      },
    },
    newestEventTs: nullable({ ...epochMs, description: 'Epoch ms of the newest event applied; null before the first.' }),
    bots: {
      type: 'object',
      description: 'Bot and automation traffic of the last hour (left out of the figures above unless `counted`).',
      required: ['counted', 'requestsLastHour', 'topLastHour'],
      properties: {
        counted: { type: 'boolean', description: 'Whether this site counts bots in its figures (PULSE_COUNT_BOTS_SITES).' },
        requestsLastHour: count,
        topLastHour: {
          type: 'array',
          description: 'The busiest bots, most requests first.',
          items: { type: 'object', required: ['name', 'requests'], properties: { name: { type: 'string' }, requests: count } },
        },
      },
    },
  },
} as const;

const userReply = {
  type: 'object',
  required: ['user_id', 'site', 'eventsLastHour', 'lastPosition'],
  properties: {
    user_id: { type: 'string' },
    site: { type: 'string' },
    eventsLastHour: count,
    lastPosition: nullable({
      type: 'object',
      required: ['x', 'y', 'ts', 'path'],
      properties: { x: { type: 'number' }, y: { type: 'number' }, ts: epochMs, path: { type: 'string' } },
    }),
  },
} as const;

const positionsReply = {
  type: 'object',
  required: ['positions'],
  properties: {
    positions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['user_id', 'path', 'x', 'y', 'viewport_w', 'viewport_h', 'ts'],
        properties: {
          user_id: { type: 'string' },
          path: { type: 'string' },
          x: { type: 'number' },
          y: { type: 'number' },
          viewport_w: nullable({ type: 'number' }),
          viewport_h: nullable({ type: 'number' }),
          ts: epochMs,
        },
      },
    },
  },
} as const;

const heatmapReply = {
  type: 'object',
  required: ['grid', 'cells'],
  properties: {
    grid: { type: 'integer', enum: [50] },
    cells: {
      type: 'array',
      items: { type: 'object', required: ['cx', 'cy', 'count'], properties: { cx: { type: 'integer' }, cy: { type: 'integer' }, count } },
    },
  },
} as const;

const pipelineReply = {
  type: 'object',
  required: ['groups', 'checkedAt', 'error'],
  properties: {
    groups: {
      type: 'array',
      items: {
        type: 'object',
        required: ['group', 'totalLag', 'topics'],
        properties: {
          group: { type: 'string' },
          totalLag: { type: 'integer' },
          topics: {
            type: 'array',
            items: {
              type: 'object',
              required: ['topic', 'lag', 'partitions'],
              properties: { topic: { type: 'string' }, lag: { type: 'integer' }, partitions: count },
            },
          },
        },
      },
    },
    checkedAt: epochMs,
    error: nullable({ type: 'string', description: 'Why the lag could not be read; the groups are empty then.' }),
  },
} as const;

/** The answers of a stats route: its body, and 503 when the realtime store is unavailable. */
const answers = (body: object, description: string) => ({ 200: { description, ...openObjects(body) }, ...errorResponses(503) });
const pathQuery = {
  type: 'object',
  properties: { ...siteQuery.properties, path: { type: 'string', minLength: 1, maxLength: 2048, default: '/' } },
} as const;

/** Live figures from the realtime store: JSON endpoints and one SSE stream for the dashboard. */
export function registerStatsRoutes(app: FastifyInstance, deps: StatsDeps): void {
  const now = deps.now ?? Date.now;
  const { sites } = deps;
  const defaultSite = sites === 'any' ? 'demo' : ([...sites][0] ?? 'demo');
  /** The site asked for; one Pulse does not collect for is a 400. */
  const resolveSite = (site: string | undefined): string => {
    const chosen = site ?? defaultSite;
    if (sites !== 'any' && !sites.has(chosen)) throw badRequest('unknown_site', `unknown site key "${chosen}"`);
    return chosen;
  };

  app.get<{ Querystring: { site?: string } }>(
    '/api/stats/realtime',
    {
      schema: {
        description: 'Live figures: active users (5 min), top pages, events/s, sessions, live feed.',
        querystring: siteQuery,
        response: answers(snapshotReply, 'The live figures of the site.'),
      },
    },
    async (request) => deps.store.snapshot(resolveSite(request.query.site), now()),
  );

  app.get<{ Params: { userId: string }; Querystring: { site?: string } }>(
    '/api/stats/users/:userId',
    {
      schema: {
        description: "One visitor's events in the last hour and last mouse position.",
        params: { type: 'object', properties: { userId: { type: 'string', minLength: 1, maxLength: 128 } }, required: ['userId'] },
        querystring: siteQuery,
        response: answers(userReply, 'The visitor’s figures (zero and null for a visitor never seen).'),
      },
    },
    async (request) => deps.store.userStats(resolveSite(request.query.site), request.params.userId, now()),
  );

  app.get<{ Querystring: { site?: string; path: string } }>(
    '/api/stats/positions',
    {
      schema: {
        description: 'Last cursor position of each user active on a page in the last 5 minutes.',
        querystring: pathQuery,
        response: answers(positionsReply, 'The positions, one per user.'),
      },
    },
    async (request) => ({ positions: await deps.store.lastPositions(resolveSite(request.query.site), request.query.path, now()) }),
  );

  app.get<{ Querystring: { site?: string; path: string } }>(
    '/api/stats/heatmap',
    {
      schema: {
        description: 'Cursor heat map of a page: counts on a 50 × 50 grid over the viewport.',
        querystring: pathQuery,
        response: answers(heatmapReply, 'The cells with at least one cursor position.'),
      },
    },
    async (request) => ({ grid: 50, cells: await deps.store.heatmap(resolveSite(request.query.site), request.query.path) }),
  );

  app.get(
    '/api/stats/pipeline',
    {
      schema: {
        description: 'Consumer-group lag per topic.',
        response: {
          200: { description: 'The lag of each watched group (a failed read is reported in `error`).', ...openObjects(pipelineReply) },
        },
      },
    },
    async () => pipelineHealth(deps.bus, deps.watches, now()),
  );

  app.get<{ Querystring: { site?: string } }>(
    '/api/stream',
    {
      schema: {
        description:
          'Server-sent events: a `live` event with realtime figures and pipeline health twice a second, and about 0.1 s after new events where the realtime worker runs in the same process (`pulse start`).',
        querystring: siteQuery,
        response: {
          200: eventStreamResponse(
            ['live'],
            'A `live` event twice a second (sooner after new events in `pulse start`): the realtime figures and pipeline health.',
          ),
        },
      },
    },
    async (request, reply) => {
      const site = resolveSite(request.query.site);
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      out.write('retry: 2000\n\n');
      const unsubscribe = deps.hub.subscribe(site, (update) => {
        out.write(`event: live\ndata: ${JSON.stringify(update)}\n\n`);
      });
      out.on('close', unsubscribe);
      return reply;
    },
  );
}
