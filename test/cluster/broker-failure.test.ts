import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { planEvents } from '../../src/generator/plan.ts';
import { createRedisRealtimeStore } from '../../src/stores/realtime/redis/index.ts';
import { createPostgresWarehouse } from '../../src/stores/warehouse/postgres/index.ts';
import { clusterEnv, clusterScript } from '../helpers/cluster.ts';
import { expectedAggregates, expectedTopPages, expectedTotals } from '../helpers/generator-expected.ts';
import { assertPageAggregates, caughtUp, startService, type PulseService } from '../helpers/pipeline.ts';
import { postgresUrl, redisUrl, spawnPulse, waitFor } from '../helpers/services.ts';

const SEED = 303;
const COUNT = 3000;

/** Events ingest has acknowledged so far, from its own /metrics. */
async function acceptedBy(ingest: PulseService): Promise<number> {
  const text = await (await fetch(`${ingest.base}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  return [...text.matchAll(/^pulse_ingest_events_accepted_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

test(
  'a broker of three killed and restarted while the generator drives ingest: every event answered 2xx is counted exactly once',
  { timeout: 600_000 },
  async () => {
    const id = randomUUID().slice(0, 8);
    const site = `bf${id}`;
    const prefix = `bf${id}`;
    const plan = planEvents(SEED, COUNT, { site, idPrefix: prefix });
    const services: PulseService[] = [];
    const store = createRedisRealtimeStore({ url: redisUrl });
    const warehouse = createPostgresWarehouse({ url: postgresUrl });
    let killed = false;
    try {
      const common = { PULSE_SITES: site, PULSE_RATE_LIMIT_PER_MINUTE: '0', PULSE_PRODUCE_TIMEOUT_MS: '15000' };
      const ingest = await startService(['ingest'], { ...clusterEnv('INGEST'), ...common });
      services.push(ingest);
      const realtime = await startService(['worker', 'realtime'], { ...clusterEnv('REALTIME'), ...common, PULSE_REDIS_URL: redisUrl });
      services.push(realtime);
      const history = await startService(['worker', 'warehouse', '--sink', 'postgres'], {
        ...clusterEnv('WAREHOUSE'),
        ...common,
        PULSE_POSTGRES_URL: postgresUrl,
      });
      services.push(history);

      // A steady 150 events/s for about 20 s; the generator retries what ingest refuses (503), with the same ids.
      const generator = spawnPulse(
        [
          'generate',
          ...['--target', ingest.base, '--count', String(COUNT), '--eps', '150', '--seed', String(SEED)],
          ...['--site', site, '--id-prefix', prefix, '--strategy', 'batch', '--batch-size', '25'],
        ],
        { PULSE_LOG_LEVEL: 'warn' },
      );
      const finished = new Promise<number | null>((resolve) => generator.child.once('exit', resolve));

      await waitFor(async () => ((await acceptedBy(ingest)) >= 400 ? true : undefined), 'traffic flowing', 120_000);
      await clusterScript('kill-broker', '2');
      killed = true;
      const atKill = await acceptedBy(ingest);
      await waitFor(
        async () => ((await acceptedBy(ingest)) >= atKill + 600 ? true : undefined),
        'traffic acknowledged by two brokers',
        120_000,
      );
      await clusterScript('start-broker', '2');
      killed = false;

      assert.equal(await finished, 0, generator.output());
      assert.match(generator.output(), new RegExp(`acked ${COUNT} {2}failed 0`));
      for (const [worker, name] of [
        [realtime, 'realtime'],
        [history, 'warehouse'],
      ] as const) {
        await caughtUp(worker, `${name} worker caught up`, 180_000).catch(async (error: unknown) => {
          const status = await worker.status().catch(() => null);
          throw new Error(`${String(error)}\nstatus: ${JSON.stringify(status)}\noutput: ${worker.process.output().slice(-3000)}`);
        });
      }

      const snapshot = await store.snapshot(site, Date.now(), { topN: 50 });
      assert.deepEqual(new Map(snapshot.topPages.map((p) => [p.path, p.views])), expectedTopPages(plan), 'Redis top pages');
      assert.equal(snapshot.activeUsers, expectedTotals(plan).uniqueUsers, 'Redis active users');
      await assertPageAggregates(warehouse, site, expectedAggregates(plan));
    } finally {
      if (killed) await clusterScript('start-broker', '2');
      for (const service of services) await service.process.stop();
      await store.close();
      await warehouse.close();
    }
  },
);

test(
  'with two brokers of three down, ingest answers 503 for an event it cannot get acknowledged by two in-sync replicas',
  { timeout: 600_000 },
  async () => {
    const site = `isr${randomUUID().slice(0, 8)}`;
    const ingest = await startService(['ingest'], { ...clusterEnv('INGEST'), PULSE_SITES: site, PULSE_PRODUCE_TIMEOUT_MS: '5000' });
    const down: string[] = [];
    const post = () =>
      fetch(`${ingest.base}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'page_view',
          site,
          user_id: 'u-1',
          session_id: 's-1',
          url: 'https://shop.example/',
          event_id: `isr-${randomUUID()}`,
        }),
        signal: AbortSignal.timeout(60_000),
      });
    try {
      assert.equal((await post()).status, 202, 'accepted while all three brokers run');
      for (const node of ['2', '3']) {
        await clusterScript('kill-broker', node);
        down.push(node);
      }
      const refused = await post();
      assert.equal(refused.status, 503, await refused.text());
      assert.ok(refused.headers.get('retry-after') !== null);
      while (down.length > 0) await clusterScript('start-broker', down.shift() ?? '');
      await waitFor(async () => ((await post()).status === 202 ? true : undefined), 'accepted again once the brokers are back', 120_000);
    } finally {
      for (const node of down) await clusterScript('start-broker', node);
      await ingest.process.stop();
    }
  },
);
