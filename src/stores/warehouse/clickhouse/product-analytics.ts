import type { ProductAnalytics } from '../product-analytics.ts';
import type { TimeRange } from '../warehouse.ts';
import type { Tables } from './schema.ts';
import { customEventsOver } from './custom-events.ts';
import { funnelOver } from './funnel.ts';
import { retentionOver } from './retention.ts';
import type { ClickHouseExecutor } from './executor.ts';

/** Funnels, retention and custom events on ClickHouse (one module per capability). */
export function productAnalyticsOver(
  executor: ClickHouseExecutor,
  t: Tables,
  botSites: (range: TimeRange) => readonly string[],
): ProductAnalytics {
  return { ...funnelOver(executor, t, botSites), ...retentionOver(executor, t, botSites), ...customEventsOver(executor, t, botSites) };
}
