import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createPgliteWarehouse, warehouseOver } from '../../../src/stores/warehouse/postgres/index.ts';
import { pgliteExecutor } from '../../../src/stores/warehouse/postgres/sql-executor.ts';
import { checkPostgresBotUpgrade } from '../../helpers/bot-upgrade.ts';
import { definePostgresWarehouseChecks } from '../../helpers/postgres-warehouse-checks.ts';
import { realtimeEvent } from '../../helpers/realtime-store-suite.ts';
import { defineWarehouseSuite, WAREHOUSE_BASE } from '../../helpers/warehouse-suite.ts';

// Embedded mode: the PostgreSQL warehouse's own SQL and migrations on PGlite, in memory here.
defineWarehouseSuite('pglite warehouse (in memory)', async (options) => {
  const warehouse = await createPgliteWarehouse(options);
  return { warehouse, cleanup: async () => undefined, readErrors: () => warehouse.readErrors() };
});

definePostgresWarehouseChecks('pglite warehouse: tables', async () => {
  const executor = await pgliteExecutor({});
  return { executor, warehouse: warehouseOver(executor, { schema: 'public' }), schema: 'public', cleanup: async () => undefined };
});

describe('pglite warehouse on disk', () => {
  test('keeps its data across a restart; migrations are not applied again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-pglite-'));
    try {
      const event = realtimeEvent('page_view', { site: 'disk', user: 'u', at: WAREHOUSE_BASE, path: '/', duration: 12 });
      const first = await createPgliteWarehouse({ dir: join(dir, 'pglite') });
      await first.migrate();
      assert.deepEqual(await first.writeEvents([event]), { inserted: 1, duplicates: 0 });
      await first.close();

      const second = await createPgliteWarehouse({ dir: join(dir, 'pglite') });
      try {
        await second.migrate();
        assert.deepEqual(await second.writeEvents([event]), { inserted: 0, duplicates: 1 });
        assert.equal((await second.counts())['events'], 1);
        assert.deepEqual(await second.pageAggregates({ from: WAREHOUSE_BASE, to: WAREHOUSE_BASE + 1, site: 'disk' }), [
          { page: '/', views: 1, unique_users: 1, sessions: 1, bounces: 1, quick_exits: 0, avg_duration: 12 },
        ]);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

test('pglite: the bots migration takes bot views out of the rollups the previous version wrote', async () => {
  const executor = await pgliteExecutor({});
  try {
    await checkPostgresBotUpgrade(executor, 'public');
  } finally {
    await executor.close();
  }
});
