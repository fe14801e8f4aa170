import { countNoBots, UNNAMED_BOT, type BotCounting } from '../../../contract/bot-traffic.ts';
import type { EnrichedEvent } from '../../../contract/event-schema.ts';
import {
  botSitesOf,
  checkLimit,
  type BotTraffic,
  type BreakdownDimension,
  type BreakdownRow,
  type PageAggregate,
  type ProcessingError,
  type TimeBucket,
  type TimeRange,
  type Warehouse,
  type WarehouseOptions,
  type WriteResult,
} from '../warehouse.ts';
import { ClickHouseQueryError, httpExecutor, type ClickHouseExecutor } from './executor.ts';
import {
  batchLookupSql,
  batchTable,
  botTotalsSql,
  breakdownSql,
  countsSql,
  dropAggregatesSql,
  exportPageSql,
  forgetRowsSql,
  pageAggregatesSql,
  pendingMutationsSql,
  readErrorsSql,
  rebuildAggregatesSql,
  eventBucketsSql,
  storedErrorsSql,
  timeSeriesSql,
  topBotsSql,
  visitorBucketsSql,
  visitorRowsSql,
  type ExportCursor,
  type ViewBucket,
} from './queries.ts';
import { distinctEvents, errorKey, errorRow, eventKey, eventRow, pageViewRow, receivedAtMs, splitMs, wellFormed } from './rows.ts';
import { productAnalyticsOver } from './product-analytics.ts';
import { migrations, migrationsTableSql, tablesOf, type Tables } from './schema.ts';
import { sqlIdentifier } from './sql.ts';

/**
 * The Warehouse port on ClickHouse (seed 002). The schema and the reasons for it are in schema.ts;
 * the SQL in queries.ts; both run on Debian 12's ClickHouse 18.16 and on current ClickHouse.
 *
 * Exactly once without transactions. The aggregate tables are filled by materialized views,
 * which count every row inserted into page_views_raw, so a duplicate must never be inserted:
 * writeEvents drops repeats inside the batch, then asks both raw tables which (site, event_id)
 * of the batch they hold (a primary-key lookup), and inserts only the rest. Checking and then
 * inserting is safe because one event_id has one writer at a time: ingest keys every record by
 * user_id, so every copy of an event (a client retry with the same event_id, a redelivery after a
 * crash or rebalance, a replay) lands in the same partition of the same topic, and a partition is
 * consumed by one worker of the group, which handles its batches one after another (and this
 * adapter serialises its own writes too). Each event goes to one of the two tables, so after a crash
 * between the two inserts the redelivery finds exactly the missing ones missing. A page view whose
 * insert failed but was stored without its materialized views (ClickHouse died in between) has
 * its aggregate buckets rebuilt from the raw rows when the retry finds it (see `unsettled`). ReplacingMergeTree on (site, event_id) is a second
 * guard for the raw rows only (it collapses at merge time, after the views have counted).
 * Seed 002's generator partitions 20% of its records round-robin and 10% at random, but it repeats
 * a record with its original's partition choice, so its duplicates share a partition as well.
 * What this does not cover: two copies of one event_id on different partitions read by two
 * workers at the same instant (possible only after the partition count of a topic changed, which
 * moves keys), or a zombie consumer still writing after a rebalance; either can count an event
 * twice in the aggregates (the raw tables collapse it on merge).
 *
 * forgetUser: ALTER TABLE … DELETE on the raw tables and processing_errors (mutations, waited for),
 * then the visitor's (page, minute) and (page, hour) aggregate rows are deleted and rebuilt from
 * the raw rows that remain, with the same -State expressions the views use. The visitor is
 * recorded in forgotten_users with the time, and writeEvents drops their events received before
 * it, so a replay of the topic cannot bring the erased events back (later events are stored: the
 * visitor came back). A page view written into one of the rebuilt buckets while forgetUser runs
 * (between the aggregate delete and the rebuild, well under a second) is counted twice in that
 * bucket; the raw tables stay exact.
 */

export interface ClickHouseWarehouseOptions extends WarehouseOptions {
  /** http(s)://[user:password@]host:port of the HTTP interface (PULSE_CLICKHOUSE_URL). */
  url: string;
  /** Database holding every table, created by migrate(); default `pulse`. Tests use one per run. */
  database?: string | undefined;
  /** How long forgetUser waits for ClickHouse's mutations (default 120 s). */
  mutationTimeoutMs?: number | undefined;
}

/** The Warehouse plus what `pulse db` and tests read beyond the port. */
export interface ClickHouseWarehouse extends Warehouse {
  readonly kind: 'clickhouse';
  readonly database: string;
  /** Every stored processing error, oldest first. */
  readErrors(): Promise<ProcessingError[]>;
  /** Drops the database and everything in it (tests, `pulse db` reset). */
  dropDatabase(): Promise<void>;
}

