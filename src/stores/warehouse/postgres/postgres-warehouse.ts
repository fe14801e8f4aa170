import { countNoBots, UNNAMED_BOT, type BotCounting } from '../../../contract/bot-traffic.ts';
import type { EnrichedEvent } from '../../../contract/event-schema.ts';
import { PulseError } from '../../../shared/errors.ts';
import {
  botSitesOf,
  checkLimit,
  checkRange,
  type BotTraffic,
  type BreakdownDimension,
  type BreakdownRow,
  type PageAggregate,
  type ProcessingError,
  type TimeBucket,
  type Warehouse,
  type WarehouseOptions,
  type WriteResult,
} from '../warehouse.ts';
import { cleanText, copyChunks, distinctEvents, errorRow, monthsOf } from './event-rows.ts';
import { migrate } from './migrations.ts';
import { productAnalyticsOver } from './product-analytics.ts';
import { pgliteExecutor, postgresExecutor, type SqlExecutor } from './sql-executor.ts';
import {
  botTotalsSql,
  breakdownSql,
  claimEventIdsSql,
  countsSql,
  createEventStageSql,
  ensurePartitionSql,
  eventStageCopyTarget,
  exportPageSql,
  forgetEmptyRollupsSql,
  forgetRollupsSql,
  forgetRowsSql,
  readErrorsSql,
  topBotsSql,
  viewFiguresSql,
  writeErrorsSql,
  writeStagedEventsSql,
} from './statements.ts';

/**
 * The Warehouse port on PostgreSQL, and on PGlite (the same engine in process) for embedded mode:
 * one implementation, the same SQL and the same numbered migrations (./migrations/NNN_name.sql).
 *
 * Schema (see the migration files): `events`, partitioned by UTC month of received_at with a
 * default partition; `event_ids`, the idempotency claims; `sessions`; `page_hourly` and
 * `page_hourly_users` (hourly rollups and who viewed what each hour); `processing_errors`;
 * `schema_migrations`.
 *
 * Reads: page figures and hour/day series come from the rollups for the whole hours of a range and
 * from raw events for its edges, so any range is exact; minute series and breakdowns read raw
 * events. Bot and automation traffic (`is_bot`) never enters the rollups: a site that counts bots
 * has its bots' page views read from the raw events of the whole range (index `events_bots`). Unique users are distinct (site, user_id) pairs. Breakdowns show a missing value as
 * '(none)'. Ties order by page / value / event_id in byte order.
 *
 * forgetUser(site, user) deletes the visitor's events, sessions, per-hour visitor rows and refused
 * records (processing_errors whose raw record names that user_id, with that site or none), and
 * subtracts the visitor from the hourly rollups (rows they alone made are deleted). The event_id
 * claims stay: they hold no user data, and a replay of the topic then skips the erased events
 * (reported as duplicates) instead of bringing them back.
 */

export interface PostgresWarehouseOptions extends WarehouseOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Schema holding every table (created by migrate()); default public. Tests use one per run. */
  schema?: string | undefined;
  /** Connections in the pool (default 4). */
  max?: number | undefined;
  /** A monthly partition could not be created; the events went to the default partition. */
  onPartitionError?: ((error: unknown) => void) | undefined;
}

export interface PgliteWarehouseOptions extends WarehouseOptions {
  /** Directory PGlite keeps its files in (e.g. PULSE_DATA_DIR/pglite); absent: in memory. */
  dir?: string | undefined;
  onPartitionError?: ((error: unknown) => void) | undefined;
}

/** The Warehouse plus what `pulse db` and tests read beyond the port. */
export interface PostgresWarehouse extends Warehouse {
  readonly kind: 'postgres' | 'pglite';
  /** Every stored processing error, oldest first. */
  readErrors(): Promise<ProcessingError[]>;
}

export function createPostgresWarehouse(options: PostgresWarehouseOptions): PostgresWarehouse {
  const schema = options.schema ?? 'public';
  return warehouseOver(postgresExecutor({ url: options.url, schema, max: options.max }), {
    schema,
    onPartitionError: options.onPartitionError,
    countBots: options.countBots,
  });
}

