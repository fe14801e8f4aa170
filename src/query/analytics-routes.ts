import type { FastifyInstance } from 'fastify';
import { errorResponses, openObjects } from '../http/api-contract.ts';
import type {
  FunnelCount,
  FunnelOrder,
  FunnelStepResult,
  RetentionCohort,
  RetentionPeriod,
} from '../stores/warehouse/product-analytics.ts';
import type { CustomEventRow, PropertyValueRow } from '../stores/warehouse/product-analytics.ts';
import type { Warehouse } from '../stores/warehouse/warehouse.ts';
import {
  analyticsRange,
  checkCohorts,
  DAY_MS,
  defaultRetentionFrom,
  formatStep,
  parseStep,
  parseSteps,
  trendBucket,
  type AnalyticsRangeQuery,
} from './analytics-query.ts';
import {
  eventNameParam,
  eventsAnswer,
  funnelAnswer,
  funnelShape,
  propertyKeyParam,
  propertyKeysAnswer,
  propertyValuesAnswer,
  rangeParams,
  retentionAnswer,
  retentionParams,
  siteParam,
} from './analytics-schemas.ts';
import { requireWarehouse } from './history-routes.ts';

/** The answers of the analytics routes; the dashboard keeps copies (src/dashboard/web/src/analytics-types.ts). */
export interface FunnelAnswer {
  site: string;
  from: number;
  to: number;
  order: FunnelOrder;
  /** Seconds. */
  window: number;
  count: FunnelCount;
  steps: (FunnelStepResult & { step: string })[];
}
export interface RetentionAnswer {
  site: string;
  from: number;
  to: number;
  period: RetentionPeriod;
  returning: string | null;
  cohorts: RetentionCohort[];
}
export interface EventsAnswer {
  site: string;
  from: number;
  to: number;
  bucket: 'hour' | 'day';
  events: CustomEventRow[];
  trend: { name: string; points: { ts: number; events: number; visitors: number }[] }[];
}
export interface PropertyKeysAnswer {
  site: string;
  name: string;
  keys: string[];
}
export interface PropertyValuesAnswer {
  site: string;
  name: string;
  key: string;
  values: PropertyValueRow[];
}

type SiteRangeQuery = AnalyticsRangeQuery & { site: string };

const answers = (description: string, body: object) => ({ 200: { description, ...openObjects(body) }, ...errorResponses(503) });
const rangeNote =
  ' Give `from` or `hours` (not both); `from` must be before `to` (400 `bad_range`) and the range at most 366 days (400 `range_too_long`).';
const withSite = (properties: object, required: readonly string[] = []) => ({
  type: 'object',
  required: ['site', ...required],
  properties: { site: siteParam, ...rangeParams, ...properties },
});
const lastDay = (to: number) => to - DAY_MS;

