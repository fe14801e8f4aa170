import { sqlIdentifier } from './sql.ts';

/**
 * The ClickHouse schema (seed 002's table names kept). Every statement must run on ClickHouse
 * 18.16 (Debian 12) and on current ClickHouse (checked by test/unit/warehouse/clickhouse-sql.test.ts
 * on chdb): no TTL, no DateTime64 (DateTime plus a UInt16 of milliseconds), no LowCardinality,
 * no `{name:Type}` parameters, no SimpleAggregateFunction (19.8+).
 *
 * - page_views_raw: one row per page_view (typed columns for the reads, `payload` = the event as
 *   JSON for exports). events_raw: one row per event of every other type. ReplacingMergeTree on
 *   (site, event_id) is a second guard only: duplicates are filtered before the insert (see
 *   clickhouse-warehouse.ts), because the materialized views count every inserted row.
 * - page_aggregates_minute / page_aggregates_hour: AggregatingMergeTree rows per (site, page, UTC
 *   minute / hour) with -State columns, filled by ClickHouse itself through materialized views on
 *   page_views_raw; read with the -Merge combinators. Buckets are epoch arithmetic (intDiv), not
 *   toStartOfHour, so they are UTC whatever the server's time zone. Since migration 2 they hold
 *   human page views only (`is_bot = 0`); a read adds the bots of a site that counts them from
 *   page_views_raw. Both raw tables carry `is_bot` and `bot_name` for the bot figures.
 * - processing_errors: refused records, keyed by (topic, partition, offset), with the site and
 *   user_id read from the raw record when it names them (for forgetUser).
 * - forgotten_users: who forgetUser erased and when, so a replay of the topic cannot bring the
 *   erased events back (it holds only the ids the erasure was asked for).
 * - schema_migrations: which numbered migrations ran.
 * - since migration 3, events_raw.event_name (a custom event's name) and `props` on both raw
 *   tables (the event's props object as JSON text, '' when none), computed from `payload`.
 */

export interface Tables {
  pageViews: string;
  events: string;
  errors: string;
  aggMinute: string;
  aggHour: string;
  forgotten: string;
  migrations: string;
}

/** Fully qualified table names (`db`.`table`): every statement names its database. */
export function tablesOf(database: string): Tables {
  const db = sqlIdentifier(database);
  return {
    pageViews: `${db}.page_views_raw`,
    events: `${db}.events_raw`,
    errors: `${db}.processing_errors`,
    aggMinute: `${db}.page_aggregates_minute`,
    aggHour: `${db}.page_aggregates_hour`,
    forgotten: `${db}.forgotten_users`,
    migrations: `${db}.schema_migrations`,
  };
}

/** Epoch-ms of a row: DateTime seconds plus the millisecond column. */
export const receivedMs = 'toUInt64(received_at) * 1000 + received_ms';

/** UTC bucket starts of a page view, as DateTime. */
export const minuteOfView = 'toDateTime(intDiv(toUInt32(received_at), 60) * 60)';
export const hourOfView = 'toDateTime(intDiv(toUInt32(received_at), 3600) * 3600)';

/**
 * The aggregate states of a group of page_views_raw rows, written once and used by the
 * materialized views, by the rebuild after forgetUser, and by reads over the raw edges of a range
 * (so all three produce states of identical types that merge together).
 * Definitions (warehouse.ts): a quick exit is a view with a known duration under 5 s (kept in
 * `bounces_state`, seed 002's name, and read as `quick_exits`: a bounce is a single-page session,
 * computed at read time from page_views_raw); the mean duration is over the views that carry one;
 * unique users are distinct (site, user_id) pairs.
 */
export const stateColumns = [
  'countState() AS views_state',
  'uniqExactState(site, user_id) AS users_state',
  'sumState(toUInt64(has_duration = 1 AND duration < 5)) AS bounces_state',
  'sumState(if(has_duration = 1, duration, 0.)) AS duration_sum_state',
  'sumState(toUInt64(has_duration)) AS duration_count_state',
].join(', ');

export const stateColumnNames = 'views_state, users_state, bounces_state, duration_sum_state, duration_count_state';

