import type { ProductAnalytics } from '../product-analytics.ts';
import type { TimeRange } from '../warehouse.ts';
import type { Tables } from './schema.ts';
import type { ClickHouseExecutor } from './executor.ts';

export function retentionOver(
  executor: ClickHouseExecutor,
  t: Tables,
  botSites: (range: TimeRange) => readonly string[],
): Pick<ProductAnalytics, 'retention'> {
  void executor;
  void t;
  void botSites;
  return {
    retention: () => Promise.reject(new Error('TODO retention')),
  };
}
