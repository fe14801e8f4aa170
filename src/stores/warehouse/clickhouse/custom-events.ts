import type { ProductAnalytics } from '../product-analytics.ts';
import type { TimeRange } from '../warehouse.ts';
import type { Tables } from './schema.ts';
import type { ClickHouseExecutor } from './executor.ts';

export function customEventsOver(
  executor: ClickHouseExecutor,
  t: Tables,
  botSites: (range: TimeRange) => readonly string[],
): Pick<ProductAnalytics, 'customEvents' | 'customEventSeries' | 'eventProperty' | 'eventPropertyKeys'> {
  void executor;
  void t;
  void botSites;
  const todo = () => Promise.reject(new Error('TODO custom events'));
  return { customEvents: todo, customEventSeries: todo, eventProperty: todo, eventPropertyKeys: todo };
}
