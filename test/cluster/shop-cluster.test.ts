import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { Bus } from '../../src/bus/bus.ts';
import { followTopicTable } from '../../src/bus/topic-table.ts';
import { shopTopicSpecs, topics, topicSpecsOf } from '../../src/bus/topics.ts';
import { loadConfig } from '../../src/config/config.ts';
import { kafkaBusFrom } from '../../src/runtime/adapters.ts';
import { errorCodes, isPulseError } from '../../src/shared/errors.ts';
import { loadSampleCatalog } from '../../src/shop/catalog/read-catalog.ts';
import type { Product } from '../../src/shop/product.ts';
import { busShopAdmin } from '../../src/shop/shop-admin.ts';
import { busAs, clusterEnv, withBus, type Principal } from '../helpers/cluster.ts';
import { freePort, spawnPulse, waitFor, type PulseProcess } from '../helpers/services.ts';

/**
 * The marketplace on the secured cluster (scripts/cluster): `pulse-shop` runs the banned-products
 * filter, `pulse-search` and `pulse-dashboard` get only their share of the shop topics. The topics
 * are the cluster's own (ACLs name them literally), shared by every run: each run uses product ids
 * and ban rules of its own, and removes them at the end.
 */

const unauthorized =
  (reason: RegExp = /(TOPIC|GROUP)_AUTHORIZATION_FAILED/) =>
  (error: unknown): boolean =>
    isPulseError(error, errorCodes.BUS_UNAUTHORIZED) && reason.test(error.message);

/**
 * Subscribes and polls for a few seconds: a refused read fails in either (a refused fetch only
 * surfaces once the member has its partitions, a poll or two after joining).
 */
async function read(bus: Bus, group: string, topic: string, forMs = 8000): Promise<void> {
  const subscription = await bus.subscribe({ group, topics: [topic], from: 'latest' });
  try {
    for (const until = Date.now() + forMs; Date.now() < until;) await subscription.poll(10, 1000);
  } finally {
    await subscription.close();
  }
}

async function startFilter(): Promise<PulseProcess> {
  const port = await freePort();
  const filter = spawnPulse(['shop', 'filter'], { ...clusterEnv('SHOP'), PULSE_PORT: String(port), PULSE_LOG_LEVEL: 'warn' });
  const exited = () => filter.child.exitCode !== null || filter.child.signalCode !== null;
  // ready: the ban list and filtered-products read up to where they were when it started
  const state = await waitFor(
    async () =>
      exited() ? 'exited' : (await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(5000) })).ok ? 'ready' : undefined,
    'pulse shop filter ready',
    90_000,
  ).catch(async (error: unknown) => {
    await filter.stop();
    throw new Error(`${String(error)}\n${filter.output()}`);
  });
  if (state === 'exited') throw new Error(`pulse shop filter exited during start-up\n${filter.output()}`);
  return filter;
}

test(
  'as pulse-shop, `pulse shop filter` passes the unbanned products to filtered-products and withholds the banned one',
  { timeout: 240_000 },
  async () => {
    const run = randomUUID().slice(0, 8);
    const now = new Date().toISOString();
    const products: Product[] = (await loadSampleCatalog())
      .slice(0, 4)
      .map((product, i) => ({ ...product, product_id: `cluster-${run}-${i}`, updated_at: now }));
    const [banned, ...allowed] = products as [Product, ...Product[]];
    const ids = new Set(products.map((p) => p.product_id));

    await withBus(busAs('SHOP'), async (bus) => {
      const admin = busShopAdmin(bus, topics);
      // What reaches filtered-products for this run's products: the latest value, and whether the banned one ever passed.
      const seen = new Map<string, Product | undefined>();
      let bannedPassed = false;
      const table = await followTopicTable<Product>({
        bus,
        topic: topics.filteredProducts,
        groupPrefix: 'pulse-shop-test-read',
        decode: (record) => JSON.parse(record.value.toString('utf8')) as Product,
        onChange: (key, value) => {
          if (!ids.has(key)) return;
          seen.set(key, value);
          if (key === banned.product_id && value !== undefined) bannedPassed = true;
        },
        idlePollsUntilReady: 8,
      });
      let filter: PulseProcess | undefined;
      try {
        await admin.ban('id', banned.product_id, 'shop-cluster test');
        filter = await startFilter();
        assert.equal(await admin.publishProducts(products), products.length);

        // Every product decided: the allowed ones as published, the banned one as a tombstone.
        await waitFor(
          async () => (seen.size === products.length ? true : undefined),
          `filtered-products to carry the ${products.length} products of this run`,
          90_000,
        ).catch((error: unknown) => {
          throw new Error(`${String(error)}; seen ${[...seen.keys()].join(',')}\n${filter?.output() ?? ''}`);
        });
        for (const product of allowed) assert.deepEqual(seen.get(product.product_id), product, `${product.product_id} passed`);
        assert.equal(seen.get(banned.product_id), undefined, 'the banned product is withheld');
        assert.equal(bannedPassed, false, 'the banned product never passed');
        assert.equal(table.get(banned.product_id), undefined);

        // The ban list reads back (banned-products through a private pulse-shop-bans-* group).
        const bans = await admin.bans();
        assert.ok(
          bans.some((b) => b.kind === 'id' && b.value === banned.product_id),
          'the ban is on the list',
        );
        assert.doesNotMatch(filter.output(), /AUTHORIZATION_FAILED/);
      } finally {
        await filter?.stop();
        await table.close();
        // This run's records leave the shared compacted topics (tombstones), as far as the ACLs let it
        // (a failure here must not hide the test's own).
        const tombstones = (topic: string) => products.map((p) => ({ topic, key: p.product_id, value: null }));
        await Promise.allSettled([
          admin.unban('id', banned.product_id),
          bus.produce([...tombstones(topics.products), ...tombstones(topics.filteredProducts)]),
        ]);
      }
    });
  },
);

