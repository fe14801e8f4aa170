import { test } from 'node:test';
import { clickHouseWarehouseOver } from '../../../src/stores/warehouse/clickhouse/index.ts';
import type { WarehouseOptions } from '../../../src/stores/warehouse/warehouse.ts';
import { chdbExecutor, chdbMissing, currentEngine } from '../../helpers/chdb.ts';
import { defineCustomEventsSuite } from '../../helpers/custom-events-suite.ts';
import { defineRetentionSuite } from '../../helpers/retention-suite.ts';

/**
 * Retention and custom events on a current ClickHouse engine (chdb, in process): the same SQL the
 * integration test runs on Debian 12's ClickHouse 18.16 (test/integration/analytics-stores.test.ts).
 */
if (chdbMissing === undefined) {
  let counter = 0;
  const chdb = async (options: WarehouseOptions) => {
    const database = `pulse_chdb_analytics_${process.pid}_${(counter += 1)}`;
    const warehouse = clickHouseWarehouseOver(chdbExecutor(currentEngine()), { database, ...options });
    return { warehouse, cleanup: () => warehouse.dropDatabase() };
  };
  defineRetentionSuite('retention on current ClickHouse (chdb)', chdb);
  defineCustomEventsSuite('custom events on current ClickHouse (chdb)', chdb);
} else test('retention and custom events on current ClickHouse (chdb)', { skip: chdbMissing }, () => undefined);
