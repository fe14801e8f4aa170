import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import postgres from 'postgres';
import { eventColumnNames, eventColumnTypes, eventRow } from '../../src/stores/warehouse/postgres/event-rows.ts';
import { createPostgresWarehouse, warehouseOver } from '../../src/stores/warehouse/postgres/index.ts';
import { postgresExecutor } from '../../src/stores/warehouse/postgres/sql-executor.ts';
import { checkPostgresBotUpgrade } from '../helpers/bot-upgrade.ts';
import { definePostgresWarehouseChecks } from '../helpers/postgres-warehouse-checks.ts';
import { postgresUrl } from '../helpers/services.ts';
import { defineWarehouseSuite, warehouseStream } from '../helpers/warehouse-suite.ts';

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

defineWarehouseSuite('postgres warehouse', async (options) => {
  const schema = newSchema();
  const warehouse = createPostgresWarehouse({ url: postgresUrl, schema, ...options });
  return { warehouse, cleanup: () => dropSchema(schema), readErrors: () => warehouse.readErrors() };
});

definePostgresWarehouseChecks('postgres warehouse: tables', async () => {
  const schema = newSchema();
  const executor = postgresExecutor({ url: postgresUrl, schema, max: 6 });
  return { executor, warehouse: warehouseOver(executor, { schema }), schema, cleanup: () => dropSchema(schema) };
});

/** One COPY text-format field: backslash escapes, \N for null. */
const copyField = (value: unknown): string =>
  value === null || value === undefined
    ? '\\N'
    : String(value).replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));

describe('postgres warehouse: write throughput beside COPY (reported, not asserted)', () => {
  test('writeEvents with batches of 500 and 5,000 vs a raw COPY of the same rows into a plain table', async (t) => {
    const total = Number(process.env['PULSE_PG_MEASURE_ROWS'] ?? 30_000);
    const events = warehouseStream('measure', { seed: 5, count: total, users: 5_000, spanMs: 20 * 86_400_000 }).unique;
    const rows = events.map(eventRow);
    const admin = postgres(postgresUrl, { max: 1, onnotice: () => undefined });
    const rate = (n: number, started: bigint) => Math.round(n / (Number(process.hrtime.bigint() - started) / 1e9));
    try {
      for (const batch of [500, 5_000]) {
        const schema = newSchema();
        const warehouse = createPostgresWarehouse({ url: postgresUrl, schema });
        try {
          await warehouse.migrate();
          await warehouse.writeEvents(events.filter((_, i) => i % 1000 === 0)); // partitions made, statement prepared
          const rest = events.filter((_, i) => i % 1000 !== 0);
          let started = process.hrtime.bigint();
          let inserted = 0;
          for (let i = 0; i < rest.length; i += batch) inserted += (await warehouse.writeEvents(rest.slice(i, i + batch))).inserted;
          const writes = rate(inserted, started);
          assert.equal(inserted, rest.length);
          started = process.hrtime.bigint();
          for (let i = 0; i < rest.length; i += batch) await warehouse.writeEvents(rest.slice(i, i + batch));
          t.diagnostic(
            `writeEvents, batches of ${batch}: ${writes} rows/s (${inserted} rows); redelivered: ${rate(rest.length, started)} rows/s`,
          );
        } finally {
          await warehouse.close();
          await dropSchema(schema);
        }
      }
      const schema = newSchema();
      try {
        await admin.unsafe(`CREATE SCHEMA "${schema}"`);
        const columns = eventColumnNames.map((name) => `${name} ${eventColumnTypes[name]}`).join(', ');
        await admin.unsafe(`CREATE TABLE "${schema}".plain (${columns})`);
        const started = process.hrtime.bigint();
        const writable = await admin.unsafe(`COPY "${schema}".plain (${eventColumnNames.join(', ')}) FROM STDIN`).writable();
        const done = new Promise<void>((resolve, reject) => {
          writable.once('error', reject);
          writable.once('finish', () => resolve());
        });
        for (let i = 0; i < rows.length; i += 1000) {
          const chunk = rows
            .slice(i, i + 1000)
            .map((row) => `${eventColumnNames.map((name) => copyField(row[name])).join('\t')}\n`)
            .join('');
          if (!writable.write(chunk)) await new Promise((resolve) => writable.once('drain', resolve));
        }
        writable.end();
        await done;
        const copied = rate(rows.length, started);
        const [{ n } = { n: 0 }] = await admin.unsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "${schema}".plain`);
        assert.equal(n, rows.length);
        t.diagnostic(`COPY of the same rows into a plain table (no index, no partition): ${copied} rows/s`);
      } finally {
        await dropSchema(schema);
      }
    } finally {
      await admin.end();
    }
  });
});

test('postgres: the bots migration takes bot views out of the rollups the previous version wrote', async () => {
  const schema = newSchema();
  const executor = postgresExecutor({ url: postgresUrl, schema });
  try {
    await checkPostgresBotUpgrade(executor, schema);
  } finally {
    await executor.close();
    await dropSchema(schema);
  }
});
