import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { createPostgresWarehouse } from '../../src/workers/warehouse/postgres/index.ts';
import { postgresUrl } from '../helpers/services.ts';
import { defineWarehouseSuite } from '../helpers/warehouse-suite.ts';

/** A schema of its own per run, dropped afterwards. */
const newSchema = () => `pulse_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

async function dropSchema(schema: string): Promise<void> {
  const sql = postgres(postgresUrl, { max: 1, onnotice: () => undefined });
  try {
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await sql.end();
  }
}

defineWarehouseSuite('postgres warehouse', async () => {
  const schema = newSchema();
  const warehouse = createPostgresWarehouse({ url: postgresUrl, schema });
  return { warehouse, cleanup: () => dropSchema(schema), readErrors: () => warehouse.readErrors() };
});
