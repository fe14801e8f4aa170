import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Bus } from '../bus/bus.ts';
import { describeRecord } from '../bus/describe-record.ts';
import { errorResponses, openObjects, textResponse } from '../http/api-contract.ts';
import { PulseError, errorCodes } from '../shared/errors.ts';

/**
 * Topic list and live tail over HTTP, so `pulse listen`, `pulse topics` and the dashboard's
 * Kafka page can read a running instance's bus (an embedded log lives inside its process).
 */
export function registerTopicRoutes(app: FastifyInstance, deps: { bus: Bus }): void {
  app.get(
    '/api/topics',
    {
      schema: {
        description: 'Topics with partitions and offsets.',
        response: {
          200: openObjects({
            description: 'Every topic of the bus.',
            type: 'object',
            required: ['topics'],
            properties: {
              topics: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['name', 'partitions'],
                  properties: {
                    name: { type: 'string' },
                    partitions: {
                      type: 'array',
                      items: {
                        type: 'object',
                        required: ['partition', 'startOffset', 'endOffset'],
                        properties: { partition: { type: 'integer' }, startOffset: { type: 'integer' }, endOffset: { type: 'integer' } },
                      },
                    },
                  },
                },
              },
            },
          }),
          ...errorResponses(503),
        },
      },
    },
    async () => ({ topics: await deps.bus.listTopics() }),
  );

  app.get<{ Params: { topic: string }; Querystring: { from?: 'earliest' | 'latest'; limit?: number } }>(
    '/api/topics/:topic/tail',
    {
      schema: {
        description: 'Stream records of a topic as NDJSON, one JSON object a line, until the client disconnects or `limit` is reached.',
        params: { type: 'object', properties: { topic: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,249}$' } }, required: ['topic'] },
        querystring: {
          type: 'object',
          properties: { from: { type: 'string', enum: ['earliest', 'latest'], default: 'latest' }, limit: { type: 'integer', minimum: 1 } },
        },
        response: {
          200: textResponse('application/x-ndjson', 'The records, one JSON object a line, until `limit` or the client disconnects.'),
          ...errorResponses(404, 503),
        },
      },
    },
    async (request, reply) => {
      const known = (await deps.bus.listTopics()).some((t) => t.name === request.params.topic);
      if (!known) throw new PulseError(errorCodes.NOT_FOUND, `no topic "${request.params.topic}"`, { detail: 'unknown_topic' });
      const subscription = await deps.bus.subscribe({
        group: `pulse-tail-${randomUUID()}`,
        topics: [request.params.topic],
        from: request.query.from ?? 'latest',
      });
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
      out.write(''); // flush headers so the client knows it is subscribed
      let open = true;
      out.on('close', () => {
        open = false;
      });
      let sent = 0;
      const limit = request.query.limit ?? Number.POSITIVE_INFINITY;
      try {
        while (open && sent < limit) {
          const records = await subscription.poll(Math.min(500, limit - sent), 500);
          for (const record of records) out.write(`${JSON.stringify(describeRecord(record))}\n`);
          sent += records.length;
        }
      } finally {
        await subscription.close();
        out.end();
      }
      return reply;
    },
  );
}
