import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { shopTopicSpecs, topicNames } from '../../../src/bus/topics.ts';
import { loadConfig } from '../../../src/config/config.ts';
import { watchBans } from '../../../src/shop/ban-watch.ts';
import { bannedFilter } from '../../../src/shop/banned-filter.ts';
import { startCategoryPublisher } from '../../../src/shop/category-publisher.ts';
import type { Product } from '../../../src/shop/product.ts';
import { busShopAdmin } from '../../../src/shop/shop-admin.ts';
import { createShopMetrics } from '../../../src/shop/shop-metrics.ts';
import { startWorker } from '../../../src/workers/worker-runner.ts';
import { openBus } from '../../helpers/embedded-bus.ts';
import { waitFor } from '../../helpers/services.ts';
import { quietLogger } from '../../helpers/shop-filter-scenario.ts';

const product = (id: string, brand: string, category = 'watches'): Product => ({
  product_id: id,
  name: `Product ${id}`,
  description: '',
  price: { amount: 100, currency: 'RUB' },
  category,
  brand,
  stock: { available: 1, reserved: 0 },
  tags: [],
  updated_at: new Date().toISOString(),
});

async function figures(registry: Registry): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const metric of await registry.getMetricsAsJSON()) {
    if (!metric.name.startsWith('pulse_shop_')) continue;
    for (const v of metric.values) {
      out[v.labels['outcome'] === undefined ? metric.name : `${metric.name}{${String(v.labels['outcome'])}}`] = v.value;
    }
  }
  return out;
}

test('the filter counts passed, banned and deleted products; withdrawals, the ban list size and published figures are counted', async (t) => {
  const bus = await openBus(t);
  const topics = topicNames('');
  await bus.ensureTopics(shopTopicSpecs(loadConfig({ PULSE_PARTITIONS: '2' })));
  const admin = busShopAdmin(bus, topics);
  const registry = new Registry();
  const metrics = createShopMetrics(registry);
  await admin.ban('brand', 'Banned', 'test');

  const watch = await watchBans({ bus, topics, logger: quietLogger, retryMs: 50, metrics });
  t.after(() => watch.close());
  const filter = await startWorker(bannedFilter(bus, watch, topics, metrics), { bus, logger: quietLogger, pollWaitMs: 50 });
  t.after(() => filter.stop());
  const publisher = await startCategoryPublisher({ bus, topics, logger: quietLogger, intervalMs: 50, metrics });
  t.after(() => publisher.close());
  await watch.ready;
  assert.deepEqual(await figures(registry), {
    'pulse_shop_filter_products_total{passed}': 0,
    'pulse_shop_filter_products_total{banned}': 0,
    'pulse_shop_filter_products_total{deleted}': 0,
    pulse_shop_ban_rules: 1, // the ban published before the watch started
    pulse_shop_withdrawals_total: 0,
    pulse_shop_category_figures_published_total: 0,
  });

  await admin.publishProducts([product('p1', 'Nova'), product('p2', 'Nova'), product('p3', 'Banned')]);
  await bus.produce([{ topic: topics.products, key: 'p0', value: null }]);
  await waitFor(async () => ((await figures(registry))['pulse_shop_filter_products_total{passed}'] === 2 ? true : undefined), 'filtered');
  await waitFor(async () => ((await figures(registry))['pulse_shop_category_figures_published_total'] ?? 0) >= 1 || undefined, 'figures');
  // A ban after p2 passed withdraws it.
  await admin.ban('id', 'p2', 'late');
  await waitFor(async () => ((await figures(registry))['pulse_shop_withdrawals_total'] === 1 ? true : undefined), 'withdrawn');
  const seen = await figures(registry);
  assert.equal(seen['pulse_shop_filter_products_total{banned}'], 1);
  assert.equal(seen['pulse_shop_filter_products_total{deleted}'], 1);
  assert.equal(seen['pulse_shop_ban_rules'], 2);
});

test('a process registers only the shop figures of the parts it runs', async () => {
  const registry = new Registry();
  const metrics = createShopMetrics(registry);
  metrics.categoryFiguresPublished.inc(0);
  assert.deepEqual(
    registry.getMetricsAsArray().map((m) => m.name),
    ['pulse_shop_category_figures_published_total'],
  );
  assert.equal(createShopMetrics(registry).categoryFiguresPublished, metrics.categoryFiguresPublished, 'shared on one registry');
});
