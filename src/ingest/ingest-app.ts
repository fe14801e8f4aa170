import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { LogController, type FastifyInstance } from 'fastify';
import type { Bus } from '../bus/bus.ts';
import type { IngestSettings } from '../config/ingest-settings.ts';
import type { Logger } from '../shared/logger.ts';
import { toOpenApi30, withSiteKeys } from '../http/api-contract.ts';
import { createHttpApp } from '../http/http-app.ts';
import type { IngestMetrics } from './ingest-metrics.ts';
import { registerCollectRoutes } from './routes/collect-routes.ts';
import { registerDemoRoutes } from './routes/demo-routes.ts';
import { registerHealthRoutes } from './routes/health-routes.ts';
import { collectPathRewriter, registerTrackerRoutes } from './routes/tracker-routes.ts';

export interface IngestDeps {
  bus: Bus;
  settings: IngestSettings;
  logger: Logger;
  metrics: IngestMetrics;
  now?: () => Date;
  /** More routes on the same server (embedded mode adds the bus admin API). */
  extend?: ((app: FastifyInstance) => void | Promise<void>) | undefined;
}

/** The HTTP face of Pulse: collect endpoints, health, metrics, OpenAPI. Not listening yet. */
export async function buildIngestApp(deps: IngestDeps): Promise<FastifyInstance> {
  const rewriteUrl = collectPathRewriter(deps.settings.collectAlias); // PULSE_COLLECT_PATH → /api/events
  const app = createHttpApp({
    logger: deps.logger,
    retryAfterSeconds: Math.ceil(deps.settings.produceTimeoutMs / 1000),
    server: {
      bodyLimit: deps.settings.maxBodyBytes,
      trustProxy: deps.settings.trustProxy,
      logController: new LogController({ disableRequestLogging: true }),
      onProtoPoisoning: 'remove',
      ...(rewriteUrl === undefined ? {} : { rewriteUrl }),
    },
  });
  // navigator.sendBeacon posts text/plain to avoid a CORS preflight: the body is still JSON.
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(Object.assign(new Error(`malformed JSON body: ${(error as Error).message}`), { statusCode: 400 }), undefined);
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.requests.inc({ route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Pulse', version: '0.1.0', description: 'Real-time user-activity analytics: collect, stats and admin API.' },
      components: {
        // Who may call what: src/auth/access-policy.ts; each protected operation lists the schemes it takes.
        securitySchemes: {
          bearerToken: { type: 'http', scheme: 'bearer', description: 'An API token of a user (`pat_…`), or PULSE_ADMIN_TOKEN.' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'pulse_session', description: 'Set by POST /api/auth/login.' },
          shareLink: {
            type: 'apiKey',
            in: 'cookie',
            name: 'pulse_share',
            description: 'Set by opening a share link (/share/<token>): read-only, one site.',
          },
          metricsToken: { type: 'http', scheme: 'bearer', description: 'PULSE_METRICS_TOKEN, when set.' },
        },
      },
    },
    // Shared schemas (the `Error` body, the event variants) keep their `$id` as component names.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transformObject: (document) => ('openapiObject' in document ? toOpenApi30(document.openapiObject) : document.swaggerObject),
  });
  if (deps.settings.rateLimitPerMinute > 0) await app.register(rateLimit, { global: false });

  const now = deps.now ?? (() => new Date());
  await registerTrackerRoutes(app, { settings: deps.settings, metrics: deps.metrics }); // before the collect routes: CORS and origin checks apply to them
  if (deps.settings.demo) await registerDemoRoutes(app);
  registerCollectRoutes(app, { bus: deps.bus, settings: deps.settings, metrics: deps.metrics, now });
  registerHealthRoutes(app, { bus: deps.bus, metrics: deps.metrics });
  if (deps.extend !== undefined) await deps.extend(app);
  // The site keys are runtime data (PULSE_SITES, sites added from the dashboard): the document lists those of now.
  app.get('/openapi.json', { schema: { hide: true } }, async () => withSiteKeys(app.swagger(), deps.settings.sites));
  return app;
}
