import { checkEventsQuery } from '../custom-events-checks.ts';
import type { ProductAnalytics } from '../product-analytics.ts';
import type { TimeRange } from '../warehouse.ts';
import { customEventSeriesSql, customEventsSql, eventPropertyKeysSql, eventPropertySql } from './custom-events-sql.ts';
import type { ClickHouseExecutor } from './executor.ts';
import { normalizeRange } from './queries.ts';
import type { Tables } from './schema.ts';

type Counted = { events: number | string; visitors: number | string };
/** 64-bit counts arrive as strings (JSONEachRow). */
const counts = (row: Counted) => ({ events: Number(row.events), visitors: Number(row.visitors) });

/** Custom events on ClickHouse (SQL in custom-events-sql.ts). */
export function customEventsOver(
  executor: ClickHouseExecutor,
  t: Tables,
  botSites: (range: TimeRange) => readonly string[],
): Pick<ProductAnalytics, 'customEvents' | 'customEventSeries' | 'eventProperty' | 'eventPropertyKeys'> {
  /** The range clamped into DateTime, or null when nothing can be read. */
  const readable = (input: TimeRange, args: Parameters<typeof checkEventsQuery>[1]): TimeRange | null => {
    if (!checkEventsQuery(input, args)) return null;
    const range = normalizeRange(input);
    return range.from < range.to ? range : null;
  };
  return {
    async customEvents(input, limit) {
      const range = readable(input, { limit });
      if (range === null) return [];
      const rows = await executor.query<Counted & { name: string }>(customEventsSql(t, range, botSites(input), limit));
      return rows.map((row) => ({ name: row.name, ...counts(row) }));
    },
    async customEventSeries(input, name, bucket) {
      const range = readable(input, { name, bucket });
      if (range === null) return [];
      const rows = await executor.query<Counted & { bucket_start: number | string }>(
        customEventSeriesSql(t, range, botSites(input), name, bucket),
      );
      return rows.map((row) => ({ ts: Number(row.bucket_start) * 1000, ...counts(row) }));
    },
    async eventProperty(input, name, key, limit) {
      const range = readable(input, { name, key, limit });
      if (range === null) return [];
      const rows = await executor.query<Counted & { value: string }>(eventPropertySql(t, range, botSites(input), name, key, limit));
      return rows.map((row) => ({ value: row.value, ...counts(row) }));
    },
    async eventPropertyKeys(input, name, limit) {
      const range = readable(input, { name, limit });
      if (range === null) return [];
      return (await executor.query<{ key: string }>(eventPropertyKeysSql(t, range, botSites(input), name, limit))).map((row) => row.key);
    },
  };
}
