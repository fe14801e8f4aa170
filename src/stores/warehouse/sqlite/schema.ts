import { createHash } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';

/**
 * The SQLite warehouse's numbered migrations, applied once each in order and recorded with a
 * checksum (as the PostgreSQL warehouse's files are): a recorded migration whose text changed is an
 * error, so fix forward with a new one.
 *
 * One table of raw events: SQLite answers the History view's figures from them faster than PGlite
 * answers from its rollups (BENCHMARKS.md, "Embedded warehouse candidates"), so there are no
 * rollups to keep exact under redelivery and forgetUser. Times are epoch milliseconds (UTC);
 * text compares in byte order (SQLite's BINARY collation), as every adapter orders ties.
 */
export interface SqliteMigration {
  version: number;
  name: string;
  sql: string;
}

export const sqliteMigrations: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'events',
    sql: `
-- One row per distinct event_id: the unique index is the exactly-once check, a B-tree on disk, so
-- its memory is SQLite's page cache, not the number of rows.
CREATE TABLE events (
  received_at INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  site TEXT NOT NULL,
  type TEXT NOT NULL,
  user_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  path TEXT NOT NULL,
  duration REAL,
  referrer_host TEXT,
  browser TEXT,
  os TEXT,
  device TEXT,
  utm_source TEXT,
  utm_medium TEXT,
  utm_campaign TEXT,
  is_bot INTEGER NOT NULL,
  bot_name TEXT,
  event_name TEXT,
  -- The props object as JSON text, \\u0000 escapes read as U+FFFD (the rule of every adapter).
  props TEXT,
  -- The whole enriched event as JSON, exactly as received (export returns it).
  data TEXT NOT NULL
);
CREATE UNIQUE INDEX events_id ON events (event_id);
-- Range reads of one site and export's keyset pages.
CREATE INDEX events_site_time ON events (site, received_at, event_id);
-- Reads and export across every site.
CREATE INDEX events_time ON events (received_at, event_id);
-- forgetUser.
CREATE INDEX events_site_user ON events (site, user_id);

-- The ids of erased events (no user data): a replay of the log skips them instead of bringing them back.
CREATE TABLE erased_ids (event_id TEXT PRIMARY KEY) WITHOUT ROWID;

-- Records the workers refused, one row per (topic, partition, offset).
CREATE TABLE processing_errors (
  topic TEXT NOT NULL,
  partition INTEGER NOT NULL,
  record_offset INTEGER NOT NULL,
  reason TEXT NOT NULL,
  raw TEXT NOT NULL,
  failed_at INTEGER NOT NULL,
  site TEXT,
  user_id TEXT,
  PRIMARY KEY (topic, partition, record_offset)
) WITHOUT ROWID;
CREATE INDEX processing_errors_user ON processing_errors (user_id) WHERE user_id IS NOT NULL;`,
  },
];

const checksum = (sql: string) => createHash('sha256').update(sql).digest('hex');

/**
 * Applies the migrations not yet recorded in `table` (a fixed name, never a value), each in its own
 * transaction; returns the versions applied now.
 */
export function migrateSqlite(
  db: DatabaseSync,
  migrations: readonly SqliteMigration[] = sqliteMigrations,
  table = 'schema_migrations',
): number[] {
  if (!/^[a-z_]+$/.test(table)) throw new RangeError(`invalid migrations table ${JSON.stringify(table)}`);
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const rows = db.prepare(`SELECT version, name, checksum FROM ${table}`).all() as { version: number; name: string; checksum: string }[];
  const recorded = new Map(rows.map((row) => [row.version, row]));
  for (const [version, row] of recorded) {
    const known = migrations.find((m) => m.version === version);
    if (known === undefined) throw new Error(`migration ${version} (${row.name}) is recorded but unknown to this version of Pulse`);
    if (checksum(known.sql) !== row.checksum) throw new Error(`migration ${version} (${row.name}) changed after it was applied`);
  }
  const applied: number[] = [];
  for (const migration of migrations) {
    if (recorded.has(migration.version)) continue;
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(migration.sql);
      db.prepare(`INSERT INTO ${table} VALUES (?, ?, ?, ?)`).run(migration.version, migration.name, checksum(migration.sql), Date.now());
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
    applied.push(migration.version);
  }
  return applied;
}
