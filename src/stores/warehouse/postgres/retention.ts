import type { ProductAnalytics } from '../product-analytics.ts';
import type { TimeRange } from '../warehouse.ts';
import { assembleRetention, checkRetentionQuery, type RetentionCell } from '../retention-periods.ts';
import { retentionCellsSql } from './retention-sql.ts';
import type { SqlExecutor } from './sql-executor.ts';

/** Retention on PostgreSQL / PGlite: the SQL counts (cohort, k) cells, ../retention-periods.ts lays them out. */
export function retentionOver(
  executor: SqlExecutor,
  botSites: (range: TimeRange) => readonly string[],
): Pick<ProductAnalytics, 'retention'> {
  return {
    async retention(query) {
      if (!checkRetentionQuery(query)) return { period: query.period, cohorts: [] };
      const { text, params } = retentionCellsSql(query, botSites(query.range).length > 0);
      const cells = await executor.query<RetentionCell>(text, params);
      return assembleRetention(query.period, query.range.to, cells);
    },
  };
}
