import type { ProductAnalytics } from '../product-analytics.ts';
import type { TimeRange } from '../warehouse.ts';
import type { SqlExecutor } from './sql-executor.ts';

export function funnelOver(executor: SqlExecutor, botSites: (range: TimeRange) => readonly string[]): Pick<ProductAnalytics, 'funnel'> {
  void executor;
  void botSites;
  return {
    funnel: () => Promise.reject(new Error('TODO funnel')),
  };
}
