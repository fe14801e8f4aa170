import { createPgliteWarehouse } from '../../../src/stores/warehouse/postgres/index.ts';
import { defineFunnelSuite } from '../../helpers/funnel-suite.ts';

// Funnels on the embedded store: the PostgreSQL adapter's one statement on PGlite, in memory.
defineFunnelSuite('funnels on PGlite (in memory)', async (options) => ({
  warehouse: await createPgliteWarehouse(options),
  cleanup: async () => undefined,
}));