/** The -Merge side of stateColumns. */
export const mergedColumns = [
  'countMerge(views_state) AS views',
  'uniqExactMerge(users_state) AS unique_users',
  'sumMerge(bounces_state) AS quick_exits',
  'sumMerge(duration_sum_state) AS duration_sum',
  'sumMerge(duration_count_state) AS duration_count',
].join(', ');

const aggregateStateTypes = `
  views_state AggregateFunction(count),
  users_state AggregateFunction(uniqExact, String, String),
  bounces_state AggregateFunction(sum, UInt64),
  duration_sum_state AggregateFunction(sum, Float64),
  duration_count_state AggregateFunction(sum, UInt64)`;

/** SELECT that turns page_views_raw rows into aggregate rows for one bucket size (MV and rebuild). */
export function aggregateSelect(t: Tables, bucket: 'minute' | 'hour', where?: string): string {
  const expr = bucket === 'minute' ? minuteOfView : hourOfView;
  return `SELECT site, page, ${expr} AS ${bucket}, ${stateColumns} FROM ${t.pageViews}${where === undefined ? '' : ` WHERE ${where}`} GROUP BY site, page, ${bucket}`;
}

/** A migration step: a statement, or a wait until the mutations on these tables (names without database) are done. */
export type MigrationStep = string | { waitForMutations: readonly string[] };

export interface Migration {
  version: number;
  name: string;
  statements: (t: Tables) => MigrationStep[];
}

/** The (site, page, bucket) keys holding bot page views (migration 2). */
const botBuckets = (t: Tables, bucket: 'minute' | 'hour') =>
  `(SELECT site, page, ${bucket === 'minute' ? minuteOfView : hourOfView} FROM ${t.pageViews} WHERE is_bot = 1)`;

/** Migration 2, first: drop the aggregate rows of every bucket holding bot page views… */
const dropBotBucketsSql = (t: Tables, bucket: 'minute' | 'hour'): string =>
  `ALTER TABLE ${bucket === 'minute' ? t.aggMinute : t.aggHour} DELETE WHERE (site, page, ${bucket}) IN ${botBuckets(t, bucket)}`;

/** …then, once that mutation is done, rebuild them from the human rows. */
const rebuildBotBucketsSql = (t: Tables, bucket: 'minute' | 'hour'): string =>
  `INSERT INTO ${bucket === 'minute' ? t.aggMinute : t.aggHour} (site, page, ${bucket}, ${stateColumnNames}) ` +
  aggregateSelect(t, bucket, `is_bot = 0 AND (site, page, ${bucket === 'minute' ? minuteOfView : hourOfView}) IN ${botBuckets(t, bucket)}`);

