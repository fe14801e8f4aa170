/**
 * The analytics API's answers as the dashboard reads them: copies of the server's types
 * (src/query/analytics-routes.ts, analytics-saved-funnels.ts); test/unit/query/analytics-wire-types.test.ts
 * fails to compile when they drift apart.
 */

export type FunnelOrder = 'sequential' | 'strict' | 'any';
export type FunnelCount = 'visitors' | 'sessions';
export type RetentionPeriod = 'day' | 'week';

export interface FunnelStepFigures {
  /** The step in its text form (page:/path, event:name, …|key=value). */
  step: string;
  entered: number;
  converted: number;
  dropped: number;
  conversionFromPrevious: number;
  conversionFromFirst: number;
  medianSecondsFromPrevious: number | null;
}

export interface FunnelAnswer {
  site: string;
  from: number;
  to: number;
  order: FunnelOrder;
  window: number;
  count: FunnelCount;
  steps: FunnelStepFigures[];
}

export interface RetentionCohort {
  start: number;
  visitors: number;
  retained: number[];
}

export interface RetentionAnswer {
  site: string;
  from: number;
  to: number;
  period: RetentionPeriod;
  returning: string | null;
  cohorts: RetentionCohort[];
}

export interface CustomEventRow {
  name: string;
  events: number;
  visitors: number;
}

export interface EventPoint {
  ts: number;
  events: number;
  visitors: number;
}

export interface EventsAnswer {
  site: string;
  from: number;
  to: number;
  bucket: 'hour' | 'day';
  events: CustomEventRow[];
  trend: { name: string; points: EventPoint[] }[];
}

export interface PropertyKeysAnswer {
  site: string;
  name: string;
  keys: string[];
}

export interface PropertyValueRow {
  value: string;
  events: number;
  visitors: number;
}

export interface PropertyValuesAnswer {
  site: string;
  name: string;
  key: string;
  values: PropertyValueRow[];
}

export interface SavedFunnel {
  id: string;
  site: string;
  name: string;
  steps: string[];
  order: FunnelOrder;
  window: number;
  count: FunnelCount;
  createdBy: string | null;
  createdAt: string;
}

export interface NewFunnel {
  name: string;
  steps: string[];
  order: FunnelOrder;
  window: number;
  count: FunnelCount;
}
