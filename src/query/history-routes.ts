import type { FastifyInstance } from 'fastify';
import { siteKeySource } from '../contract/site-key.ts';
import { badRequest, PulseError, errorCodes } from '../shared/errors.ts';
import {
  breakdownDimensions,
  type BreakdownDimension,
  type BreakdownRow,
  type PageAggregate,
  type TimeBucket,
  type TimeRange,
  type Warehouse,
} from '../stores/warehouse/warehouse.ts';

const HOUR = 3_600_000;

const site = { type: 'string', pattern: `^${siteKeySource}$`, description: 'Only this site (all sites when absent).' } as const;
const range = {
  site,
  from: { type: 'string', format: 'date-time', description: 'Start (ISO-8601); default: 24 hours before `to`.' },
  to: { type: 'string', format: 'date-time', description: 'End, exclusive (ISO-8601); default: now.' },
} as const;

export type HistoryBucket = 'minute' | 'hour' | 'day';

/** The answers of the history routes; the dashboard keeps copies (src/dashboard/web/src/api-types.ts). */
export interface TimeseriesAnswer {
  bucket: HistoryBucket;
  from: number;
  to: number;
  points: TimeBucket[];
}
export interface BreakdownAnswer {
  dimension: BreakdownDimension;
  rows: BreakdownRow[];
}
export interface PagesAnswer {
  pages: PageAggregate[];
}

interface RangeQuery {
  site?: string;
  from?: string;
  to?: string;
}

/** The warehouse history is read from, or the reason there is none. */
export function requireWarehouse(warehouse: Warehouse | undefined): Warehouse {
  if (warehouse === undefined) {
    throw new PulseError(
      errorCodes.HISTORY_UNAVAILABLE,
      'no warehouse is configured for this process (set PULSE_CLICKHOUSE_URL or PULSE_POSTGRES_URL)',
    );
  }
  return warehouse;
}

/** A query's time range: `to` defaults to now, `from` to 24 hours before it; an empty range is a 400. */
export function toRange(query: RangeQuery, now: number): TimeRange {
  const to = query.to === undefined ? now : Date.parse(query.to);
  const from = query.from === undefined ? to - 24 * HOUR : Date.parse(query.from);
  if (!(from < to)) throw badRequest('bad_range', '`from` must be before `to`');
  return { from, to, site: query.site };
}

/** History from the warehouse: the per-page aggregates endpoint and the dashboard's history views. */
export function registerHistoryRoutes(app: FastifyInstance, deps: { warehouse: Warehouse | undefined; now?: () => number }): void {
  const now = deps.now ?? Date.now;
  const warehouse = () => requireWarehouse(deps.warehouse);

  app.get<{ Querystring: { hours: number; site?: string } }>(
    '/query/aggregates',
    {
      schema: {
        description: 'Per-page views, unique users, bounces and average duration over the last `hours`, most viewed first.',
        querystring: {
          type: 'object',
          properties: { hours: { type: 'number', exclusiveMinimum: 0, maximum: 24 * 366, default: 1 }, site },
        },
      },
    },
    async (request): Promise<PageAggregate[]> => {
      const to = now();
      return warehouse().pageAggregates({ from: to - request.query.hours * HOUR, to, site: request.query.site });
    },
  );

  app.get<{ Querystring: RangeQuery & { bucket: HistoryBucket } }>(
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
    async (request) => {
      const store = warehouse();
      const window = toRange(request.query, now());
      return {
        bucket: request.query.bucket,
        from: window.from,
        to: window.to,
        points: await store.timeSeries(window, request.query.bucket),
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
    async (request): Promise<BreakdownAnswer> => {
      const store = warehouse();
      const window = toRange(request.query, now());
      return { dimension: request.query.dimension, rows: await store.breakdown(window, request.query.dimension, request.query.limit) };
    },
  );

  app.get<{ Querystring: RangeQuery }>(
    '/api/history/pages',
    {
      schema: { description: 'Per-page figures over a time range, most viewed first.', querystring: { type: 'object', properties: range } },
    },
    async (request): Promise<PagesAnswer> => {
      const store = warehouse();
      return { pages: await store.pageAggregates(toRange(request.query, now())) };
    },
  );
}