/**
 * Numbered migrations, applied in order and recorded in schema_migrations. Each statement is
 * idempotent (IF NOT EXISTS; an ADD COLUMN that finds its column, code 44, is done), so a migration
 * interrupted half-way is simply run again. Never edit a released one: add the next number.
 *
 * Migration 2 turns the aggregates to human views only: new materialized views with `is_bot = 0`
 * replace the first ones, then every bucket holding bot views is deleted and rebuilt from the raw
 * human rows (run again, it deletes and rebuilds the same buckets). Page views written by another
 * process while it runs (a writer of the old version, or two processes migrating at once) can be
 * counted twice in a rebuilt bucket; upgrade with one process first (`pulse db migrate`).
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'raw_tables_and_page_aggregates',
    statements: (t) => [
      `CREATE TABLE IF NOT EXISTS ${t.pageViews} (
        site String,
        event_id String,
        received_at DateTime,
        received_ms UInt16,
        page String,
        url String,
        title String,
        referrer String,
        referrer_host Nullable(String),
        user_id String,
        session_id String,
        duration Float64,
        has_duration UInt8,
        browser Nullable(String),
        browser_version Nullable(String),
        os Nullable(String),
        device String,
        is_bot UInt8,
        utm_source Nullable(String),
        utm_medium Nullable(String),
        utm_campaign Nullable(String),
        utm_term Nullable(String),
        utm_content Nullable(String),
        language String,
        payload String
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(received_at)
      ORDER BY (site, event_id)`,
      `CREATE TABLE IF NOT EXISTS ${t.events} (
        site String,
        event_id String,
        type String,
        received_at DateTime,
        received_ms UInt16,
        page String,
        user_id String,
        session_id String,
        payload String
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(received_at)
      ORDER BY (site, event_id)`,
      `CREATE TABLE IF NOT EXISTS ${t.errors} (
        topic String,
        \`partition\` UInt32,
        \`offset\` UInt64,
        reason String,
        raw String,
        at DateTime,
        at_ms UInt16,
        site Nullable(String),
        user_id Nullable(String)
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(at)
      ORDER BY (topic, \`partition\`, \`offset\`)`,
      `CREATE TABLE IF NOT EXISTS ${t.forgotten} (
        site String,
        user_id String,
        forgotten_at DateTime,
        forgotten_ms UInt16
      ) ENGINE = ReplacingMergeTree
      ORDER BY (site, user_id)`,
      `CREATE TABLE IF NOT EXISTS ${t.aggMinute} (
        site String,
        page String,
        minute DateTime,${aggregateStateTypes}
      ) ENGINE = AggregatingMergeTree
      PARTITION BY toYYYYMM(minute)
      ORDER BY (site, minute, page)`,
      `CREATE TABLE IF NOT EXISTS ${t.aggHour} (
        site String,
        page String,
        hour DateTime,${aggregateStateTypes}
      ) ENGINE = AggregatingMergeTree
      PARTITION BY toYYYYMM(hour)
      ORDER BY (site, hour, page)`,
      // The views fire on every INSERT into page_views_raw, with that insert's rows only.
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${t.aggMinute}_mv TO ${t.aggMinute} AS ${aggregateSelect(t, 'minute')}`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${t.aggHour}_mv TO ${t.aggHour} AS ${aggregateSelect(t, 'hour')}`,
    ],
  },
  {
    version: 2,
    name: 'bot_traffic',
    statements: (t) => [
      // 18.16 has no ADD COLUMN IF NOT EXISTS (code 44 when the column exists is taken as done).
      `ALTER TABLE ${t.pageViews} ADD COLUMN bot_name String DEFAULT ''`,
      // Rows stored before read their flag from the event's JSON (ingest has set is_bot from the start).
      `ALTER TABLE ${t.events} ADD COLUMN is_bot UInt8 DEFAULT visitParamExtractBool(payload, 'is_bot')`,
      `ALTER TABLE ${t.events} ADD COLUMN bot_name String DEFAULT ''`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${t.aggMinute}_humans_mv TO ${t.aggMinute} AS ${aggregateSelect(t, 'minute', 'is_bot = 0')}`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${t.aggHour}_humans_mv TO ${t.aggHour} AS ${aggregateSelect(t, 'hour', 'is_bot = 0')}`,
      `DROP TABLE IF EXISTS ${t.aggMinute}_mv`,
      `DROP TABLE IF EXISTS ${t.aggHour}_mv`,
      dropBotBucketsSql(t, 'minute'),
      dropBotBucketsSql(t, 'hour'),
      { waitForMutations: ['page_aggregates_minute', 'page_aggregates_hour'] },
      rebuildBotBucketsSql(t, 'minute'),
      rebuildBotBucketsSql(t, 'hour'),
    ],
  },
  {
    version: 3,
    name: 'event_names_and_props',
    // Product analytics read a custom event's name and any event's `props` (as JSON text).
    // MATERIALIZED: ClickHouse computes them from `payload` on every insert (the writer sends
    // nothing new), and for rows stored before, on read.
    statements: (t) => [
      `ALTER TABLE ${t.events} ADD COLUMN event_name String MATERIALIZED visitParamExtractString(payload, 'name')`,
      `ALTER TABLE ${t.events} ADD COLUMN props String MATERIALIZED visitParamExtractRaw(payload, 'props')`,
      `ALTER TABLE ${t.pageViews} ADD COLUMN props String MATERIALIZED visitParamExtractRaw(payload, 'props')`,
    ],
  },
];

export const migrationsTableSql = (t: Tables): string =>
  `CREATE TABLE IF NOT EXISTS ${t.migrations} (version UInt32, name String, applied_at DateTime) ENGINE = ReplacingMergeTree ORDER BY version`;
