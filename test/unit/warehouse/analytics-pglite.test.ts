import { createPgliteWarehouse } from '../../../src/stores/warehouse/postgres/index.ts';
import { defineCustomEventsSuite } from '../../helpers/custom-events-suite.ts';
import { defineRetentionSuite } from '../../helpers/retention-suite.ts';

// Retention and custom events on the embedded store: the PostgreSQL warehouse's SQL on PGlite, in memory.
const pglite = async (options: Parameters<typeof createPgliteWarehouse>[0]) => ({
  warehouse: await createPgliteWarehouse(options),
  cleanup: async () => undefined,
});

defineRetentionSuite('retention on PGlite', pglite);
defineCustomEventsSuite('custom events on PGlite', pglite);
