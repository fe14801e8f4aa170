import type { ProductAnalytics } from '../product-analytics.ts';
import type { TimeRange } from '../warehouse.ts';
import { checkEventsQuery } from '../custom-events-checks.ts';
import { customEventSeriesSql, customEventsSql, eventPropertyKeysSql, eventPropertySql } from './custom-events-sql.ts';
import type { SqlExecutor } from './sql-executor.ts';

/** Custom events on PostgreSQL / PGlite (SQL in custom-events-sql.ts). */
export function customEventsOver(
  executor: SqlExecutor,
  botSites: (range: TimeRange) => readonly string[],
): Pick<ProductAnalytics, 'customEvents' | 'customEventSeries' | 'eventProperty' | 'eventPropertyKeys'> {
  return {
    async customEvents(range, limit) {
      if (!checkEventsQuery(range, { limit })) return [];
      const { text, params } = customEventsSql(range, botSites(range), limit);
      return executor.query(text, params);
    },
    async customEventSeries(range, name, bucket) {
      if (!checkEventsQuery(range, { name, bucket })) return [];
      const { text, params } = customEventSeriesSql(range, botSites(range), name, bucket);
      return executor.query(text, params);
    },
    async eventProperty(range, name, key, limit) {
      if (!checkEventsQuery(range, { name, key, limit })) return [];
      const { text, params } = eventPropertySql(range, botSites(range), name, key, limit);
      return executor.query(text, params);
    },
    async eventPropertyKeys(range, name, limit) {
      if (!checkEventsQuery(range, { name, limit })) return [];
      const { text, params } = eventPropertyKeysSql(range, botSites(range), name, limit);
      return (await executor.query<{ key: string }>(text, params)).map((row) => row.key);
    },
  };
}