export async function createPgliteWarehouse(options: PgliteWarehouseOptions = {}): Promise<PostgresWarehouse> {
  return warehouseOver(await pgliteExecutor({ dir: options.dir }), {
    schema: 'public',
    onPartitionError: options.onPartitionError,
    countBots: options.countBots,
  });
}

/** Default rows per export page. */
export const EXPORT_PAGE_SIZE = 1000;
/** Events per statement: larger batches are written in slices, each in its own statement. */
export const MAX_EVENTS_PER_STATEMENT = 10_000;
/** forgetUser retries a serialization failure (a writer touched the same rollup row) this many times. */
const FORGET_ATTEMPTS = 5;

/** The SQLSTATE of a failure (the executor wraps the driver's error as the cause of a store error). */
const sqlState = (error: unknown): string | undefined => {
  const original = error instanceof PulseError ? error.cause : error;
  return typeof original === 'object' && original !== null && 'code' in original && typeof original.code === 'string'
    ? original.code
    : undefined;
};

/** The Warehouse over any SQL executor (exported for tests that bring their own). */
export function warehouseOver(
  executor: SqlExecutor,
  options: { schema: string; onPartitionError?: ((error: unknown) => void) | undefined; countBots?: BotCounting | undefined },
): PostgresWarehouse {
  const countBots = options.countBots ?? countNoBots;
  /** Months whose partition is known to exist (or known to stay in the default partition). */
  const partitionedMonths = new Set<number>();

  async function ensurePartitions(events: readonly EnrichedEvent[]): Promise<void> {
    for (const month of monthsOf(events)) {
      if (partitionedMonths.has(month)) continue;
      try {
        await executor.query(ensurePartitionSql, [new Date(month).toISOString()]);
        partitionedMonths.add(month);
      } catch (error) {
        // The write still succeeds: the default partition takes the month's events.
        options.onPartitionError?.(error);
      }
    }
  }

  /** Claims the slice's event_ids, COPYs the claimed events into the stage and folds them in (see writeStagedEventsSql). */
  async function writeSlice(events: readonly EnrichedEvent[]): Promise<number> {
    const ids = events.map((e) => cleanText(e.event_id));
    const claims = JSON.stringify(events.map((e, i) => ({ event_id: ids[i], received_at: e.received_at })));
    return executor.transaction(async (tx) => {
      const claimed = await tx.query<{ event_id: string }>(claimEventIdsSql, [claims]);
      if (claimed.length === 0) return 0; // a redelivered batch: nothing more to do
      const unclaimed = new Set(claimed.map((r) => r.event_id));
      // One event per claim (two ids that differ only in what cleanText replaces share a claim).
      const ours = events.filter((_, i) => unclaimed.delete(ids[i] as string));
      await tx.query(createEventStageSql);
      await tx.copyFrom(eventStageCopyTarget, copyChunks(ours));
      const [result] = await tx.query<{ inserted: number }>(writeStagedEventsSql);
      return result?.inserted ?? 0;
    });
  }

  async function forgetOnce(site: string, userId: string): Promise<number> {
    return executor.transaction(async (tx) => {
      // One snapshot for every step: events a writer commits meanwhile are neither subtracted nor deleted.
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const touched = await tx.query<{ hour: string; path: string; views: number }>(forgetRollupsSql, [site, userId]);
      const empty = touched.filter((row) => row.views === 0);
      let removed = 0;
      if (empty.length > 0) {
        const [row] = await tx.query<{ n: number }>(forgetEmptyRollupsSql, [site, empty.map((r) => r.hour), empty.map((r) => r.path)]);
        removed += row?.n ?? 0;
      }
      for (const statement of forgetRowsSql) {
        const [row] = await tx.query<{ n: number }>(statement, [site, userId]);
        removed += row?.n ?? 0;
      }
      return removed;
    });
  }

  return {
    kind: executor.engine,
    ...productAnalyticsOver(executor, (range) => botSitesOf(range, countBots.sites())),

    async migrate() {
      await migrate(executor, { schema: options.schema });
    },

    async writeEvents(batch) {
      const { events, repeats } = distinctEvents(batch);
      if (events.length === 0) return { inserted: 0, duplicates: repeats };
      await ensurePartitions(events);
      let inserted = 0;
      for (let i = 0; i < events.length; i += MAX_EVENTS_PER_STATEMENT)
        inserted += await writeSlice(events.slice(i, i + MAX_EVENTS_PER_STATEMENT));
      return { inserted, duplicates: batch.length - inserted } satisfies WriteResult;
    },

    async writeErrors(errors) {
      if (errors.length === 0) return;
      const now = Date.now();
      await executor.query(writeErrorsSql, [JSON.stringify(errors.map((error) => errorRow(error, now)))]);
    },

    async pageAggregates(range): Promise<PageAggregate[]> {
      if (!checkRange(range)) return [];
      const { text, params } = viewFiguresSql(range, { kind: 'page' }, countBots.sites());
      return executor.query<PageAggregate>(text, params);
    },

    async timeSeries(range, bucket): Promise<TimeBucket[]> {
      if (!checkRange(range)) return [];
      if (bucket !== 'minute' && bucket !== 'hour' && bucket !== 'day') throw new RangeError(`unknown bucket ${JSON.stringify(bucket)}`);
      const { text, params } = viewFiguresSql(range, { kind: 'bucket', unit: bucket }, countBots.sites());
      return executor.query<TimeBucket>(text, params);
    },

    async breakdown(range, dimension: BreakdownDimension, limit): Promise<BreakdownRow[]> {
      checkLimit(limit);
      if (!checkRange(range) || limit === 0) return [];
      const { text, params } = breakdownSql(range, dimension, limit, countBots.sites());
      return executor.query<BreakdownRow>(text, params);
    },

    async botTraffic(range, limit): Promise<BotTraffic> {
      checkLimit(limit);
      if (!checkRange(range)) return { requests: 0, pageViews: 0, top: [] };
      const totals = botTotalsSql(range);
      const [row] = await executor.query<{ requests: number; page_views: number }>(totals.text, totals.params);
      const requests = row?.requests ?? 0;
      if (requests === 0 || limit === 0) return { requests, pageViews: row?.page_views ?? 0, top: [] };
      const top = topBotsSql(range, limit, UNNAMED_BOT);
      return {
        requests,
        pageViews: row?.page_views ?? 0,
        top: await executor.query<{ name: string; requests: number }>(top.text, top.params),
      };
    },

    async counts() {
      const rows = await executor.query<{ name: string; rows: number }>(countsSql);
      return Object.fromEntries(rows.map((row) => [row.name, row.rows]));
    },

    async *exportEvents(range, pageSize = EXPORT_PAGE_SIZE) {
      if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError('pageSize must be a positive integer');
      if (!checkRange(range)) return;
      let after: { ts: string; id: string } | undefined;
      for (;;) {
        const { text, params } = exportPageSql(range, pageSize, after);
        const rows = await executor.query<{ data: string; cursor_ts: string; event_id: string }>(text, params);
        if (rows.length === 0) return;
        yield rows.map((row) => JSON.parse(row.data) as EnrichedEvent);
        if (rows.length < pageSize) return;
        const last = rows[rows.length - 1] as { cursor_ts: string; event_id: string };
        after = { ts: last.cursor_ts, id: last.event_id };
      }
    },

    async forgetUser(site, userId) {
      const cleanSite = cleanText(site);
      const cleanUser = cleanText(userId);
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await forgetOnce(cleanSite, cleanUser);
        } catch (error) {
          const state = sqlState(error);
          if (attempt >= FORGET_ATTEMPTS || (state !== '40001' && state !== '40P01')) throw error;
        }
      }
    },

    async readErrors() {
      return executor.query<ProcessingError>(readErrorsSql);
    },

    async ping() {
      await executor.query('SELECT 1');
    },

    close: () => executor.close(),
  };
}
