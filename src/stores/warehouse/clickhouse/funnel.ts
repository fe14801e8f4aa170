import { checkFunnelQuery, emptyFunnel, funnelResultOf } from '../funnel-query.ts';
import type { FunnelQuery, FunnelResult, ProductAnalytics } from '../product-analytics.ts';
import type { TimeRange } from '../warehouse.ts';
import type { ClickHouseExecutor } from './executor.ts';
import { funnelSql } from './funnel-sql.ts';
import type { Tables } from './schema.ts';

/** Funnels on ClickHouse (18.16 and current): one query (./funnel-sql.ts), the ratios derived in ../funnel-query.ts. */
export function funnelOver(
  executor: ClickHouseExecutor,
  t: Tables,
  botSites: (range: TimeRange) => readonly string[],
): Pick<ProductAnalytics, 'funnel'> {
  return {
    async funnel(query: FunnelQuery): Promise<FunnelResult> {
      const checked = checkFunnelQuery(query);
      if (checked.empty) return emptyFunnel(checked.steps.length);
      const [row] = await executor.query<Record<string, number | string>>(
        funnelSql(t, checked, botSites(checked.range).includes(checked.range.site)),
      );
      return funnelResultOf(
        checked.steps.map((_, i) => {
          const entered = Number(row?.[`e${i + 1}`] ?? 0);
          return { entered, medianMs: i === 0 || entered === 0 ? null : Number(row?.[`m${i + 1}`]) };
        }),
      );
    },
  };
}
