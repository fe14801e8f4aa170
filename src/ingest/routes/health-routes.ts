import type { FastifyInstance } from 'fastify';
import type { Bus } from '../../bus/bus.ts';
import { PulseError, errorCodes, withTimeout } from '../../shared/errors.ts';
import { ERROR_SCHEMA_ID, textResponse } from '../../http/api-contract.ts';
import type { IngestMetrics } from '../ingest-metrics.ts';

const busKind = { type: 'string', enum: ['kafka', 'embedded'], description: 'Which event bus this process uses.' } as const;

export function registerHealthRoutes(app: FastifyInstance, deps: { bus: Bus; metrics: IngestMetrics }): void {
  app.get(
    '/health',
    {
      schema: {
        description: 'Liveness: the process serves HTTP.',
        response: {
          200: { description: 'Alive.', type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } },
        },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/ready',
    {
      schema: {
        description: 'Readiness: the event bus answers.',
        response: {
          200: {
            description: 'The event bus answers.',
            type: 'object',
            required: ['status', 'bus'],
            properties: { status: { type: 'string', enum: ['ready'] }, bus: busKind },
          },
          503: {
            description: 'The event bus does not answer: the shared error body, with the readiness fields.',
            headers: { 'retry-after': { type: 'integer', minimum: 0, description: 'Seconds to wait before asking again.' } },
            content: {
              'application/json': {
                schema: {
                  allOf: [
                    { $ref: `${ERROR_SCHEMA_ID}#` },
                    {
                      type: 'object',
                      required: ['status', 'bus'],
                      properties: { status: { type: 'string', enum: ['unavailable'] }, bus: busKind },
                    },
                  ],
                },
              },
            },
          },
        },
      },
    },
    async (_request, reply) => {
      try {
        await withTimeout(deps.bus.ping(), 3000, () => new PulseError(errorCodes.BUS_UNAVAILABLE, 'bus ping timed out'));
        return { status: 'ready', bus: deps.bus.kind };
      } catch (error) {
        return reply
          .code(503)
          .header('retry-after', '5')
          .send({ error: 'unavailable', status: 'unavailable', bus: deps.bus.kind, message: String(error) });
      }
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        description: 'Prometheus metrics.',
        response: { 200: textResponse('text/plain', 'The metrics in the Prometheus text exposition format (0.0.4).') },
      },
    },
    async (_request, reply) => {
      const body = await (deps.metrics.exposition ?? (() => deps.metrics.registry.metrics()))();
      return reply.header('content-type', deps.metrics.registry.contentType).send(body);
    },
  );
}
