import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { createClickHouseWarehouse } from '../../src/stores/warehouse/clickhouse/index.ts';
import { createPostgresWarehouse } from '../../src/stores/warehouse/postgres/index.ts';
import type { WarehouseOptions } from '../../src/stores/warehouse/warehouse.ts';
import { defineCustomEventsSuite } from '../helpers/custom-events-suite.ts';
import { defineRetentionSuite } from '../helpers/retention-suite.ts';
import { postgresUrl } from '../helpers/services.ts';

/**
 * Retention and custom events on the real servers scripts/stack runs: PostgreSQL, and Debian 12's
 * ClickHouse 18.16 (the same SQL runs on current ClickHouse in test/unit/warehouse/analytics-chdb.test.ts).
 * Each suite gets a schema or database of its own, dropped afterwards.
 */

const clickhouseUrl = process.env['PULSE_CLICKHOUSE_URL'] ?? 'http://127.0.0.1:18123';
const newName = (label: string) => `pulse_test_${label}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

async function dropSchema(schema: string): Promise<void> {
  const sql = postgres(postgresUrl, { max: 1, onnotice: () => undefined });
  try {
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await sql.end();
  }
}

async function dropDatabase(database: string): Promise<void> {
  const dropper = createClickHouseWarehouse({ url: clickhouseUrl, database });
  try {
    await dropper.dropDatabase();
  } finally {
    await dropper.close();
  }
}

const onPostgres = async (options: WarehouseOptions) => {
  const schema = newName('analytics');
  return { warehouse: createPostgresWarehouse({ url: postgresUrl, schema, ...options }), cleanup: () => dropSchema(schema) };
};

const onClickHouse = async (options: WarehouseOptions) => {
  const database = newName('analytics');
  return { warehouse: createClickHouseWarehouse({ url: clickhouseUrl, database, ...options }), cleanup: () => dropDatabase(database) };
};

defineRetentionSuite('retention on PostgreSQL', onPostgres);
defineCustomEventsSuite('custom events on PostgreSQL', onPostgres);
defineRetentionSuite('retention on ClickHouse 18.16', onClickHouse);
defineCustomEventsSuite('custom events on ClickHouse 18.16', onClickHouse);
