import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { expectedAggregates, expectedTotals } from '../helpers/generator-expected.ts';
import { planEvents } from '../../src/generator/plan.ts';
import { createClickHouseWarehouse } from '../../src/stores/warehouse/clickhouse/index.ts';
import { createPostgresWarehouse } from '../../src/stores/warehouse/postgres/index.ts';
import type { Warehouse } from '../../src/stores/warehouse/warehouse.ts';
import { assertPageAggregates, caughtUp, generate, startService, testTopics, type PulseService } from '../helpers/pipeline.ts';
import { clickhouseUrl, postgresUrl, waitFor } from '../helpers/services.ts';

const SEED = 5;
const COUNT = 3000;

test(
  'Kafka → PostgreSQL and ClickHouse: 1% duplicates, 5% invalid records and a killed worker give exact rows and aggregates',
  { timeout: 400_000 },
  async () => {
    const id = randomUUID().slice(0, 8);
    const site = `wh${id}`;
    const prefix = `wh${id}`;
    const plan = planEvents(SEED, COUNT, { site, idPrefix: prefix });
    const own = testTopics(prefix);
    const totals = expectedTotals(plan);
    assert.ok(totals.duplicates > 0 && totals.invalid > 0, 'the plan carries duplicates and invalid records');

    const warehouses: Warehouse[] = [createPostgresWarehouse({ url: postgresUrl }), createClickHouseWarehouse({ url: clickhouseUrl })];
    const services: PulseService[] = [];
    try {
      const env = {
        ...own.env,
        PULSE_POSTGRES_URL: postgresUrl,
        PULSE_CLICKHOUSE_URL: clickhouseUrl,
        PULSE_WORKER_BATCH: '100',
        PULSE_WAREHOUSE_BATCH: '100',
      };
      const postgres = await startService(['worker', 'warehouse', '--sink', 'postgres'], env);
      services.push(postgres);
      const clickhouse = await startService(['worker', 'warehouse', '--sink', 'clickhouse'], env);
      services.push(clickhouse);

      // The generator writes straight to Kafka (this test's page-views), as seed 002's producer does.
      const generating = generate(
        ['--count', String(COUNT), '--eps', '1500', '--seed', String(SEED), '--site', site, '--id-prefix', prefix],
        own.env,
      );

      // Kill the PostgreSQL worker mid-stream; a new member of its group takes over.
      const before = (await postgres.status()).records.ok;
      await waitFor(
        async () => ((await postgres.status()).records.ok >= before + 300 ? true : undefined),
        'postgres worker under way',
        60_000,
      );
      postgres.process.child.kill('SIGKILL');
      await new Promise((resolve) => postgres.process.child.once('exit', resolve));
      await generating;
      const restarted = await startService(['worker', 'warehouse', '--sink', 'postgres'], env);
      services.push(restarted);
      await caughtUp(restarted, 'postgres worker caught up');
      await caughtUp(clickhouse, 'clickhouse worker caught up');

      for (const warehouse of warehouses) {
        await assertPageAggregates(warehouse, site, expectedAggregates(plan));
        let stored = 0;
        for await (const page of warehouse.exportEvents({ from: 0, to: Date.now() + 3_600_000, site })) stored += page.length;
        assert.equal(stored, totals.views, `${warehouse.kind}: each valid event stored once`);
        const errors = (await (warehouse as Warehouse & { readErrors(): Promise<{ raw: string; reason: string }[]> }).readErrors()).filter(
          (e) => e.raw.includes(prefix),
        );
        assert.equal(errors.length, totals.invalid, `${warehouse.kind}: every invalid record in processing_errors`);
        assert.ok(errors.every((e) => e.reason.length > 0));
      }
    } finally {
      for (const service of services) await service.process.stop();
      await Promise.allSettled(warehouses.map((w) => w.close()));
      await own.remove();
    }
  },
);
