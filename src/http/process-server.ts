import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { createHttpApp } from './http-app.ts';
import { safeEqual } from './safe-equal.ts';
import type { Logger } from '../shared/logger.ts';
import { PulseError, errorCodes, withTimeout } from '../shared/errors.ts';

/** A dependency /ready checks: its name and how to reach it (Redis PING, SELECT 1, …). */
export interface ReadinessCheck {
  name: string;
  ping: () => Promise<void>;
}

/** /health, /ready, /status and /metrics of a process that is not the ingest server. */
export function buildProcessServer(deps: {
  logger: Logger;
  registry: Registry;
  checks: readonly ReadinessCheck[];
  /** What /status answers: the process's own figures. */
  status: () => Promise<Record<string, unknown>>;
  /** PULSE_METRICS_TOKEN: when set, /metrics needs it as a bearer token. */
  metricsToken?: string | undefined;
}): FastifyInstance {
  const app = createHttpApp({ logger: deps.logger });
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_request, reply) => {
    const check = ({ name, ping }: ReadinessCheck) =>
      withTimeout(ping(), 3000, () => new PulseError(errorCodes.STORE_UNAVAILABLE, `${name} did not answer`)).then(
        () => null,
        (error: unknown) => `${name}: ${error instanceof Error ? error.message : String(error)}`,
      );
    const problems = (await Promise.all(deps.checks.map(check))).filter((p) => p !== null);
    return problems.length === 0
      ? { status: 'ready' }
      : reply.code(503).header('retry-after', '5').send({ status: 'unavailable', problems });
  });
  app.get('/status', deps.status);
  const expected = deps.metricsToken === undefined ? undefined : `Bearer ${deps.metricsToken}`;
  app.get('/metrics', async (request, reply) => {
    if (expected !== undefined && !safeEqual(request.headers.authorization ?? '', expected)) {
      throw new PulseError(errorCodes.UNAUTHORIZED, '/metrics needs Authorization: Bearer <PULSE_METRICS_TOKEN>', {
        detail: 'unauthorized',
      });
    }
    return reply.header('content-type', deps.registry.contentType).send(await deps.registry.metrics());
  });
  return app;
}
