import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { PulseError, errorCodes } from '../../../src/shared/errors.ts';
import { createSqliteWarehouse } from '../../../src/stores/warehouse/sqlite/index.ts';
import type { WarehouseOptions } from '../../../src/stores/warehouse/warehouse.ts';
import { defineCustomEventsSuite } from '../../helpers/custom-events-suite.ts';
import { defineFunnelSuite } from '../../helpers/funnel-suite.ts';
import { defineRetentionSuite } from '../../helpers/retention-suite.ts';
import { realtimeEvent } from '../../helpers/realtime-store-suite.ts';
import { defineWarehouseSuite, WAREHOUSE_BASE } from '../../helpers/warehouse-suite.ts';

// Embedded mode's warehouse: SQLite on its worker thread, in memory here; every shared suite.
const sqlite = async (options: WarehouseOptions) => {
  const warehouse = await createSqliteWarehouse(options);
  return { warehouse, cleanup: async () => undefined, readErrors: () => warehouse.readErrors() };
};

defineWarehouseSuite('sqlite warehouse (worker thread, in memory)', sqlite);
defineFunnelSuite('funnels on SQLite', sqlite);
defineRetentionSuite('retention on SQLite', sqlite);
defineCustomEventsSuite('custom events on SQLite', sqlite);

describe('sqlite warehouse on disk', () => {
  test('a thread that dies fails its call as unavailable; the next call starts another on the same file, every committed batch kept', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-sqlite-'));
    const file = join(dir, 'warehouse.sqlite');
    const at = WAREHOUSE_BASE;
    const event = (user: string, i: number) => realtimeEvent('page_view', { site: 'disk', user, at: at + i, path: '/', duration: 12 });
    try {
      const warehouse = await createSqliteWarehouse({ file });
      try {
        await warehouse.migrate();
        const before = [event('a', 0), event('b', 1)];
        assert.deepEqual(await warehouse.writeEvents(before), { inserted: 2, duplicates: 0 });
        await warehouse.killThread();
        const first = event('c', 2);
        // The first call after the crash may meet the dead thread (unavailable, retriable) or the new one.
        const retried = await warehouse.writeEvents([first]).catch((error: unknown) => {
          assert.ok(error instanceof PulseError && error.code === errorCodes.STORE_UNAVAILABLE && error.retriable, String(error));
          return warehouse.writeEvents([first]);
        });
        assert.deepEqual(retried, { inserted: 1, duplicates: 0 });
        assert.equal((await warehouse.counts())['events'], 3, 'the batches before the crash are there, once');
        assert.deepEqual(await warehouse.writeEvents(before), { inserted: 0, duplicates: 2 }, 'exactly once across threads');
      } finally {
        await warehouse.close();
      }
      const reopened = await createSqliteWarehouse({ file });
      try {
        await reopened.migrate();
        assert.deepEqual(await reopened.pageAggregates({ from: at, to: at + 10, site: 'disk' }), [
          { page: '/', views: 3, unique_users: 3, sessions: 3, bounces: 3, quick_exits: 0, avg_duration: 12 },
        ]);
      } finally {
        await reopened.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
