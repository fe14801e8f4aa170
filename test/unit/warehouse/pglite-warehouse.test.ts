import { createPgliteWarehouse } from '../../../src/workers/warehouse/postgres/index.ts';
import { defineWarehouseSuite } from '../../helpers/warehouse-suite.ts';

defineWarehouseSuite('pglite warehouse (in memory)', async () => {
  const warehouse = await createPgliteWarehouse();
  return { warehouse, cleanup: async () => undefined, readErrors: () => warehouse.readErrors() };
});
