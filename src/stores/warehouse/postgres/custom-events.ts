import type { ProductAnalytics } from '../product-analytics.ts';
import type { TimeRange } from '../warehouse.ts';
import type { SqlExecutor } from './sql-executor.ts';

export function customEventsOver(
  executor: SqlExecutor,
  botSites: (range: TimeRange) => readonly string[],
): Pick<ProductAnalytics, 'customEvents' | 'customEventSeries' | 'eventProperty' | 'eventPropertyKeys'> {
  void executor;
  void botSites;
  const todo = () => Promise.reject(new Error('TODO custom events'));
  return { customEvents: todo, customEventSeries: todo, eventProperty: todo, eventPropertyKeys: todo };
}
