import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EnrichedEvent } from '../../src/contract/event-schema.ts';
import { warehouseOver, type PostgresWarehouse, type SqlExecutor } from '../../src/stores/warehouse/postgres/index.ts';
import { realtimeEvent } from './realtime-store-suite.ts';
import { WAREHOUSE_BASE, expectedExport, expectedPageAggregates, warehouseStream } from './warehouse-suite.ts';

/**
 * What the shared Warehouse suite cannot see, checked in the tables themselves, for both engines of
 * the PostgreSQL adapter (PostgreSQL and PGlite): migrations, partitions, claims, sessions, rollups
 * against the raw events, what forgetUser leaves, text PostgreSQL cannot store, concurrent writers.
 */
export interface PostgresWarehouseFixture {
  executor: SqlExecutor;
  warehouse: PostgresWarehouse;
  /** The schema the tables live in ('public' for PGlite). */
  schema: string;
  cleanup: () => Promise<void>;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let counter = 0;
const newSite = (label: string) => `pg-${label}-${process.pid}-${(counter += 1)}`;

export function definePostgresWarehouseChecks(name: string, makeFixture: () => Promise<PostgresWarehouseFixture>): void {
  describe(name, () => {
    let fixture: PostgresWarehouseFixture;
    let sql: SqlExecutor;
    let warehouse: PostgresWarehouse;
    const one = async <Row extends object>(text: string, params: unknown[] = []): Promise<Row> => {
      const [row] = await sql.query<Row>(text, params);
      assert.ok(row !== undefined, `a row from ${text}`);
      return row;
    };
    const count = async (text: string, params: unknown[] = []) => (await one<{ n: number }>(text, params)).n;

    before(async () => {
      fixture = await makeFixture();
      sql = fixture.executor;
      warehouse = fixture.warehouse;
      await warehouse.migrate();
    });
    after(async () => {
      await warehouse.close();
      await fixture.cleanup();
    });

    test('migrations are numbered files, each applied once and recorded; an edited applied file is refused', async () => {
      const applied = await sql.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
      assert.deepEqual(applied, [
        { version: 1, name: 'events' },
        { version: 2, name: 'sessions_rollups' },
        { version: 3, name: 'processing_errors' },
        { version: 4, name: 'bots' },
        { version: 5, name: 'event_names_props' },
      ]);
      await warehouse.migrate();
      assert.equal(await count('SELECT count(*)::int AS n FROM schema_migrations'), 5);
      const { checksum } = await one<{ checksum: string }>('SELECT checksum FROM schema_migrations WHERE version = 2');
      await sql.query('UPDATE schema_migrations SET checksum = $1 WHERE version = 2', ['edited']);
      try {
        await assert.rejects(warehouse.migrate(), /migration 2 \(sessions_rollups\) changed after it was applied/);
      } finally {
        await sql.query('UPDATE schema_migrations SET checksum = $1 WHERE version = 2', [checksum]);
      }
      const tables = await sql.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name NOT LIKE 'events\\_%' ORDER BY table_name`,
        [fixture.schema],
      );
      assert.deepEqual(
        tables.map((t) => t.table_name),
        ['event_ids', 'events', 'page_hourly', 'page_hourly_users', 'processing_errors', 'schema_migrations', 'sessions'],
      );
    });

    test('events go to monthly partitions made on demand; the default partition takes what cannot have one', async () => {
      const site = newSite('parts');
      const feb = realtimeEvent('page_view', { site, user: 'u', at: Date.parse('2025-02-28T23:59:59.999Z') });
      const mar = realtimeEvent('page_view', { site, user: 'u', at: Date.parse('2025-03-01T00:00:00.000Z') });
      const far = realtimeEvent('click', { site, user: 'u', at: Date.parse('2099-12-31T23:00:00.000Z') });
      assert.deepEqual(await warehouse.writeEvents([feb, mar, far]), { inserted: 3, duplicates: 0 });
      const where = await sql.query<{ event_id: string; part: string }>(
        'SELECT event_id, tableoid::regclass::text AS part FROM events WHERE site = $1 ORDER BY received_at',
        [site],
      );
      assert.deepEqual(
        where.map((r) => r.part),
        ['events_2025_02', 'events_2025_03', 'events_2099_12'],
      );
      const partitions = await sql.query<{ name: string; bound: string }>(
        `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass ORDER BY c.relname`,
      );
      const bounds = [...(partitions.find((p) => p.name === 'events_2025_03')?.bound ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]);
      assert.equal(bounds.length, 2);
      const utc = await one<{ lower: number; upper: number }>(
        'SELECT (extract(epoch FROM $1::timestamptz) * 1000)::float8 AS lower, (extract(epoch FROM $2::timestamptz) * 1000)::float8 AS upper',
        bounds,
      );
      assert.deepEqual(utc, { lower: Date.parse('2025-03-01T00:00:00Z'), upper: Date.parse('2025-04-01T00:00:00Z') }, 'UTC month bounds');
      assert.ok(partitions.some((p) => p.name === 'events_default' && p.bound === 'DEFAULT'));

      // A month whose rows already sit in the default partition keeps using it: the write does not fail.
      const stray = realtimeEvent('custom', { site, user: 'v', at: Date.parse('2040-01-10T00:00:00.000Z'), name: 'x' });
      await sql.query(
        `INSERT INTO events_default (received_at, event_id, site, type, user_id, session_id, path, data)
         VALUES ($1, $2, $3, 'custom', 'v', 's', '/', $4)`,
        [stray.received_at, stray.event_id, site, JSON.stringify(stray)],
      );
      const later = realtimeEvent('page_view', { site, user: 'v', at: Date.parse('2040-01-20T00:00:00.000Z') });
      assert.deepEqual(await warehouse.writeEvents([later]), { inserted: 1, duplicates: 0 });
      assert.equal(
        (await one<{ part: string }>('SELECT tableoid::regclass::text AS part FROM events WHERE event_id = $1', [later.event_id])).part,
        'events_default',
      );

      // When the partition cannot be made at all, the events still land (in the default partition) and the error is reported.
      await sql.query('ALTER FUNCTION pulse_ensure_events_partition(timestamptz) RENAME TO pulse_ensure_events_partition_away');
      const reported: unknown[] = [];
      try {
        const blind = warehouseOver(sql, { schema: fixture.schema, onPartitionError: (error) => reported.push(error) });
        const lost = realtimeEvent('page_view', { site, user: 'w', at: Date.parse('2041-05-05T00:00:00.000Z') });
        assert.deepEqual(await blind.writeEvents([lost]), { inserted: 1, duplicates: 0 });
        assert.equal(reported.length, 1);
        assert.equal(
          (await one<{ part: string }>('SELECT tableoid::regclass::text AS part FROM events WHERE event_id = $1', [lost.event_id])).part,
          'events_default',
        );
      } finally {
        await sql.query('ALTER FUNCTION pulse_ensure_events_partition_away(timestamptz) RENAME TO pulse_ensure_events_partition');
      }
    });

    test('sessions: first and last time, page views and events, unchanged by redelivery', async () => {
      const site = newSite('sessions');
      const at = WAREHOUSE_BASE;
      const events = [
        realtimeEvent('page_view', { site, user: 'u1', session: 's1', at: at + 5 * MINUTE, path: '/a', duration: 20 }),
        realtimeEvent('click', { site, user: 'u1', session: 's1', at: at + 6 * MINUTE, path: '/a' }),
        realtimeEvent('page_view', { site, user: 'u1', session: 's1', at: at + MINUTE, path: '/b' }),
        realtimeEvent('page_view', { site, user: 'u1', session: 's2', at: at + 2 * HOUR, path: '/b' }),
        realtimeEvent('mouse_move', { site, user: 'u2', session: 's1', at: at + 3 * MINUTE, path: '/b', x: 1, y: 2 }),
      ];
      await warehouse.writeEvents(events.slice(0, 2));
      await warehouse.writeEvents(events.slice(1)); // overlaps: the click is redelivered
      await warehouse.writeEvents(events); // the whole stream again
      const rows = await sql.query(
        `SELECT user_id, session_id, (extract(epoch FROM first_ts) * 1000)::float8 AS first, (extract(epoch FROM last_ts) * 1000)::float8 AS last,
           page_views, events FROM sessions WHERE site = $1 ORDER BY user_id, session_id`,
        [site],
      );
      assert.deepEqual(rows, [
        { user_id: 'u1', session_id: 's1', first: at + MINUTE, last: at + 6 * MINUTE, page_views: 2, events: 3 },
        { user_id: 'u1', session_id: 's2', first: at + 2 * HOUR, last: at + 2 * HOUR, page_views: 1, events: 1 },
        { user_id: 'u2', session_id: 's1', first: at + 3 * MINUTE, last: at + 3 * MINUTE, page_views: 0, events: 1 },
      ]);
    });

    /** The rollups must equal what the raw events give, row for row. */
    async function assertRollupsMatchEvents(site: string): Promise<void> {
      const fromRollups = await sql.query(
        `SELECT hour::text AS hour, path, views::int, bounces::int, duration_sum::float8 AS dsum, duration_count::int AS dcount
         FROM page_hourly WHERE site = $1 ORDER BY hour, path`,
        [site],
      );
      const fromEvents = await sql.query(
        `SELECT date_trunc('hour', received_at, 'UTC')::text AS hour, path, count(*)::int AS views,
           count(*) FILTER (WHERE duration < 5)::int AS bounces, coalesce(sum(duration::numeric), 0)::float8 AS dsum, count(duration)::int AS dcount
         FROM events WHERE site = $1 AND type = 'page_view' GROUP BY 1, 2 ORDER BY 1, 2`,
        [site],
      );
      assert.deepEqual(fromRollups, fromEvents, 'page_hourly = raw events');
      const visitors = await sql.query(`SELECT hour::text AS hour, path, user_id FROM page_hourly_users WHERE site = $1 ORDER BY 1, 2, 3`, [
        site,
      ]);
      const viewers = await sql.query(
        `SELECT DISTINCT date_trunc('hour', received_at, 'UTC')::text AS hour, path, user_id FROM events
         WHERE site = $1 AND type = 'page_view' ORDER BY 1, 2, 3`,
        [site],
      );
      assert.deepEqual(visitors, viewers, 'page_hourly_users = raw events');
    }

    test('rollups agree with the raw events; forgetUser leaves no row of the visitor and keeps the claims', async () => {
      const site = newSite('forget');
      const stream = warehouseStream(site, { seed: 11, count: 1200, users: 30 });
      for (const batch of stream.batches) await warehouse.writeEvents(batch);
      await assertRollupsMatchEvents(site);

      const user = `${site}-u0`;
      const mine = stream.unique.filter((e) => e.user_id === user);
      assert.ok(mine.length > 20);
      await warehouse.writeErrors([
        { topic: 't', partition: 9, offset: 9, reason: 'r', raw: `{"site":"${site}","user_id":"${user}","url":`, at: 0 },
      ]);
      const claims = await count('SELECT count(*)::int AS n FROM event_ids');
      const removed = await warehouse.forgetUser(site, user);
      const sessions = new Set(mine.map((e) => e.session_id)).size;
      assert.ok(removed >= mine.length + sessions + 1, `events, sessions, visitor rows and the refused record (${removed})`);
      for (const table of ['events', 'sessions', 'page_hourly_users', 'processing_errors']) {
        assert.equal(
          await count(`SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1`, [user]),
          0,
          `${table} holds nothing of the visitor`,
        );
      }
      assert.equal(await count('SELECT count(*)::int AS n FROM page_hourly WHERE views <= 0'), 0, 'no empty rollup rows');
      await assertRollupsMatchEvents(site);
      assert.equal(await count('SELECT count(*)::int AS n FROM event_ids'), claims, 'claims are kept');

      // A replay of the topic skips the erased events instead of bringing them back.
      assert.deepEqual(await warehouse.writeEvents(mine), { inserted: 0, duplicates: mine.length });
      const range = { from: WAREHOUSE_BASE, to: WAREHOUSE_BASE + 6 * HOUR, site };
      const remaining = stream.unique.filter((e) => e.user_id !== user);
      assert.deepEqual(
        (await warehouse.pageAggregates(range)).map((p) => [p.page, p.views, p.unique_users]),
        expectedPageAggregates(remaining, range).map((p) => [p.page, p.views, p.unique_users]),
      );
    });

    test('text PostgreSQL cannot store (U+0000, lone surrogates) is written, exported as sent and forgettable', async () => {
      const site = newSite('text');
      const at = WAREHOUSE_BASE + 3 * MINUTE;
      const nul = realtimeEvent('page_view', { site, user: 'a\u0000b', at, path: '/p\u0000', title: 'x\u0000y', duration: 7 });
      const surrogate = realtimeEvent('custom', { site, user: 'c\ud800', at: at + 1, name: 'n\udc00', props: { k: '\u0000\ud83d' } });
      assert.deepEqual(await warehouse.writeEvents([nul, surrogate]), { inserted: 2, duplicates: 0 });
      assert.deepEqual(await warehouse.writeEvents([nul, surrogate]), { inserted: 0, duplicates: 2 });
      const exported: EnrichedEvent[] = [];
      for await (const page of warehouse.exportEvents({ from: at, to: at + MINUTE, site })) exported.push(...page);
      assert.deepEqual(exported, [nul, surrogate]);
      await warehouse.writeErrors([{ topic: 'bad\u0000', partition: 0, offset: 1, reason: 'r\u0000', raw: '\u0000\ud800', at }]);
      assert.equal((await warehouse.forgetUser(site, 'a\u0000b')) > 0, true);
      assert.equal((await warehouse.forgetUser(site, 'c\ud800')) > 0, true);
      assert.equal(await count('SELECT count(*)::int AS n FROM events WHERE site = $1', [site]), 0);
    });

    test('concurrent writers with overlapping batches store each event once, figures exact', async () => {
      const site = newSite('concurrent');
      const stream = warehouseStream(site, { seed: 3, count: 3000, users: 50 });
      const all = stream.unique;
      const split = (events: readonly EnrichedEvent[], size: number) =>
        Array.from({ length: Math.ceil(events.length / size) }, (_, i) => events.slice(i * size, (i + 1) * size));
      const writers = [split(all, 400), split([...all].reverse(), 250), split(all.slice(1000), 700), split(all.slice(0, 2000), 333)];
      const results = await Promise.all(
        writers.map(async (batches) => {
          let inserted = 0;
          for (const batch of batches) inserted += (await warehouse.writeEvents(batch)).inserted;
          return inserted;
        }),
      );
      assert.equal(
        results.reduce((a, b) => a + b, 0),
        all.length,
        'each event inserted by exactly one writer',
      );
      assert.equal(await count('SELECT count(*)::int AS n FROM events WHERE site = $1', [site]), all.length);
      await assertRollupsMatchEvents(site);
      const sessions = await one<{ events: number }>('SELECT sum(events)::int AS events FROM sessions WHERE site = $1', [site]);
      assert.equal(sessions.events, all.length);
    });

    test('a batch larger than one statement carries is written whole, in order of export', async () => {
      const site = newSite('big');
      const events = Array.from({ length: 12_345 }, (_, i) =>
        realtimeEvent(i % 2 === 0 ? 'page_view' : 'click', { site, user: `u${i % 97}`, at: WAREHOUSE_BASE + i * 1000, path: `/p${i % 5}` }),
      );
      assert.deepEqual(await warehouse.writeEvents(events), { inserted: events.length, duplicates: 0 });
      assert.deepEqual(await warehouse.writeEvents(events.slice(2_000)), { inserted: 0, duplicates: events.length - 2_000 });
      const range = { from: WAREHOUSE_BASE, to: WAREHOUSE_BASE + 5 * HOUR, site };
      let exported = 0;
      let previous: EnrichedEvent | undefined;
      const expected = expectedExport(events, range);
      for await (const page of warehouse.exportEvents(range, 5_000)) {
        for (const event of page) {
          assert.equal(event.event_id, expected[exported]?.event_id);
          previous = event;
          exported += 1;
        }
      }
      assert.equal(exported, expected.length);
      assert.ok(previous !== undefined);
    });
  });
}
