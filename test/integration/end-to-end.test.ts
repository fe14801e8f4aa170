import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { expectedAggregates, expectedTopPages, expectedTotals } from '../helpers/generator-expected.ts';
import { planEvents } from '../../src/generator/plan.ts';
import { createRedisRealtimeStore } from '../../src/stores/realtime/redis/index.ts';
import { createPostgresWarehouse } from '../../src/stores/warehouse/postgres/index.ts';
import { assertPageAggregates, caughtUp, generate, startService, testTopics, type PulseService } from '../helpers/pipeline.ts';
import { postgresUrl, redisUrl } from '../helpers/services.ts';

const SEED = 42;
const COUNT = 2000;

test(
  'generator → ingest → Kafka → realtime and warehouse workers: the aggregates are what the seed predicts',
  { timeout: 300_000 },
  async () => {
    const id = randomUUID().slice(0, 8);
    const site = `e2e${id}`;
    const prefix = `e2e${id}`;
    const own = testTopics(prefix);
    const plan = planEvents(SEED, COUNT, { site, idPrefix: prefix });
    const services: PulseService[] = [];
    const store = createRedisRealtimeStore({ url: redisUrl });
    const warehouse = createPostgresWarehouse({ url: postgresUrl });
    try {
      const env = {
        ...own.env,
        PULSE_REDIS_URL: redisUrl,
        PULSE_POSTGRES_URL: postgresUrl,
        PULSE_SITES: site,
        PULSE_RATE_LIMIT_PER_MINUTE: '0',
      };
      const ingest = await startService(['ingest'], env);
      services.push(ingest);
      const realtime = await startService(['worker', 'realtime'], env);
      services.push(realtime);
      const history = await startService(['worker', 'warehouse', '--sink', 'postgres'], env);
      services.push(history);

      const output = await generate(
        [
          '--target',
          ingest.base,
          '--count',
          String(COUNT),
          '--eps',
          '1000',
          '--seed',
          String(SEED),
          '--site',
          site,
          '--id-prefix',
          prefix,
          '--strategy',
          'batch',
          '--batch-size',
          '100',
        ],
        own.env,
      );
      assert.match(output, new RegExp(`acked ${COUNT} {2}failed 0`));
      await caughtUp(realtime, 'realtime worker caught up');
      await caughtUp(history, 'warehouse worker caught up');

      // Invalid records were refused by ingest (DLQ); repeats were absorbed by event_id.
      const snapshot = await store.snapshot(site, Date.now(), { topN: 50 });
      assert.deepEqual(new Map(snapshot.topPages.map((p) => [p.path, p.views])), expectedTopPages(plan), 'Redis top pages');
      assert.equal(snapshot.activeUsers, expectedTotals(plan).uniqueUsers, 'Redis active users');
      await assertPageAggregates(warehouse, site, expectedAggregates(plan));
    } finally {
      for (const service of services) await service.process.stop();
      await store.close();
      await warehouse.close();
      await own.remove();
    }
  },
);
