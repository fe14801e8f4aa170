import type { FastifyInstance } from 'fastify';
import type { Bus } from '../bus/bus.ts';
import type { SiteSet } from '../config/config.ts';
import { siteKeySource } from '../contract/site-key.ts';
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
    site: { type: 'string', pattern: `^${siteKeySource}$`, description: 'Site key; defaults to the first of PULSE_SITES.' },
  },
} as const;
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
    { schema: { description: 'Live figures: active users (5 min), top pages, events/s, sessions, live feed.', querystring: siteQuery } },
    async (request) => deps.store.snapshot(resolveSite(request.query.site), now()),
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
    async (request) => deps.store.userStats(resolveSite(request.query.site), request.params.userId, now()),
  );

  app.get<{ Querystring: { site?: string; path: string } }>(
    '/api/stats/positions',
    { schema: { description: 'Last cursor position of each user active on a page in the last 5 minutes.', querystring: pathQuery } },
    async (request) => ({ positions: await deps.store.lastPositions(resolveSite(request.query.site), request.query.path, now()) }),
  );

  app.get<{ Querystring: { site?: string; path: string } }>(
    '/api/stats/heatmap',
    { schema: { description: 'Cursor heat map of a page: counts on a 50 × 50 grid over the viewport.', querystring: pathQuery } },
    async (request) => ({ grid: 50, cells: await deps.store.heatmap(resolveSite(request.query.site), request.query.path) }),
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
