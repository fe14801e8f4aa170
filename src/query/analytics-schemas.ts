import { siteKeySource } from '../contract/site-key.ts';
import { funnelCounts, funnelOrders, retentionPeriods } from '../stores/warehouse/product-analytics.ts';
import { DEFAULT_WINDOW_SECONDS, MAX_STEP_TEXT, MAX_STEPS, MAX_WINDOW_SECONDS, MIN_STEPS } from './analytics-query.ts';

/** JSON schemas of the analytics routes (src/query/analytics-routes.ts): what the OpenAPI document shows. */

export const epochMs = { type: 'number', description: 'Epoch milliseconds.' } as const;
const count = { type: 'integer', minimum: 0 } as const;

export const siteParam = {
  type: 'string',
  pattern: `^${siteKeySource}$`,
  description: 'The site (a viewer or share link: its own when absent).',
} as const;

export const rangeParams = {
  from: { type: 'string', format: 'date-time', description: 'Start (ISO-8601); default depends on the route.' },
  to: { type: 'string', format: 'date-time', description: 'End, exclusive (ISO-8601); default: now.' },
  hours: { type: 'number', exclusiveMinimum: 0, maximum: 24 * 366, description: 'The last `hours` before `to`, instead of `from`.' },
} as const;

export const stepText = {
  type: 'string',
  minLength: 1,
  maxLength: MAX_STEP_TEXT,
  description:
    'A step: `page:/path` (`*` matches any run of characters) or `event:name`, optionally filtered by one property with `|key=value` ' +
    '(`event:signup|plan=pro`); `\\` escapes a literal `|`, `=` or `\\`.',
} as const;

/** A funnel's order, window and count, without defaults (a saved funnel's body fills them in itself). */
export const funnelFields = {
  order: {
    type: 'string',
    enum: [...funnelOrders],
    description: 'sequential: in order, other events between allowed; strict: no other event between steps; any: every step, in any order.',
  },
  window: {
    type: 'integer',
    minimum: 1,
    maximum: MAX_WINDOW_SECONDS,
    description: 'Conversion window in seconds from the first step (at most 90 days).',
  },
  count: { type: 'string', enum: [...funnelCounts], description: 'Count visitors or sessions.' },
} as const;

export const funnelShape = {
  step: {
    type: 'array',
    minItems: MIN_STEPS,
    maxItems: MAX_STEPS,
    items: stepText,
    description: `${MIN_STEPS} to ${MAX_STEPS} steps, in order (repeat the parameter).`,
  },
  order: { ...funnelFields.order, default: 'sequential' },
  window: { ...funnelFields.window, default: DEFAULT_WINDOW_SECONDS },
  count: { ...funnelFields.count, default: 'visitors' },
} as const;

export const funnelAnswer = {
  type: 'object',
  required: ['site', 'from', 'to', 'order', 'window', 'count', 'steps'],
  properties: {
    site: { type: 'string' },
    from: epochMs,
    to: epochMs,
    order: { type: 'string', enum: [...funnelOrders] },
    window: { type: 'integer' },
    count: { type: 'string', enum: [...funnelCounts] },
    steps: {
      type: 'array',
      items: {
        type: 'object',
        required: ['step', 'entered', 'converted', 'dropped', 'conversionFromPrevious', 'conversionFromFirst', 'medianSecondsFromPrevious'],
        properties: {
          step: { type: 'string', description: 'The step as asked (text form).' },
          entered: count,
          converted: count,
          dropped: count,
          conversionFromPrevious: { type: 'number', minimum: 0, maximum: 1 },
          conversionFromFirst: { type: 'number', minimum: 0, maximum: 1 },
          medianSecondsFromPrevious: { type: ['number', 'null'] },
        },
      },
    },
  },
} as const;

export const retentionParams = {
  period: { type: 'string', enum: [...retentionPeriods], default: 'day', description: 'Cohorts by UTC day, or ISO week (from Monday).' },
  returning: { ...stepText, description: `What counts as returning (default: any event). ${stepText.description}` },
} as const;

export const retentionAnswer = {
  type: 'object',
  required: ['site', 'from', 'to', 'period', 'returning', 'cohorts'],
  properties: {
    site: { type: 'string' },
    from: epochMs,
    to: epochMs,
    period: { type: 'string', enum: [...retentionPeriods] },
    returning: { type: ['string', 'null'], description: 'The returning step as asked, or null for any event.' },
    cohorts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['start', 'visitors', 'retained'],
        properties: {
          start: epochMs,
          visitors: count,
          retained: {
            type: 'array',
            items: count,
            description: 'retained[k]: visitors back k periods after their first (k = 0: all of them).',
          },
        },
      },
    },
  },
} as const;

const eventFigures = { events: count, visitors: { ...count, description: 'Distinct visitors.' } } as const;

export const eventsAnswer = {
  type: 'object',
  required: ['site', 'from', 'to', 'bucket', 'events', 'trend'],
  properties: {
    site: { type: 'string' },
    from: epochMs,
    to: epochMs,
    bucket: { type: 'string', enum: ['hour', 'day'] },
    events: {
      type: 'array',
      description: 'Most frequent first, ties by name.',
      items: { type: 'object', required: ['name', 'events', 'visitors'], properties: { name: { type: 'string' }, ...eventFigures } },
    },
    trend: {
      type: 'array',
      description: 'Per bucket counts of the first `trend` events (buckets with data only).',
      items: {
        type: 'object',
        required: ['name', 'points'],
        properties: {
          name: { type: 'string' },
          points: {
            type: 'array',
            items: { type: 'object', required: ['ts', 'events', 'visitors'], properties: { ts: epochMs, ...eventFigures } },
          },
        },
      },
    },
  },
} as const;

export const eventNameParam = { type: 'string', minLength: 1, maxLength: 128, description: 'The custom event name.' } as const;
export const propertyKeyParam = { type: 'string', minLength: 1, maxLength: 128, description: 'The property key.' } as const;

export const propertyKeysAnswer = {
  type: 'object',
  required: ['site', 'name', 'keys'],
  properties: { site: { type: 'string' }, name: { type: 'string' }, keys: { type: 'array', items: { type: 'string' } } },
} as const;

export const propertyValuesAnswer = {
  type: 'object',
  required: ['site', 'name', 'key', 'values'],
  properties: {
    site: { type: 'string' },
    name: { type: 'string' },
    key: { type: 'string' },
    values: {
      type: 'array',
      description: 'Top values first, ties by value; "(none)" for events without the property.',
      items: { type: 'object', required: ['value', 'events', 'visitors'], properties: { value: { type: 'string' }, ...eventFigures } },
    },
  },
} as const;
