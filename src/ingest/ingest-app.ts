import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Bus } from '../bus/bus.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../shared/logger.ts';
import { installErrorHandler } from './error-handler.ts';
import type { IngestMetrics } from './ingest-metrics.ts';
import { registerCollectRoutes } from './routes/collect-routes.ts';
import { registerDemoRoutes } from './routes/demo-routes.ts';
import { registerHealthRoutes } from './routes/health-routes.ts';
import { collectPathRewriter, registerTrackerRoutes } from './routes/tracker-routes.ts';

export interface IngestDeps {
  bus: Bus;
  config: Config;
  logger: Logger;
  metrics: IngestMetrics;
  now?: () => Date;
  /** More routes on the same server (embedded mode adds the bus admin API). */
  extend?: ((app: FastifyInstance) => void | Promise<void>) | undefined;
}

/** The HTTP face of Pulse: collect endpoints, health, metrics, OpenAPI. Not listening yet. */
export async function buildIngestApp(deps: IngestDeps): Promise<FastifyInstance> {
  const rewriteUrl = collectPathRewriter(deps.config); // PULSE_COLLECT_PATH → /api/events
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.config.PULSE_MAX_BODY_BYTES,
    trustProxy: deps.config.PULSE_TRUST_PROXY,
    logController: new LogController({ disableRequestLogging: true }),
    onProtoPoisoning: 'remove',
    forceCloseConnections: true,
    ...(rewriteUrl === undefined ? {} : { rewriteUrl }),
  });
  // navigator.sendBeacon posts text/plain to avoid a CORS preflight: the body is still JSON.
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(Object.assign(new Error(`malformed JSON body: ${(error as Error).message}`), { statusCode: 400 }), undefined);
    }
  });
  installErrorHandler(app, Math.ceil(deps.config.PULSE_PRODUCE_TIMEOUT_MS / 1000));
  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.requests.inc({ route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Pulse', version: '0.1.0', description: 'Real-time user-activity analytics: collect, stats and admin API.' },
    },
  });
  if (deps.config.PULSE_RATE_LIMIT_PER_MINUTE > 0) await app.register(rateLimit, { global: false });

  const now = deps.now ?? (() => new Date());
  await registerTrackerRoutes(app, { config: deps.config }); // before the collect routes: CORS and origin checks apply to them
  if (deps.config.PULSE_DEMO) await registerDemoRoutes(app);
  registerCollectRoutes(app, { bus: deps.bus, config: deps.config, metrics: deps.metrics, now });
  registerHealthRoutes(app, { bus: deps.bus, metrics: deps.metrics });
  if (deps.extend !== undefined) await deps.extend(app);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
