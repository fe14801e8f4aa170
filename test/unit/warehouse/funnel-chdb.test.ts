import { test } from 'node:test';
import { clickHouseWarehouseOver } from '../../../src/stores/warehouse/clickhouse/index.ts';
import { chdbExecutor, chdbMissing, currentEngine } from '../../helpers/chdb.ts';
import { defineFunnelSuite } from '../../helpers/funnel-suite.ts';

// Funnels on current ClickHouse (chdb, in process): the same query the integration test runs on 18.16.
if (chdbMissing === undefined) {
  defineFunnelSuite('funnels on current ClickHouse (chdb)', async (options) => {
    const warehouse = clickHouseWarehouseOver(chdbExecutor(currentEngine()), { database: `pulse_funnel_chdb_${process.pid}`, ...options });
    return { warehouse, cleanup: () => warehouse.dropDatabase() };
  });
} else {
  test('funnels on current ClickHouse (chdb)', { skip: chdbMissing }, () => undefined);
}
