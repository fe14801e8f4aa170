import type { ProductAnalytics } from '../product-analytics.ts';
import type { TimeRange } from '../warehouse.ts';
import type { Tables } from './schema.ts';
import type { ClickHouseExecutor } from './executor.ts';

export function funnelOver(
  executor: ClickHouseExecutor,
  t: Tables,
  botSites: (range: TimeRange) => readonly string[],
): Pick<ProductAnalytics, 'funnel'> {
  void executor;
  void t;
  void botSites;
  return {
    funnel: () => Promise.reject(new Error('TODO funnel')),
  };
}
