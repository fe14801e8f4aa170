import type { FastifyInstance } from 'fastify';
import type { Bus } from '../../bus/bus.ts';
import { PulseError, errorCodes, withTimeout } from '../../shared/errors.ts';
import type { IngestMetrics } from '../ingest-metrics.ts';

export function registerHealthRoutes(app: FastifyInstance, deps: { bus: Bus; metrics: IngestMetrics }): void {
  app.get('/health', { schema: { description: 'Liveness: the process serves HTTP.' } }, async () => ({ status: 'ok' }));

  app.get('/ready', { schema: { description: 'Readiness: the event bus answers.' } }, async (_request, reply) => {
    try {
      await withTimeout(deps.bus.ping(), 3000, () => new PulseError(errorCodes.BUS_UNAVAILABLE, 'bus ping timed out'));
      return { status: 'ready', bus: deps.bus.kind };
    } catch (error) {
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({ status: 'unavailable', bus: deps.bus.kind, message: String(error) });
    }
  });

  app.get('/metrics', { schema: { description: 'Prometheus metrics.' } }, async (_request, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.header('content-type', deps.metrics.registry.contentType).send(body);
  });
}