export const EXPORT_PAGE_SIZE = 1000;

export function createClickHouseWarehouse(options: ClickHouseWarehouseOptions): ClickHouseWarehouse {
  return clickHouseWarehouseOver(httpExecutor({ url: options.url }), {
    database: options.database ?? 'pulse',
    mutationTimeoutMs: options.mutationTimeoutMs,
    countBots: options.countBots,
  });
}

interface CountRow extends Record<string, unknown> {
  name: string;
  n: string | number;
}

interface FiguresRow extends Record<string, unknown> {
  views: string | number;
  unique_users: string | number;
  sessions: string | number;
  bounces: string | number;
  quick_exits: string | number;
  duration_sum: number;
  duration_count: string | number;
}

const figures = (row: FiguresRow) => {
  const durationCount = Number(row.duration_count);
  return {
    views: Number(row.views),
    unique_users: Number(row.unique_users),
    sessions: Number(row.sessions),
    bounces: Number(row.bounces),
    quick_exits: Number(row.quick_exits),
    avg_duration: durationCount === 0 ? 0 : Number(row.duration_sum) / durationCount,
  };
};

/** The adapter over any executor (HTTP in production, chdb in the SQL tests). */
export function clickHouseWarehouseOver(
  executor: ClickHouseExecutor,
  options: { database: string; mutationTimeoutMs?: number | undefined; countBots?: BotCounting | undefined },
): ClickHouseWarehouse {
  const countBots = options.countBots ?? countNoBots;
  const database = options.database;
  const db = sqlIdentifier(database); // refuses anything but a plain identifier
  const t: Tables = tablesOf(database);
  const mutationTimeoutMs = options.mutationTimeoutMs ?? 120_000;

  // One write at a time per adapter: check-then-insert must not interleave with itself.
  let writes: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = writes.then(work, work);
    writes = run.catch(() => undefined);
    return run;
  };

  /**
   * Runs an IF NOT EXISTS statement. Two processes migrating at once (a worker and the query
   * service starting together) can both pass the existence check; the loser is told the object
   * exists (57 table, 82 database), which is what it wanted. An ADD COLUMN (18.16 has no IF NOT
   * EXISTS for it) that finds its column (44) is done too.
   */
  const idempotent = async (statement: string) => {
    try {
      await executor.command(statement);
    } catch (error) {
      const exists =
        error instanceof ClickHouseQueryError &&
        (error.serverCode === 57 || error.serverCode === 82 || (error.serverCode === 44 && /\bADD COLUMN\b/.test(statement)));
      if (!exists) throw error;
    }
  };

  const waitForMutations = async (tables: readonly string[]) => {
    const deadline = Date.now() + mutationTimeoutMs;
    for (let pause = 20; ; pause = Math.min(500, pause * 2)) {
      const [row] = await executor.query<CountRow>(pendingMutationsSql(database, tables));
      if (Number(row?.n ?? 0) === 0) return;
      if (Date.now() > deadline) {
        throw new Error(`clickhouse: mutations on ${tables.join(', ')} not finished after ${mutationTimeoutMs} ms (see system.mutations)`);
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  };

  /**
   * Page views whose insert failed in this process. ClickHouse can store an INSERT into
   * page_views_raw and die before its materialized views write the aggregates; the retry then finds
   * the rows stored and would skip them, leaving the aggregates short for good. When a retried page
   * view is found stored, its (page, minute) and (page, hour) buckets are rebuilt from the raw rows.
   */
  const unsettled = new Set<string>();

  /** Drops a site's (page, minute) and (page, hour) aggregate buckets and writes them again from the raw rows. */
  const rebuildBuckets = async (site: string, buckets: readonly { page: string; minute: number; hour: number }[]) => {
    if (buckets.length === 0) return;
    const minutes: ViewBucket[] = buckets.map((b) => ({ page: b.page, start: Number(b.minute) }));
    const hours: ViewBucket[] = [
      ...new Map(buckets.map((b) => [`${b.hour}\u0000${b.page}`, { page: b.page, start: Number(b.hour) }])).values(),
    ];
    await executor.command(dropAggregatesSql(t, 'minute', site, minutes));
    await executor.command(dropAggregatesSql(t, 'hour', site, hours));
    await waitForMutations(['page_aggregates_minute', 'page_aggregates_hour']);
    await executor.command(rebuildAggregatesSql(t, 'minute', site, minutes));
    await executor.command(rebuildAggregatesSql(t, 'hour', site, hours));
  };

  /** Rebuilds the aggregate buckets of these stored page views from the raw rows (as forgetUser does). */
  const resettle = async (views: readonly EnrichedEvent[]) => {
    for (const [site, ofSite] of Map.groupBy(views, (e) => e.site)) {
      const buckets = await executor.query<{ page: string; minute: number; hour: number }>(
        eventBucketsSql(
          t,
          site,
          ofSite.map((e) => e.event_id),
        ),
      );
      await rebuildBuckets(site, buckets);
    }
  };

  /**
   * Which (site, event_id) of the batch either raw table holds, and when each of its visitors who
   * was forgotten was forgotten (epoch ms, by eventKey(site, user_id)): one round trip, the batch's
   * keys sent beside the query as external data.
   */
  const lookUp = async (events: readonly EnrichedEvent[]) => {
    const stored = new Set<string>();
    const forgotten = new Map<string, number>();
    if (events.length === 0) return { stored, forgotten };
    const rows = await executor.queryWith<{ kind: string; site: string; id: string; at: string | number }>(batchLookupSql(t), {
      ...batchTable,
      rows: events.map((e) => [e.site, e.event_id, e.user_id]),
    });
    for (const row of rows) {
      if (row.kind === 'stored') stored.add(eventKey(row.site, row.id));
      else forgotten.set(eventKey(row.site, row.id), Number(row.at));
    }
    return { stored, forgotten };
  };

  const writeEventsNow = async (events: readonly EnrichedEvent[]): Promise<WriteResult> => {
    const distinct = distinctEvents(events);
    const { stored, forgotten } = await lookUp(distinct);
    const retried = distinct.filter((e) => e.type === 'page_view' && unsettled.has(eventKey(e.site, e.event_id)));
    const storedBefore = retried.filter((e) => stored.has(eventKey(e.site, e.event_id)));
    if (storedBefore.length > 0) await resettle(storedBefore);
    // Events of a forgotten visitor received before the erasure are a replay of erased data.
    const fresh = distinct.filter((e) => {
      if (stored.has(eventKey(e.site, e.event_id))) return false;
      const at = forgotten.get(eventKey(e.site, e.user_id));
      return at === undefined || receivedAtMs(e) > at;
    });

    // Both row sets are built before anything is written.
    const views = fresh.filter((e) => e.type === 'page_view').map(pageViewRow);
    const others = fresh.filter((e) => e.type !== 'page_view').map(eventRow);
    try {
      await Promise.all([executor.insert(t.pageViews, views), executor.insert(t.events, others)]);
    } catch (error) {
      for (const e of fresh) if (e.type === 'page_view') unsettled.add(eventKey(e.site, e.event_id));
      if (unsettled.size > 1_000_000) unsettled.clear(); // bounded: a batch is retried long before this
      throw error;
    }
    for (const e of retried) unsettled.delete(eventKey(e.site, e.event_id));
    for (const e of fresh) unsettled.delete(eventKey(e.site, e.event_id));
    return { inserted: fresh.length, duplicates: events.length - fresh.length };
  };

  const warehouse: ClickHouseWarehouse = {
    kind: 'clickhouse',
    ...productAnalyticsOver(executor, t, (range) => botSitesOf(range, countBots.sites())),
    database,

    async migrate() {
      await idempotent(`CREATE DATABASE IF NOT EXISTS ${db}`);
      await idempotent(migrationsTableSql(t));
      const applied = new Set(
        (await executor.query<{ version: number }>(`SELECT DISTINCT version FROM ${t.migrations}`)).map((r) => Number(r.version)),
      );
      const known = new Set(migrations.map((m) => m.version));
      const unknown = [...applied].filter((v) => !known.has(v));
      if (unknown.length > 0)
        throw new Error(`clickhouse database ${database} has migrations this version does not know: ${unknown.join(', ')}`);
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        for (const step of migration.statements(t)) {
          if (typeof step === 'string') await idempotent(step);
          else await waitForMutations(step.waitForMutations);
        }
        const now = Math.floor(Date.now() / 1000);
        await executor.insert(t.migrations, [{ version: migration.version, name: migration.name, applied_at: now }]);
      }
    },

    writeEvents(events) {
      if (events.length === 0) return Promise.resolve({ inserted: 0, duplicates: 0 });
      return exclusive(() => writeEventsNow(events));
    },

    writeErrors(errors) {
      if (errors.length === 0) return Promise.resolve();
      return exclusive(async () => {
        const distinct = [...new Map(errors.map((e) => [errorKey(e.topic, e.partition, e.offset), e])).values()];
        const stored = new Set(
          (await executor.query<{ topic: string; partition: number; offset: string }>(storedErrorsSql(t, distinct))).map((r) =>
            errorKey(r.topic, Number(r.partition), Number(r.offset)),
          ),
        );
        const rows = distinct.filter((e) => !stored.has(errorKey(e.topic, e.partition, e.offset))).map(errorRow);
        await executor.insert(t.errors, rows);
      });
    },

    async pageAggregates(range): Promise<PageAggregate[]> {
      const sql = pageAggregatesSql(t, range, countBots.sites());
      if (sql === null) return [];
      return (await executor.query<FiguresRow & { page: string }>(sql)).map((row) => ({ page: row.page, ...figures(row) }));
    },

    async timeSeries(range, bucket): Promise<TimeBucket[]> {
      const sql = timeSeriesSql(t, range, bucket, countBots.sites());
      if (sql === null) return [];
      return (await executor.query<FiguresRow & { bucket_start: string }>(sql)).map((row) => ({
        ts: Number(row.bucket_start) * 1000,
        ...figures(row),
      }));
    },

    async breakdown(range: TimeRange, dimension: BreakdownDimension, limit: number): Promise<BreakdownRow[]> {
      const sql = breakdownSql(t, range, dimension, Math.min(1_000_000, Math.floor(limit)), countBots.sites());
      if (sql === null) return [];
      return (await executor.query<{ value: string; views: string; unique_users: string }>(sql)).map((row) => ({
        value: row.value,
        views: Number(row.views),
        unique_users: Number(row.unique_users),
      }));
    },

    async botTraffic(range: TimeRange, limit: number): Promise<BotTraffic> {
      checkLimit(limit);
      const totals = botTotalsSql(t, range);
      if (totals === null) return { requests: 0, pageViews: 0, top: [] };
      const [row] = await executor.query<{ requests: string | number; page_views: string | number }>(totals);
      const requests = Number(row?.requests ?? 0);
      const pageViews = Number(row?.page_views ?? 0);
      const topSql = requests === 0 ? null : topBotsSql(t, range, Math.min(1_000_000, limit), UNNAMED_BOT);
      if (topSql === null) return { requests, pageViews, top: [] };
      const top = (await executor.query<{ name: string; requests: string | number }>(topSql)).map((r) => ({
        name: r.name,
        requests: Number(r.requests),
      }));
      return { requests, pageViews, top };
    },

    async counts() {
      const counts: Record<string, number> = {};
      for (const row of await executor.query<CountRow>(countsSql(t))) counts[row.name] = Number(row.n);
      counts['events'] = (counts['page_views_raw'] ?? 0) + (counts['events_raw'] ?? 0);
      return counts;
    },

    async *exportEvents(range, pageSize = EXPORT_PAGE_SIZE) {
      if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError('pageSize must be a positive integer');
      let after: ExportCursor | undefined;
      for (;;) {
        const sql = exportPageSql(t, range, pageSize, after);
        if (sql === null) return;
        const rows = await executor.query<{ ts: string; event_id: string; site: string; payload: string }>(sql);
        if (rows.length > 0) yield rows.map((row) => JSON.parse(row.payload) as EnrichedEvent);
        if (rows.length < pageSize) return;
        const last = rows[rows.length - 1] as (typeof rows)[number];
        after = { ts: Number(last.ts), eventId: last.event_id, site: last.site };
      }
    },

    forgetUser(site, userId) {
      return exclusive(async () => {
        // Recorded first: from now on a replay of the visitor's old events is dropped.
        const { seconds, millis } = splitMs(Date.now());
        await executor.insert(t.forgotten, [
          { site: wellFormed(site), user_id: wellFormed(userId), forgotten_at: seconds, forgotten_ms: millis },
        ]);

        const rows = await executor.query<CountRow>(visitorRowsSql(t, site, userId));
        const removed = rows.reduce((sum, row) => sum + Number(row.n), 0);
        if (removed === 0) return 0;
        const buckets = await executor.query<{ page: string; minute: number; hour: number }>(visitorBucketsSql(t, site, userId));

        for (const statement of forgetRowsSql(t, site, userId)) await executor.command(statement);
        await waitForMutations(['page_views_raw', 'events_raw', 'processing_errors']);

        await rebuildBuckets(site, buckets);
        return removed;
      });
    },

    async readErrors() {
      const rows = await executor.query<{ topic: string; partition: number; offset: string; reason: string; raw: string; at: string }>(
        readErrorsSql(t),
      );
      return rows.map((r) => ({
        topic: r.topic,
        partition: Number(r.partition),
        offset: Number(r.offset),
        reason: r.reason,
        raw: r.raw,
        at: Number(r.at),
      }));
    },

    async dropDatabase() {
      await executor.command(`DROP DATABASE IF EXISTS ${db}`);
    },

    ping: () => executor.ping(),
    close: () => executor.close(),
  };
  return warehouse;
}
