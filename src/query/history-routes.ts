import type { FastifyInstance, FastifyReply } from 'fastify';
import { breakdownDimensions, type BreakdownDimension, type Warehouse } from '../workers/warehouse/warehouse.ts';

const HOUR = 3_600_000;

const site = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'Only this site (all sites when absent).' } as const;
const range = {
  site,
  from: { type: 'string', format: 'date-time', description: 'Start (ISO-8601); default: 24 hours before `to`.' },
  to: { type: 'string', format: 'date-time', description: 'End, exclusive (ISO-8601); default: now.' },
} as const;

interface RangeQuery {
  site?: string;
  from?: string;
  to?: string;
}

/** History from the warehouse: seed 002's aggregates endpoint and the dashboard's history views. */
export function registerHistoryRoutes(app: FastifyInstance, deps: { warehouse: Warehouse | undefined; now?: () => number }): void {
  const now = deps.now ?? Date.now;
  const warehouseOr503 = (reply: FastifyReply): Warehouse | undefined => {
    if (deps.warehouse === undefined) {
      void reply.code(503).send({
        error: 'history_unavailable',
        message: 'no warehouse is configured for this process (set PULSE_CLICKHOUSE_URL or PULSE_POSTGRES_URL)',
      });
    }
    return deps.warehouse;
  };
  const toRange = (query: RangeQuery, reply: FastifyReply) => {
    const to = query.to === undefined ? now() : Date.parse(query.to);
    const from = query.from === undefined ? to - 24 * HOUR : Date.parse(query.from);
    if (!(from < to)) {
      void reply.code(400).send({ error: 'bad_range', message: '`from` must be before `to`' });
      return undefined;
    }
    return { from, to, site: query.site };
  };

  app.get<{ Querystring: { hours: number; site?: string } }>(
    '/query/aggregates',
    {
      schema: {
        description: 'Per-page views, unique users, bounces and average duration over the last `hours` (seed 002), most viewed first.',
        querystring: {
          type: 'object',
          properties: { hours: { type: 'number', exclusiveMinimum: 0, maximum: 24 * 366, default: 1 }, site },
        },
      },
    },
    async (request, reply) => {
      const warehouse = warehouseOr503(reply);
      if (warehouse === undefined) return reply;
      const to = now();
      return warehouse.pageAggregates({ from: to - request.query.hours * HOUR, to, site: request.query.site });
    },
  );

  app.get<{ Querystring: RangeQuery & { bucket: 'minute' | 'hour' | 'day' } }>(
    '/api/history/timeseries',
    {
      schema: {
        description: 'Views, unique users, bounces and average duration per minute, hour or day (buckets with data only).',
        querystring: {
          type: 'object',
          properties: { ...range, bucket: { type: 'string', enum: ['minute', 'hour', 'day'], default: 'hour' } },
        },
      },
    },
    async (request, reply) => {
      const warehouse = warehouseOr503(reply);
      const window = warehouse === undefined ? undefined : toRange(request.query, reply);
      if (warehouse === undefined || window === undefined) return reply;
      return {
        bucket: request.query.bucket,
        from: window.from,
        to: window.to,
        points: await warehouse.timeSeries(window, request.query.bucket),
      };
    },
  );

  app.get<{ Querystring: RangeQuery & { dimension: BreakdownDimension; limit: number } }>(
    '/api/history/breakdown',
    {
      schema: {
        description: 'Top values of one dimension (referrers, browsers, OS, devices, UTM) by views.',
        querystring: {
          type: 'object',
          properties: {
            ...range,
            dimension: { type: 'string', enum: [...breakdownDimensions], default: 'referrer_host' },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
          },
        },
      },
    },
    async (request, reply) => {
      const warehouse = warehouseOr503(reply);
      const window = warehouse === undefined ? undefined : toRange(request.query, reply);
      if (warehouse === undefined || window === undefined) return reply;
      return {
        dimension: request.query.dimension,
        rows: await warehouse.breakdown(window, request.query.dimension, request.query.limit),
      };
    },
  );

  app.get<{ Querystring: RangeQuery }>(
    '/api/history/pages',
    {
      schema: { description: 'Per-page figures over a time range, most viewed first.', querystring: { type: 'object', properties: range } },
    },
    async (request, reply) => {
      const warehouse = warehouseOr503(reply);
      const window = warehouse === undefined ? undefined : toRange(request.query, reply);
      if (warehouse === undefined || window === undefined) return reply;
      return { pages: await warehouse.pageAggregates(window) };
    },
  );
}