test('the shop principals are refused what their ACLs do not grant', { timeout: 120_000 }, async () => {
  const run = randomUUID();
  const product = { topic: topics.products, key: `denied-${run}`, value: '{}' };
  await withBus(busAs('SEARCH'), async (bus) => {
    await assert.rejects(bus.produce([product]), unauthorized(/TOPIC_AUTHORIZATION_FAILED/), 'the search sink may not write products');
    await assert.rejects(
      bus.produce([{ ...product, topic: topics.filteredProducts }]),
      unauthorized(/TOPIC_AUTHORIZATION_FAILED/),
      'the search sink reads filtered-products, it may not write it',
    );
    await assert.rejects(
      read(bus, 'pulse-shop-filter', topics.products),
      unauthorized(),
      'the search sink may not join the filter group nor read products',
    );
    await assert.rejects(bus.deleteGroup(`pulse-search-${run}`), unauthorized(/GROUP_AUTHORIZATION_FAILED/), 'nor delete its groups');
    // what it may: read filtered-products in a pulse-search-* group
    await read(bus, `pulse-search-test-${run}`, topics.filteredProducts);
  });
  await withBus(busAs('SHOP'), async (bus) => {
    await assert.rejects(read(bus, `pulse-shop-test-${run}`, topics.clientQueries), unauthorized(), 'the shop may not read client-queries');
    await assert.rejects(
      bus.produce([{ topic: topics.clientQueries, key: run, value: '{}' }]),
      unauthorized(/TOPIC_AUTHORIZATION_FAILED/),
      'nor write client-queries',
    );
    await assert.rejects(
      bus.produce([{ topic: topics.userActivity, key: run, value: '{}' }]),
      unauthorized(/TOPIC_AUTHORIZATION_FAILED/),
      'nor write the event topics',
    );
    await assert.rejects(
      read(bus, `pulse-search-test-${run}`, topics.filteredProducts),
      unauthorized(/GROUP_AUTHORIZATION_FAILED/),
      'nor join the search sink’s groups',
    );
    // its private groups it may delete (a group that does not exist is no error)
    await bus.deleteGroup(`pulse-shop-bans-${run}`);
  });
  await withBus(busAs('DASHBOARD'), async (bus) => {
    assert.ok(Array.isArray(await busShopAdmin(bus, topics).bans()), 'the dashboard reads the ban list');
    await bus.deleteGroup(`pulse-shop-bans-${run}`);
    await assert.rejects(bus.deleteGroup('pulse-shop-filter'), unauthorized(/GROUP_AUTHORIZATION_FAILED/), 'only its own private groups');
    await assert.rejects(
      bus.produce([{ ...product, topic: topics.filteredProducts }]),
      unauthorized(/TOPIC_AUTHORIZATION_FAILED/),
      'the dashboard may not write filtered-products',
    );
    await assert.rejects(
      read(bus, `pulse-shop-bans-${run}`, topics.products),
      unauthorized(/TOPIC_AUTHORIZATION_FAILED/),
      'nor read products',
    );
  });
});

test('each shop process’s start-up passes as its principal, and the dashboard manages bans', { timeout: 120_000 }, async () => {
  // Every process checks its topics exist before it starts (and would try to create the missing
  // ones, which no service principal may): each must see all of them.
  const starts: [Principal, string[]][] = [
    ['SHOP', [topics.products, topics.bannedProducts, topics.filteredProducts]], // pulse shop filter
    ['SHOP', [topics.filteredProducts, topics.recommendations]], // pulse shop analytics
    ['SEARCH', [topics.filteredProducts, topics.clientQueries]], // pulse worker search
  ];
  for (const [principal, names] of starts) {
    const config = loadConfig(clusterEnv(principal));
    await withBus(kafkaBusFrom(config), (bus) => bus.ensureTopics(topicSpecsOf(config, names)));
  }
  const dashboard = loadConfig(clusterEnv('DASHBOARD'));
  await withBus(kafkaBusFrom(dashboard), async (bus) => {
    await bus.ensureTopics(shopTopicSpecs(dashboard)); // pulse dashboard with PULSE_OPENSEARCH_URL
    const admin = busShopAdmin(bus, topics);
    const id = `cluster-dashboard-${randomUUID().slice(0, 8)}`;
    await admin.ban('id', id, 'shop-cluster test');
    try {
      assert.ok((await admin.bans()).some((b) => b.value === id));
    } finally {
      assert.equal(await admin.unban('id', id), true);
    }
  });
});
