import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Bus } from '../bus/bus.ts';
import { siteKeys, type Config } from '../config/config.ts';
import type { RealtimeStore } from '../workers/realtime/realtime-store.ts';
import type { LiveHub } from './live-hub.ts';
import { pipelineHealth, type ConsumerGroupWatch } from './pipeline-health.ts';

export interface StatsDeps {
  store: RealtimeStore;
  bus: Bus;
  hub: LiveHub;
  config: Config;
  watches: readonly ConsumerGroupWatch[];
  now?: () => number;
}

const siteQuery = {
  type: 'object',
  properties: {
    site: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'Site key; defaults to the first of PULSE_SITES.' },
  },
} as const;
const pathQuery = {
  type: 'object',
  properties: { ...siteQuery.properties, path: { type: 'string', minLength: 1, maxLength: 2048, default: '/' } },
} as const;

/** Live figures from the realtime store: JSON endpoints and one SSE stream for the dashboard. */
export function registerStatsRoutes(app: FastifyInstance, deps: StatsDeps): void {
  const now = deps.now ?? Date.now;
  const sites = siteKeys(deps.config);
  const defaultSite = sites === 'any' ? 'demo' : ([...sites][0] ?? 'demo');
  /** The site asked for, or a 400 answer when it is not one Pulse collects for. */
  const resolveSite = (site: string | undefined, reply: FastifyReply): string | undefined => {
    const chosen = site ?? defaultSite;
    if (sites !== 'any' && !sites.has(chosen)) {
      void reply.code(400).send({ error: 'unknown_site', message: `unknown site key "${chosen}"` });
      return undefined;
    }
    return chosen;
  };

  app.get(
    '/api/sites',
    { schema: { description: 'Site keys Pulse collects for (empty when any key is accepted) and the default one.' } },
    async () => ({
      sites: sites === 'any' ? [] : [...sites],
      default: defaultSite,
    }),
  );

  app.get<{ Querystring: { site?: string } }>(
    '/api/stats/realtime',
    { schema: { description: 'Live figures: active users (5 min), top pages, events/s, sessions, live feed.', querystring: siteQuery } },
    async (request, reply) => {
      const site = resolveSite(request.query.site, reply);
      return site === undefined ? reply : deps.store.snapshot(site, now());
    },
  );

  app.get<{ Params: { userId: string }; Querystring: { site?: string } }>(
    '/api/stats/users/:userId',
    {
      schema: {
        description: "One visitor's events in the last hour and last mouse position.",
        params: { type: 'object', properties: { userId: { type: 'string', minLength: 1, maxLength: 128 } }, required: ['userId'] },
        querystring: siteQuery,
      },
    },
    async (request, reply) => {
      const site = resolveSite(request.query.site, reply);
      return site === undefined ? reply : deps.store.userStats(site, request.params.userId, now());
    },
  );

  app.get<{ Querystring: { site?: string; path: string } }>(
    '/api/stats/positions',
    { schema: { description: 'Last cursor position of each user active on a page in the last 5 minutes.', querystring: pathQuery } },
    async (request, reply) => {
      const site = resolveSite(request.query.site, reply);
      return site === undefined ? reply : { positions: await deps.store.lastPositions(site, request.query.path, now()) };
    },
  );

  app.get<{ Querystring: { site?: string; path: string } }>(
    '/api/stats/heatmap',
    { schema: { description: 'Cursor heat map of a page: counts on a 50 × 50 grid over the viewport.', querystring: pathQuery } },
    async (request, reply) => {
      const site = resolveSite(request.query.site, reply);
      return site === undefined ? reply : { grid: 50, cells: await deps.store.heatmap(site, request.query.path) };
    },
  );

  app.get('/api/stats/pipeline', { schema: { description: 'Consumer-group lag per topic.' } }, async () =>
    pipelineHealth(deps.bus, deps.watches, now()),
  );

  app.get<{ Querystring: { site?: string } }>(
    '/api/stream',
    {
      schema: {
        description: 'Server-sent events: a `live` event about twice a second with realtime figures and pipeline health.',
        querystring: siteQuery,
      },
    },
    async (request, reply) => {
      const site = resolveSite(request.query.site, reply);
      if (site === undefined) return reply;
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
