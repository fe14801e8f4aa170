import type { FastifyInstance } from 'fastify';
import { siteKeySource } from '../contract/site-key.ts';
import { errorResponses, openObjects } from '../http/api-contract.ts';
import { badRequest, PulseError, errorCodes } from '../shared/errors.ts';
import {
  breakdownDimensions,
  type BotTraffic,
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

/** Definitions: src/stores/warehouse/warehouse.ts and the README's "Definitions". */
const figures = {
  views: { type: 'integer', minimum: 0 },
  unique_users: { type: 'integer', minimum: 0 },
  sessions: {
    type: 'integer',
    minimum: 0,
    description: 'Sessions whose entry (first view in the range) is this page or bucket.',
  },
  bounces: {
    type: 'integer',
    minimum: 0,
    description: 'Those sessions with exactly one view in the range (single-page sessions); bounce rate = bounces / sessions.',
  },
  quick_exits: {
    type: 'integer',
    minimum: 0,
    description: 'Views with a known duration under 5 s (quick exits; bounces are single-page sessions).',
  },
  avg_duration: { type: 'number', description: 'Seconds, over the views that carry a duration.' },
} as const;
const pageAggregate = {
  type: 'object',
  required: ['page', ...Object.keys(figures)],
  properties: { page: { type: 'string' }, ...figures },
} as const;
const epochMs = { type: 'number', description: 'Epoch milliseconds.' } as const;

/** A history answer: its body, 400 for a range whose `from` is not before `to`, 503 without a warehouse or when it is unavailable. */
const answers = (description: string, body: object) => ({ 200: { description, ...openObjects(body) }, ...errorResponses(503) });
const rangeNote = ' `from` must be before `to` (400 `bad_range`).';

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
/** Bot and automation traffic over the range (left out of the other answers unless the site counts bots). */
export interface BotsAnswer extends BotTraffic {
  from: number;
  to: number;
  /** Whether the named site counts bots in its figures (PULSE_COUNT_BOTS_SITES); false when no site is named. */
  counted: boolean;
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
export function registerHistoryRoutes(
  app: FastifyInstance,
  deps: { warehouse: Warehouse | undefined; countsBots?: (site: string) => boolean; now?: () => number },
): void {
  const now = deps.now ?? Date.now;
  const warehouse = () => requireWarehouse(deps.warehouse);

  app.get<{ Querystring: { hours: number; site?: string } }>(
    '/query/aggregates',
    {
      schema: {
        description:
          'Per-page views, unique users, sessions entering there, bounces (single-page sessions), quick exits (views under 5 s) and average duration over the last `hours`, most viewed first.',
        querystring: {
          type: 'object',
          properties: {
            hours: { type: 'number', exclusiveMinimum: 0, maximum: 24 * 366, default: 1, description: 'Over 0, at most a leap year.' },
            site,
          },
        },
        response: answers('The pages, most viewed first.', { type: 'array', items: pageAggregate }),
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
        description: `Views, unique users, sessions, bounces (single-page sessions), quick exits (views under 5 s) and average duration per minute, hour or day (buckets with data only; a session counts in the bucket of its entry).${rangeNote}`,
        querystring: {
          type: 'object',
          properties: { ...range, bucket: { type: 'string', enum: ['minute', 'hour', 'day'], default: 'hour' } },
        },
        response: answers('The buckets with data, oldest first.', {
          type: 'object',
          required: ['bucket', 'from', 'to', 'points'],
          properties: {
            bucket: { type: 'string', enum: ['minute', 'hour', 'day'] },
            from: epochMs,
            to: epochMs,
            points: {
              type: 'array',
              items: { type: 'object', required: ['ts', ...Object.keys(figures)], properties: { ts: epochMs, ...figures } },
            },
          },
        }),
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
        description: `Top values of one dimension (referrers, browsers, OS, devices, UTM) by views.${rangeNote}`,
        querystring: {
          type: 'object',
          properties: {
            ...range,
            dimension: { type: 'string', enum: [...breakdownDimensions], default: 'referrer_host' },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
          },
        },
        response: answers('The top values, most viewed first.', {
          type: 'object',
          required: ['dimension', 'rows'],
          properties: {
            dimension: { type: 'string', enum: [...breakdownDimensions] },
            rows: {
              type: 'array',
              items: {
                type: 'object',
                required: ['value', 'views', 'unique_users'],
                properties: { value: { type: 'string' }, views: figures.views, unique_users: figures.unique_users },
              },
            },
          },
        }),
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
      schema: {
        description: `Per-page figures over a time range, most viewed first.${rangeNote}`,
        querystring: { type: 'object', properties: range },
        response: answers('The pages, most viewed first.', {
          type: 'object',
          required: ['pages'],
          properties: { pages: { type: 'array', items: pageAggregate } },
        }),
      },
    },
    async (request): Promise<PagesAnswer> => {
      const store = warehouse();
      return { pages: await store.pageAggregates(toRange(request.query, now())) };
    },
  );

  app.get<{ Querystring: RangeQuery & { limit: number } }>(
    '/api/history/bots',
    {
      schema: {
        description: `Bot and automation traffic over a time range: requests, page views and the busiest bots (stored, flagged, and left out of the other figures unless the site is in PULSE_COUNT_BOTS_SITES).${rangeNote}`,
        querystring: {
          type: 'object',
          properties: { ...range, limit: { type: 'integer', minimum: 0, maximum: 100, default: 10, description: 'Bots listed in `top`.' } },
        },
        response: answers('The bot traffic of the range.', {
          type: 'object',
          required: ['from', 'to', 'requests', 'pageViews', 'top', 'counted'],
          properties: {
            from: epochMs,
            to: epochMs,
            counted: {
              type: 'boolean',
              description: 'Whether the site counts bots in its figures (PULSE_COUNT_BOTS_SITES); false when no site is named.',
            },
            requests: { type: 'integer', minimum: 0, description: 'Bot and automation events of every type.' },
            pageViews: { type: 'integer', minimum: 0 },
            top: {
              type: 'array',
              description: 'Most requests first, ties by name.',
              items: {
                type: 'object',
                required: ['name', 'requests'],
                properties: { name: { type: 'string' }, requests: { type: 'integer', minimum: 0 } },
              },
            },
          },
        }),
      },
    },
    async (request): Promise<BotsAnswer> => {
      const store = warehouse();
      const window = toRange(request.query, now());
      const site = request.query.site;
      const counted = site !== undefined && (deps.countsBots?.(site) ?? false);
      return { from: window.from, to: window.to, counted, ...(await store.botTraffic(window, request.query.limit)) };
    },
  );
}
