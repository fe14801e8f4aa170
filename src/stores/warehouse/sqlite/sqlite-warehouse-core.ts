import type { SQLInputValue, StatementSync } from 'node:sqlite';
import { inTransaction, openSqliteDatabase } from '../../sqlite-database.ts';
import { countNoBots, UNNAMED_BOT, type BotCounting } from '../../../contract/bot-traffic.ts';
import type { EnrichedEvent } from '../../../contract/event-schema.ts';
import { checkEventsQuery } from '../custom-events-checks.ts';
import { checkFunnelQuery, emptyFunnel, funnelResultOf } from '../funnel-query.ts';
import { cleanText, distinctEvents, errorRow, eventRow } from '../postgres/event-rows.ts';
import type { FunnelQuery, FunnelResult, RetentionQuery, RetentionResult } from '../product-analytics.ts';
import { assembleRetention, checkRetentionQuery, type RetentionCell } from '../retention-periods.ts';
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
  type TimeRange,
  type WriteResult,
} from '../warehouse.ts';
import {
  customEventSeriesSql,
  customEventsSql,
  eventPropertyKeysSql,
  eventPropertySql,
  funnelEventsSql,
  retentionCellsSql,
} from './analytics-sql.ts';
import { bestAttempt, funnelFigures, type EntityBest, type FunnelEvent } from './funnel-walk.ts';
import { migrateSqlite } from './schema.ts';
import { botTotalsSql, breakdownSql, exportPageSql, topBotsSql, viewFiguresSql, type Statement } from './view-sql.ts';

/**
 * The SQLite warehouse, synchronous (node:sqlite is): every method of the Warehouse port as a plain
 * call. sqlite-warehouse.ts runs it on a worker thread of its own, so its writes and reads never hold
 * up the event loop; tests may call it directly.
 */

export interface SqliteWarehouseCoreOptions {
  /** The database file (e.g. PULSE_DATA_DIR/warehouse.sqlite); absent: in memory. */
  file?: string | undefined;
  countBots?: BotCounting | undefined;
  /** SQLite's page cache in KiB (default 8,192): the memory it keeps, whatever the amount stored. */
  cacheKiB?: number | undefined;
  /**
   * WAL pages before SQLite copies them into the database file (default 10,000 pages, 40 MiB of
   * disk; SQLite's own 1,000 wrote 13–16% fewer rows a second: the event_id index's pages, changed
   * by every batch, were copied ten times as often).
   */
  walPages?: number | undefined;
}

/** Default rows per export page. */
export const EXPORT_PAGE_SIZE = 1000;

const EVENT_COLUMNS = 20;

/** Whole-ms bounds, truncated as a JavaScript Date truncates them (the PostgreSQL adapter sends Dates). */
const wholeMs = <R extends TimeRange>(range: R): R => ({ ...range, from: Math.trunc(range.from), to: Math.trunc(range.to) });

/** The props column: JSON text with `\u0000` escapes read as U+FFFD, the rule every adapter applies to stored text. */
const propsText = (props: string | null): string | null => (props === null ? null : props.replaceAll('\\u0000', '\\ufffd'));

export type SqliteWarehouseCore = ReturnType<typeof openSqliteWarehouseCore>;

