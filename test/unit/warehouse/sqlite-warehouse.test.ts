import { createSqliteWarehouse } from '../../../src/stores/warehouse/sqlite/index.ts';
import type { WarehouseOptions } from '../../../src/stores/warehouse/warehouse.ts';
import { defineCustomEventsSuite } from '../../helpers/custom-events-suite.ts';
import { defineFunnelSuite } from '../../helpers/funnel-suite.ts';
import { defineRetentionSuite } from '../../helpers/retention-suite.ts';
import { defineWarehouseSuite } from '../../helpers/warehouse-suite.ts';

// Embedded mode's warehouse: SQLite on its worker thread, in memory here; every shared suite.
const sqlite = async (options: WarehouseOptions) => {
  const warehouse = await createSqliteWarehouse(options);
  return { warehouse, cleanup: async () => undefined, readErrors: () => warehouse.readErrors() };
};

defineWarehouseSuite('sqlite warehouse (worker thread, in memory)', sqlite);
defineFunnelSuite('funnels on SQLite', sqlite);
defineRetentionSuite('retention on SQLite', sqlite);
defineCustomEventsSuite('custom events on SQLite', sqlite);
