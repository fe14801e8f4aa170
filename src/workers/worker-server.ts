import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Bus } from '../bus/bus.ts';
import type { Logger } from '../shared/logger.ts';
import { PulseError, errorCodes, withTimeout } from '../shared/errors.ts';
import type { RunningWorker } from './worker-runner.ts';

/** /health, /ready, /status and /metrics of a worker process. */
export function buildWorkerServer(deps: {
  logger: Logger;
  registry: Registry;
  bus: Bus;
  worker: () => RunningWorker | undefined;
  /** Sink reachability (Redis PING, SELECT 1, …). */
  sinkPing: () => Promise<void>;
}): FastifyInstance {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, forceCloseConnections: true });
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_request, reply) => {
    const check = (what: string, ping: () => Promise<void>) =>
      withTimeout(ping(), 3000, () => new PulseError(errorCodes.BUS_UNAVAILABLE, `${what} did not answer`)).then(
        () => null,
        (error: unknown) => `${what}: ${error instanceof Error ? error.message : String(error)}`,
      );
    const problems = (await Promise.all([check('bus', () => deps.bus.ping()), check('sink', deps.sinkPing)])).filter((p) => p !== null);
    return problems.length === 0 ? { status: 'ready' } : reply.code(503).send({ status: 'unavailable', problems });
  });
  app.get('/status', async () => {
    const status = deps.worker()?.status();
    if (status === undefined) return { state: 'starting' };
    try {
      const lag = await withTimeout(
        deps.bus.groupLag(status.group, status.topics),
        3000,
        () => new PulseError(errorCodes.BUS_UNAVAILABLE, 'lag query timed out'),
      );
      return { ...status, lag, totalLag: lag.reduce((sum, p) => sum + p.lag, 0) };
    } catch (error) {
      return { ...status, lag: null, totalLag: null, lagError: error instanceof Error ? error.message : String(error) };
    }
  });
  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', deps.registry.contentType).send(await deps.registry.metrics()),
  );
  return app;
}
