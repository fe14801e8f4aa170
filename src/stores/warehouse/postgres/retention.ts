import type { ProductAnalytics } from '../product-analytics.ts';
import type { TimeRange } from '../warehouse.ts';
import type { SqlExecutor } from './sql-executor.ts';

export function retentionOver(
  executor: SqlExecutor,
  botSites: (range: TimeRange) => readonly string[],
): Pick<ProductAnalytics, 'retention'> {
  void executor;
  void botSites;
  return {
    retention: () => Promise.reject(new Error('TODO retention')),
  };
}