/** Funnels, retention and custom events of one site, from the warehouse (see src/stores/warehouse/product-analytics.ts). */
export function registerAnalyticsRoutes(app: FastifyInstance, deps: { warehouse: Warehouse | undefined; now?: () => number }): void {
  const now = deps.now ?? Date.now;
  const warehouse = () => requireWarehouse(deps.warehouse);

  app.get<{ Querystring: SiteRangeQuery & { step: string[]; order: FunnelOrder; window: number; count: FunnelCount } }>(
    '/api/history/funnel',
    {
      schema: {
        description: `A funnel: for each step, the visitors (or sessions) that reached it, converted to the next, dropped, the conversion from the previous and the first step, and the median time from the previous step. Range default: the last 24 hours.${rangeNote} A step that cannot be read is a 400 \`bad_step\`.`,
        querystring: withSite(funnelShape, ['step']),
        response: answers('The funnel, one entry per step.', funnelAnswer),
      },
    },
    async (request): Promise<FunnelAnswer> => {
      const { site, order, window, count } = request.query;
      const steps = parseSteps(request.query.step);
      const store = warehouse();
      const range = { ...analyticsRange(request.query, now(), lastDay), site };
      const result = await store.funnel({ range, steps, order, windowMs: window * 1000, countBy: count });
      return {
        site,
        from: range.from,
        to: range.to,
        order,
        window,
        count,
        steps: result.steps.flatMap((figures, i) => {
          const step = steps[i];
          return step === undefined ? [] : [{ step: formatStep(step), ...figures }];
        }),
      };
    },
  );

  app.get<{ Querystring: SiteRangeQuery & { period: RetentionPeriod; returning?: string } }>(
    '/api/history/retention',
    {
      schema: {
        description: `Retention cohorts: visitors by the period (UTC day or ISO week) of their first event in the range, and how many came back in each later period (on any event, or on the \`returning\` step). Range default: the last 14 days (or 8 weeks), from a period's start; at most 90 daily or 53 weekly cohorts.${rangeNote}`,
        querystring: withSite(retentionParams),
        response: answers('The cohorts, oldest first.', retentionAnswer),
      },
    },
    async (request): Promise<RetentionAnswer> => {
      const { site, period } = request.query;
      const returning = request.query.returning === undefined ? undefined : parseStep(request.query.returning);
      const store = warehouse();
      const range = { ...analyticsRange(request.query, now(), defaultRetentionFrom(period)), site };
      checkCohorts(range, period);
      const result = await store.retention({ range, period, returning });
      return {
        site,
        from: range.from,
        to: range.to,
        period,
        returning: returning === undefined ? null : formatStep(returning),
        cohorts: result.cohorts,
      };
    },
  );

  app.get<{ Querystring: SiteRangeQuery & { limit: number; trend: number; bucket?: 'hour' | 'day' } }>(
    '/api/history/events',
    {
      schema: {
        description: `Custom events (track(name, props)): count and distinct visitors of each, most frequent first, and the trend of the most frequent ones. Range default: the last 24 hours.${rangeNote}`,
        querystring: withSite({
          limit: { type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'Events listed.' },
          trend: { type: 'integer', minimum: 0, maximum: 10, default: 5, description: 'How many of the listed events get a trend series.' },
          bucket: { type: 'string', enum: ['hour', 'day'], description: 'Trend bucket; default: hours up to 7 days, days beyond.' },
        }),
        response: answers('The custom events and their trend.', eventsAnswer),
      },
    },
    async (request): Promise<EventsAnswer> => {
      const { site, limit } = request.query;
      const store = warehouse();
      const range = { ...analyticsRange(request.query, now(), lastDay), site };
      const bucket = trendBucket(range, request.query.bucket);
      const events = await store.customEvents(range, limit);
      const trend = await Promise.all(
        events
          .slice(0, request.query.trend)
          .map(async ({ name }) => ({ name, points: await store.customEventSeries(range, name, bucket) })),
      );
      return { site, from: range.from, to: range.to, bucket, events, trend };
    },
  );

  app.get<{ Querystring: SiteRangeQuery & { limit: number }; Params: { name: string } }>(
    '/api/history/events/:name/properties',
    {
      schema: {
        description: `The property keys one custom event carries in the range, most frequent first. Range default: the last 24 hours.${rangeNote}`,
        params: { type: 'object', required: ['name'], properties: { name: eventNameParam } },
        querystring: withSite({ limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 } }),
        response: answers('The keys.', propertyKeysAnswer),
      },
    },
    async (request): Promise<PropertyKeysAnswer> => {
      const { site, limit } = request.query;
      const store = warehouse();
      const range = { ...analyticsRange(request.query, now(), lastDay), site };
      return { site, name: request.params.name, keys: await store.eventPropertyKeys(range, request.params.name, limit) };
    },
  );

  app.get<{ Querystring: SiteRangeQuery & { limit: number }; Params: { name: string; key: string } }>(
    '/api/history/events/:name/properties/:key',
    {
      schema: {
        description: `One custom event broken down by one property: its top values with events and distinct visitors ("(none)": events without it). Range default: the last 24 hours.${rangeNote}`,
        params: { type: 'object', required: ['name', 'key'], properties: { name: eventNameParam, key: propertyKeyParam } },
        querystring: withSite({ limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 } }),
        response: answers('The top values.', propertyValuesAnswer),
      },
    },
    async (request): Promise<PropertyValuesAnswer> => {
      const { site, limit } = request.query;
      const { name, key } = request.params;
      const store = warehouse();
      const range = { ...analyticsRange(request.query, now(), lastDay), site };
      return { site, name, key, values: await store.eventProperty(range, name, key, limit) };
    },
  );
}
