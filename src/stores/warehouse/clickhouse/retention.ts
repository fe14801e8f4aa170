import { assembleRetention, checkRetentionQuery } from '../retention-periods.ts';
import type { ProductAnalytics } from '../product-analytics.ts';
import type { TimeRange } from '../warehouse.ts';
import type { ClickHouseExecutor } from './executor.ts';
import { normalizeRange } from './queries.ts';
import { retentionCellsSql } from './retention-sql.ts';
import type { Tables } from './schema.ts';

/** Retention on ClickHouse: the SQL counts (cohort, k) cells, ../retention-periods.ts lays them out. */
export function retentionOver(
  executor: ClickHouseExecutor,
  t: Tables,
  botSites: (range: TimeRange) => readonly string[],
): Pick<ProductAnalytics, 'retention'> {
  return {
    async retention(query) {
      if (!checkRetentionQuery(query)) return { period: query.period, cohorts: [] };
      const range = normalizeRange(query.range);
      if (!(range.from < range.to)) return { period: query.period, cohorts: [] };
      const sql = retentionCellsSql(t, query, range, botSites(query.range).length > 0);
      const rows = await executor.query<{ cohort: number | string; k: number | string; n: number | string }>(sql);
      const cells = rows.map((row) => ({ cohort: Number(row.cohort), k: Number(row.k), n: Number(row.n) }));
      return assembleRetention(query.period, range.to, cells);
    },
  };
}