export function openSqliteWarehouseCore(options: SqliteWarehouseCoreOptions = {}) {
  const countBots = options.countBots ?? countNoBots;
  const cache = Math.max(256, Math.round(options.cacheKiB ?? 8192));
  const walPages = Math.max(100, Math.round(options.walPages ?? 10_000));
  const db = openSqliteDatabase(
    options.file,
    `PRAGMA cache_size = -${cache}; PRAGMA temp_store = FILE; PRAGMA wal_autocheckpoint = ${walPages};`,
  );

  const statements = new Map<string, StatementSync>();
  const prepared = (text: string): StatementSync => {
    let statement = statements.get(text);
    if (statement === undefined) {
      statement = db.prepare(text);
      statements.set(text, statement);
      // Statements are per query shape; a bound keeps a stream of odd shapes from holding memory.
      if (statements.size > 256) statements.delete(statements.keys().next().value as string);
    }
    return statement;
  };
  const all = <T>(s: Statement): T[] => prepared(s.text).all(...(s.params as SQLInputValue[])) as T[];

  const transaction = <T>(work: () => T): T => inTransaction(db, work);

  let ready = false;
  let insertEvent: StatementSync;
  let isErased: StatementSync;
  let erasedCount = 0;

  function migrate(): void {
    migrateSqlite(db);
    insertEvent = db.prepare(`INSERT OR IGNORE INTO events VALUES (${Array.from({ length: EVENT_COLUMNS }, () => '?').join(', ')})`);
    isErased = db.prepare('SELECT 1 AS x FROM erased_ids WHERE event_id = ?');
    erasedCount = Number((db.prepare('SELECT count(*) AS n FROM erased_ids').get() as { n: number }).n);
    ready = true;
  }

  function requireReady(): void {
    if (!ready) throw new Error('the SQLite warehouse is used before migrate()');
  }

  const botSites = (range: TimeRange) => botSitesOf(range, countBots.sites());

  return {
    migrate,

    writeEvents(batch: readonly EnrichedEvent[]): WriteResult {
      requireReady();
      const { events, repeats } = distinctEvents(batch);
      if (events.length === 0) return { inserted: 0, duplicates: repeats };
      const inserted = transaction(() => {
        let count = 0;
        for (const event of events) {
          const row = eventRow(event);
          if (erasedCount > 0 && isErased.get(row.event_id) !== undefined) continue;
          const done = insertEvent.run(
            Date.parse(row.received_at),
            row.event_id,
            row.site,
            row.type,
            row.user_id,
            row.session_id,
            row.path,
            row.duration,
            row.referrer_host,
            row.browser,
            row.os,
            row.device,
            row.utm_source,
            row.utm_medium,
            row.utm_campaign,
            row.is_bot ? 1 : 0,
            row.bot_name,
            row.event_name,
            propsText(row.props),
            row.data,
          );
          count += Number(done.changes);
        }
        return count;
      });
      return { inserted, duplicates: batch.length - inserted };
    },

    writeErrors(errors: readonly ProcessingError[]): void {
      requireReady();
      if (errors.length === 0) return;
      const now = Date.now();
      const insert = prepared('INSERT OR IGNORE INTO processing_errors VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      transaction(() => {
        for (const error of errors) {
          const row = errorRow(error, now);
          insert.run(row.topic, row.partition, row.record_offset, row.reason, row.raw, Date.parse(row.failed_at), row.site, row.user_id);
        }
      });
    },

    readErrors(): ProcessingError[] {
      return all<ProcessingError>({
        text: `SELECT topic, partition, record_offset AS offset, reason, raw, failed_at AS at FROM processing_errors
ORDER BY failed_at, topic, partition, record_offset`,
        params: [],
      });
    },

    pageAggregates(range: TimeRange): PageAggregate[] {
      if (!checkRange(range)) return [];
      return all<PageAggregate>(viewFiguresSql(wholeMs(range), { kind: 'page' }, countBots.sites()));
    },

    timeSeries(range: TimeRange, bucket: 'minute' | 'hour' | 'day'): TimeBucket[] {
      if (!checkRange(range)) return [];
      if (bucket !== 'minute' && bucket !== 'hour' && bucket !== 'day') throw new RangeError(`unknown bucket ${JSON.stringify(bucket)}`);
      return all<TimeBucket>(viewFiguresSql(wholeMs(range), { kind: 'bucket', unit: bucket }, countBots.sites()));
    },

    breakdown(range: TimeRange, dimension: BreakdownDimension, limit: number): BreakdownRow[] {
      checkLimit(limit);
      if (!checkRange(range) || limit === 0) return [];
      return all<BreakdownRow>(breakdownSql(wholeMs(range), dimension, limit, countBots.sites()));
    },

    botTraffic(range: TimeRange, limit: number): BotTraffic {
      checkLimit(limit);
      if (!checkRange(range)) return { requests: 0, pageViews: 0, top: [] };
      const [totals] = all<{ requests: number; page_views: number }>(botTotalsSql(wholeMs(range)));
      const requests = totals?.requests ?? 0;
      const pageViews = totals?.page_views ?? 0;
      if (requests === 0 || limit === 0) return { requests, pageViews, top: [] };
      return { requests, pageViews, top: all<{ name: string; requests: number }>(topBotsSql(wholeMs(range), limit, UNNAMED_BOT)) };
    },

    counts(): Record<string, number> {
      const rows = all<{ name: string; n: number }>({
        text: `SELECT 'events' AS name, count(*) AS n FROM events UNION ALL SELECT 'erased_ids', count(*) FROM erased_ids
UNION ALL SELECT 'processing_errors', count(*) FROM processing_errors`,
        params: [],
      });
      return Object.fromEntries(rows.map((row) => [row.name, Number(row.n)]));
    },

    /** One page of exportEvents: the events after `after` (received_at, event_id), oldest first. */
    exportPage(
      range: TimeRange,
      pageSize: number,
      after: { at: number; id: string } | undefined,
    ): { events: EnrichedEvent[]; next: { at: number; id: string } | undefined } {
      if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError('pageSize must be a positive integer');
      if (!checkRange(range)) return { events: [], next: undefined };
      const rows = all<{ data: string; received_at: number; event_id: string }>(exportPageSql(wholeMs(range), pageSize, after));
      const last = rows.at(-1);
      return {
        events: rows.map((row) => JSON.parse(row.data) as EnrichedEvent),
        next: rows.length < pageSize || last === undefined ? undefined : { at: last.received_at, id: last.event_id },
      };
    },

    forgetUser(site: string, userId: string): number {
      requireReady();
      const cleanSite = cleanText(site);
      const cleanUser = cleanText(userId);
      return transaction(() => {
        const erased = db
          .prepare('INSERT OR IGNORE INTO erased_ids SELECT event_id FROM events WHERE site = ? AND user_id = ?')
          .run(cleanSite, cleanUser);
        erasedCount += Number(erased.changes);
        const events = db.prepare('DELETE FROM events WHERE site = ? AND user_id = ?').run(cleanSite, cleanUser);
        const errors = db
          .prepare('DELETE FROM processing_errors WHERE user_id = ? AND (site = ? OR site IS NULL)')
          .run(cleanUser, cleanSite);
        return Number(events.changes) + Number(errors.changes);
      });
    },

    funnel(query: FunnelQuery): FunnelResult {
      const checked = checkFunnelQuery(query);
      if (checked.empty) return emptyFunnel(checked.steps.length);
      const steps = checked.steps.length;
      const statement = funnelEventsSql(checked, botSites(checked.range).includes(checked.range.site), checked.order === 'strict');
      const bests: EntityBest[] = [];
      let entity: unknown;
      let events: FunnelEvent[] = [];
      const flush = () => {
        const best = events.length === 0 ? null : bestAttempt(events, steps, checked.order, checked.windowMs);
        if (best !== null) bests.push(best);
        events = [];
      };
      for (const row of prepared(statement.text).iterate(...(statement.params as SQLInputValue[])) as Iterable<
        Record<string, number | string>
      >) {
        if (row['ent'] !== entity) {
          flush();
          entity = row['ent'];
        }
        events.push({ t: Number(row['t']), m: Array.from({ length: steps }, (_, k) => row[`m${k + 1}`] === 1) });
      }
      flush();
      return funnelResultOf(funnelFigures(bests, steps));
    },

    retention(query: RetentionQuery): RetentionResult {
      if (!checkRetentionQuery(query)) return { period: query.period, cohorts: [] };
      const range = wholeMs(query.range);
      const cells = all<RetentionCell>(retentionCellsSql({ ...query, range }, botSites(range).length > 0));
      return assembleRetention(query.period, query.range.to, cells);
    },

    customEvents(range: TimeRange, limit: number) {
      if (!checkEventsQuery(range, { limit })) return [];
      return all<{ name: string; events: number; visitors: number }>(customEventsSql(wholeMs(range), botSites(range), limit));
    },

    customEventSeries(range: TimeRange, name: string, bucket: 'hour' | 'day') {
      if (!checkEventsQuery(range, { name, bucket })) return [];
      return all<{ ts: number; events: number; visitors: number }>(customEventSeriesSql(wholeMs(range), botSites(range), name, bucket));
    },

    eventProperty(range: TimeRange, name: string, key: string, limit: number) {
      if (!checkEventsQuery(range, { name, key, limit })) return [];
      return all<{ value: string; events: number; visitors: number }>(eventPropertySql(wholeMs(range), botSites(range), name, key, limit));
    },

    eventPropertyKeys(range: TimeRange, name: string, limit: number): string[] {
      if (!checkEventsQuery(range, { name, limit })) return [];
      return all<{ key: string }>(eventPropertyKeysSql(wholeMs(range), botSites(range), name, limit)).map((row) => row.key);
    },

    ping(): void {
      db.prepare('SELECT 1').get();
    },

    close(): void {
      if (db.isOpen) db.close();
    },
  };
}
