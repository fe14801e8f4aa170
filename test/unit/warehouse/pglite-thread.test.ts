import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isPulseError } from '../../../src/shared/errors.ts';
import { storeCodes } from '../../../src/stores/store-errors.ts';
import { warehouseOver } from '../../../src/stores/warehouse/postgres/index.ts';
import { killPgliteThread, pgliteThreadExecutor } from '../../../src/stores/warehouse/postgres/pglite-thread.ts';
import { definePostgresWarehouseChecks } from '../../helpers/postgres-warehouse-checks.ts';
import { realtimeEvent } from '../../helpers/realtime-store-suite.ts';
import { defineWarehouseSuite, WAREHOUSE_BASE } from '../../helpers/warehouse-suite.ts';

// Embedded mode runs PGlite in a worker thread: the whole warehouse suite over that executor.
defineWarehouseSuite('pglite warehouse in a worker thread', async (options) => {
  const warehouse = warehouseOver(await pgliteThreadExecutor({}), { schema: 'public', ...options });
  return { warehouse, cleanup: async () => undefined, readErrors: () => warehouse.readErrors() };
});

definePostgresWarehouseChecks('pglite warehouse in a worker thread: tables', async () => {
  const executor = await pgliteThreadExecutor({});
  return { executor, warehouse: warehouseOver(executor, { schema: 'public' }), schema: 'public', cleanup: async () => undefined };
});

