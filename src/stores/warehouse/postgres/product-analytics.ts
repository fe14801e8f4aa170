import type { ProductAnalytics } from '../product-analytics.ts';
import type { TimeRange } from '../warehouse.ts';
import { customEventsOver } from './custom-events.ts';
import { funnelOver } from './funnel.ts';
import { retentionOver } from './retention.ts';
import type { SqlExecutor } from './sql-executor.ts';

/** Funnels, retention and custom events on PostgreSQL / PGlite (one module per capability). */
export function productAnalyticsOver(executor: SqlExecutor, botSites: (range: TimeRange) => readonly string[]): ProductAnalytics {
  return { ...funnelOver(executor, botSites), ...retentionOver(executor, botSites), ...customEventsOver(executor, botSites) };
}
