import type { FunnelQuery, FunnelResult, ProductAnalytics } from '../product-analytics.ts';
import type { TimeRange } from '../warehouse.ts';
import { checkFunnelQuery, emptyFunnel, funnelResultOf } from '../funnel-query.ts';
import { funnelSql } from './funnel-sql.ts';
import type { SqlExecutor } from './sql-executor.ts';

/** Funnels on PostgreSQL and PGlite: one statement (./funnel-sql.ts), the ratios derived in ../funnel-query.ts. */
export function funnelOver(executor: SqlExecutor, botSites: (range: TimeRange) => readonly string[]): Pick<ProductAnalytics, 'funnel'> {
  return {
    async funnel(query: FunnelQuery): Promise<FunnelResult> {
      const checked = checkFunnelQuery(query);
      if (checked.empty) return emptyFunnel(checked.steps.length);
      const { text, params } = funnelSql(checked, botSites(checked.range).includes(checked.range.site));
      const [row] = await executor.query<Record<string, number | null>>(text, params);
      return funnelResultOf(
        checked.steps.map((_, i) => ({
          entered: Number(row?.[`e${i + 1}`] ?? 0),
          medianMs: i === 0 ? null : (row?.[`m${i + 1}`] ?? null),
        })),
      );
    },
  };
}