describe('the PGlite thread executor', () => {
  test('a transaction commits what its work did, and rolls all of it back when the work throws', async () => {
    const sql = await pgliteThreadExecutor({});
    try {
      await sql.script('CREATE TABLE t (id int PRIMARY KEY, name text)');
      await sql.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES ($1, $2)', [1, 'kept']);
        await tx.copyFrom('t (id, name)', ['2\tcopied\n', '3\tà\\tb\n']);
      });
      const failure = new Error('the work failed');
      await assert.rejects(
        sql.transaction(async (tx) => {
          await tx.query('INSERT INTO t VALUES ($1, $2)', [4, 'gone']);
          throw failure;
        }),
        // As on the in-process executor: the store's error, caused by the work's.
        (error: unknown) => error instanceof Error && error.cause === failure,
      );
      assert.deepEqual(await sql.query('SELECT id, name FROM t ORDER BY id'), [
        { id: 1, name: 'kept' },
        { id: 2, name: 'copied' },
        { id: 3, name: 'à\tb' },
      ]);
      // Rows keep PGlite's types across the thread.
      const [row] = await sql.query<{ at: Date; n: number; big: string; list: number[] }>(
        "SELECT timestamptz '2025-03-01 10:00:00+00' AS at, 2.5::float8 AS n, 9007199254740993::bigint::text AS big, ARRAY[1,2] AS list",
      );
      assert.ok(row?.at instanceof Date);
      assert.equal(row.at.toISOString(), '2025-03-01T10:00:00.000Z');
      assert.deepEqual([row.n, row.big, row.list], [2.5, '9007199254740993', [1, 2]]);
    } finally {
      await sql.close();
    }
  });

  test('failures arrive classified by their SQLSTATE, inside and outside a transaction', async () => {
    const sql = await pgliteThreadExecutor({});
    try {
      await sql.script('CREATE TABLE u (id int PRIMARY KEY)');
      await sql.query('INSERT INTO u VALUES (1)');
      await assert.rejects(
        sql.query('SELECT 1 / 0'),
        (error: unknown) => isPulseError(error, storeCodes.rejected) && /division by zero/.test(error.message),
      );
      await assert.rejects(
        sql.transaction((tx) => tx.query('INSERT INTO u VALUES (1)')),
        (error: unknown) => isPulseError(error, storeCodes.rejected) && /duplicate key/.test(error.message),
      );
      await assert.rejects(sql.query('SELEC 1'), (error: unknown) => isPulseError(error, storeCodes.failed));
      assert.deepEqual(await sql.query('SELECT count(*)::int AS n FROM u'), [{ n: 1 }], 'the thread keeps serving');
    } finally {
      await sql.close();
    }
  });

  test('extensions are loaded by name; an unknown one fails the open with its name', async () => {
    const sql = await pgliteThreadExecutor({ extensions: ['fuzzystrmatch'] });
    try {
      await sql.script('CREATE EXTENSION IF NOT EXISTS fuzzystrmatch');
      assert.deepEqual(await sql.query("SELECT levenshtein('kitten', 'sitting') AS d"), [{ d: 3 }]);
    } finally {
      await sql.close();
    }
    await assert.rejects(pgliteThreadExecutor({ extensions: ['no_such_thing'] }), /no_such_thing/);
  });

  test('the main thread keeps running while a long statement runs in the thread', async () => {
    const sql = await pgliteThreadExecutor({});
    try {
      let ticks = 0;
      let ticking = true;
      const tick = () => {
        ticks += 1;
        if (ticking) setImmediate(tick);
      };
      setImmediate(tick);
      const [row] = await sql.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM generate_series(1, 3000000) AS g, LATERAL (SELECT g * 2) AS x',
      );
      ticking = false;
      assert.equal(row?.n, '3000000');
      assert.ok(ticks >= 10, `the main thread ran ${ticks} turns of its event loop while the statement ran`);
    } finally {
      await sql.close();
    }
  });

  test('a closed executor refuses further calls as unavailable; data on disk is there after reopening', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-pglite-thread-'));
    try {
      const event = realtimeEvent('page_view', { site: 'thread', user: 'u', at: WAREHOUSE_BASE, path: '/', duration: 3 });
      const first = warehouseOver(await pgliteThreadExecutor({ dir }), { schema: 'public' });
      await first.migrate();
      assert.deepEqual(await first.writeEvents([event]), { inserted: 1, duplicates: 0 });
      await first.close();
      await assert.rejects(first.counts(), (error: unknown) => isPulseError(error, storeCodes.unavailable));

      const second = warehouseOver(await pgliteThreadExecutor({ dir }), { schema: 'public' });
      try {
        await second.migrate();
        assert.deepEqual(await second.writeEvents([event]), { inserted: 0, duplicates: 1 });
        assert.equal((await second.counts())['events'], 1);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a thread that ends on its own fails what it was doing as unavailable; the next call runs on a new thread over the same files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-pglite-thread-'));
    const executor = await pgliteThreadExecutor({ dir });
    const warehouse = warehouseOver(executor, { schema: 'public' });
    try {
      const visit = (user: string) => realtimeEvent('page_view', { site: 'thread', user, at: WAREHOUSE_BASE, path: '/', duration: 3 });
      const a = visit('a');
      const b = visit('b');
      await warehouse.migrate();
      assert.deepEqual(await warehouse.writeEvents([a]), { inserted: 1, duplicates: 0 });
      await executor.script('CREATE TABLE crash_probe (n int)');

      // The thread dies inside a transaction: the rest of it fails as unavailable, and what it wrote is not kept.
      await assert.rejects(
        executor.transaction(async (tx) => {
          await tx.query('INSERT INTO crash_probe VALUES (1)');
          await killPgliteThread(executor);
          await tx.query('INSERT INTO crash_probe VALUES (2)');
        }),
        (error: unknown) => isPulseError(error, storeCodes.unavailable),
      );

      const [probe] = await executor.query<{ n: number }>('SELECT count(*)::int AS n FROM crash_probe');
      assert.equal(probe?.n, 0, 'the interrupted transaction left nothing');
      assert.deepEqual(await warehouse.writeEvents([a]), { inserted: 0, duplicates: 1 }, 'the committed event survived');
      assert.deepEqual(await warehouse.writeEvents([b]), { inserted: 1, duplicates: 0 });
      assert.equal((await warehouse.counts())['events'], 2);
    } finally {
      await warehouse.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
