import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UNNAMED_BOT } from '../../src/contract/bot-traffic.ts';
import type { EnrichedEvent } from '../../src/contract/event-schema.ts';
import { clickHouseWarehouseOver, type ClickHouseExecutor } from '../../src/stores/warehouse/clickhouse/index.ts';
import { eventRow as clickHouseEventRow, pageViewRow } from '../../src/stores/warehouse/clickhouse/rows.ts';
import { migrations, migrationsTableSql, tablesOf } from '../../src/stores/warehouse/clickhouse/schema.ts';
import { sqlIdentifier } from '../../src/stores/warehouse/clickhouse/sql.ts';
import { eventRow } from '../../src/stores/warehouse/postgres/event-rows.ts';
import { migrate, migrationsDir, warehouseOver, type SqlExecutor } from '../../src/stores/warehouse/postgres/index.ts';
import type { Warehouse } from '../../src/stores/warehouse/warehouse.ts';
import { legacyBotEvent, realtimeEvent } from './realtime-store-suite.ts';

/**
 * The migration that keeps bots out of the figures, run over data the previous version wrote:
 * two human views and two bot views (flagged by ingest, counted by the old rollups) and a bot click.
 * After it, the rollups and every figure hold the humans only, and the bots are in the bot figures.
 */
const HOUR = 3_600_000;
const site = 'upgrade';
const hour = Date.parse('2025-05-05T10:00:00.000Z');
const events: EnrichedEvent[] = [
  realtimeEvent('page_view', { site, user: 'u1', at: hour + 1000, path: '/x', duration: 3 }),
  realtimeEvent('page_view', { site, user: 'u2', at: hour + 2000, path: '/x', duration: 10 }),
  legacyBotEvent('page_view', { site, user: 'b1', at: hour + 3000, path: '/x', duration: 1 }),
  legacyBotEvent('page_view', { site, user: 'b2', at: hour + 4000, path: '/y', duration: 1 }),
  legacyBotEvent('click', { site, user: 'b2', at: hour + 5000, path: '/y' }),
];
// Two visitors with one view each: two single-page sessions (bounces), one of them a quick exit (3 s).
const humansOnly = { page: '/x', views: 2, unique_users: 2, sessions: 2, bounces: 2, quick_exits: 1, avg_duration: 6.5 };

/** `row` without `keys` (a row as the previous version wrote it, without the columns it did not have). */
function omit<T extends object, K extends keyof T>(row: T, ...keys: K[]): Omit<T, K> {
  const copy = { ...row };
  for (const key of keys) delete copy[key];
  return copy;
}

async function assertHumansOnly(warehouse: Warehouse): Promise<void> {
  const range = { from: hour, to: hour + HOUR, site };
  assert.deepEqual(await warehouse.pageAggregates(range), [humansOnly], 'whole hours: the rollups hold humans only');
  assert.deepEqual(await warehouse.pageAggregates({ ...range, to: hour + 10_000 }), [humansOnly], 'raw edges');
  const figures = omit(humansOnly, 'page');
  assert.deepEqual(await warehouse.timeSeries(range, 'minute'), [{ ts: hour, ...figures }], 'minutes');
  assert.deepEqual(await warehouse.botTraffic(range, 10), { requests: 3, pageViews: 2, top: [{ name: UNNAMED_BOT, requests: 3 }] });
  assert.equal((await warehouse.counts())['events'], events.length, 'every event kept');
}

/** PostgreSQL / PGlite: migrations 001–003 and rows as the previous writer made them, then migrate(). */
export async function checkPostgresBotUpgrade(executor: SqlExecutor, schema: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-migrations-'));
  try {
    for (const file of (await readdir(migrationsDir)).filter((name) => /^00[123]_/.test(name))) {
      await copyFile(join(migrationsDir, file), join(dir, file));
    }
    assert.deepEqual(await migrate(executor, { schema, dir }), [1, 2, 3]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  for (const event of events) {
    const row = omit(eventRow(event), 'is_bot', 'bot_name', 'event_name', 'props');
    const columns = Object.keys(row);
    await executor.query(
      `INSERT INTO events (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      Object.values(row),
    );
  }
  // The old rollups counted the bots' views too.
  const at = new Date(hour).toISOString();
  await executor.query(
    `INSERT INTO page_hourly (site, hour, path, views, bounces, duration_sum, duration_count)
     VALUES ($1, $2, '/x', 3, 2, 14, 3), ($1, $2, '/y', 1, 1, 1, 1)`,
    [site, at],
  );
  await executor.query(
    `INSERT INTO page_hourly_users (site, hour, path, user_id) VALUES ($1, $2, '/x', 'u1'), ($1, $2, '/x', 'u2'), ($1, $2, '/x', 'b1'), ($1, $2, '/y', 'b2')`,
    [site, at],
  );

  const warehouse = warehouseOver(executor, { schema });
  await warehouse.migrate();
  assert.deepEqual(await executor.query('SELECT path, views::int AS views FROM page_hourly ORDER BY path'), [{ path: '/x', views: 2 }]);
  assert.deepEqual(await executor.query('SELECT user_id FROM page_hourly_users ORDER BY user_id'), [{ user_id: 'u1' }, { user_id: 'u2' }]);
  assert.deepEqual(await executor.query('SELECT user_id FROM events WHERE is_bot ORDER BY user_id, type'), [
    { user_id: 'b1' },
    { user_id: 'b2' },
    { user_id: 'b2' },
  ]);
  await assertHumansOnly(warehouse);
}

/** ClickHouse: migration 1 and rows as the previous writer made them (its views counted the bots), then migrate(). */
export async function checkClickHouseBotUpgrade(executor: ClickHouseExecutor, database: string): Promise<void> {
  const t = tablesOf(database);
  await executor.command(`CREATE DATABASE IF NOT EXISTS ${sqlIdentifier(database)}`);
  await executor.command(migrationsTableSql(t));
  const first = migrations[0];
  assert.ok(first !== undefined && first.version === 1);
  for (const step of first.statements(t)) if (typeof step === 'string') await executor.command(step);
  await executor.insert(t.migrations, [{ version: 1, name: first.name, applied_at: Math.floor(Date.now() / 1000) }]);
  const views = events.filter((e) => e.type === 'page_view').map((e) => omit(pageViewRow(e), 'bot_name'));
  const others = events.filter((e) => e.type !== 'page_view').map((e) => omit(clickHouseEventRow(e), 'bot_name', 'is_bot'));
  await executor.insert(t.pageViews, views);
  await executor.insert(t.events, others);

  const warehouse = clickHouseWarehouseOver(executor, { database });
  await warehouse.migrate();
  await assertHumansOnly(warehouse);
}
