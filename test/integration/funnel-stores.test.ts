import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { createClickHouseWarehouse } from '../../src/stores/warehouse/clickhouse/index.ts';
import { createPostgresWarehouse } from '../../src/stores/warehouse/postgres/index.ts';
import { defineFunnelSuite } from '../helpers/funnel-suite.ts';
import { clickhouseUrl, postgresUrl } from '../helpers/services.ts';

/**
 * Funnels on the real servers scripts/stack runs: PostgreSQL 15 and Debian 12's ClickHouse 18.16.
 * The same suite runs on PGlite and on current ClickHouse (chdb) in test/unit/warehouse/; the
 * dataset test prints a digest of every result, the same on all four.
 */

const suffix = () => randomUUID().replaceAll('-', '').slice(0, 12);

defineFunnelSuite('funnels on PostgreSQL', async (options) => {
  const schema = `pulse_test_funnel_${suffix()}`;
  return {
    warehouse: createPostgresWarehouse({ url: postgresUrl, schema, ...options }),
    cleanup: async () => {
      const sql = postgres(postgresUrl, { max: 1, onnotice: () => undefined });
      try {
        await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await sql.end();
      }
    },
  };
});

defineFunnelSuite('funnels on ClickHouse 18.16 (the scripts/stack server)', async (options) => {
  const database = `pulse_test_funnel_${suffix()}`;
  const warehouse = createClickHouseWarehouse({ url: clickhouseUrl, database, ...options });
  return {
    warehouse,
    cleanup: async () => {
      // close() has run: a second client drops the database.
      const dropper = createClickHouseWarehouse({ url: clickhouseUrl, database });
      try {
        await dropper.dropDatabase();
      } finally {
        await dropper.close();
      }
    },
  };
});
