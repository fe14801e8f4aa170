import assert from 'node:assert/strict';
import type { Bus } from '../../src/bus/bus.ts';
import { followTopicTable } from '../../src/bus/topic-table.ts';
import type { TopicNames } from '../../src/bus/topics.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { bannedFilter } from '../../src/shop/banned-filter.ts';
import { watchBans } from '../../src/shop/ban-watch.ts';
import { loadSampleCatalog } from '../../src/shop/catalog/read-catalog.ts';
import type { Product } from '../../src/shop/product.ts';
import { busShopAdmin } from '../../src/shop/shop-admin.ts';
import { startWorker } from '../../src/workers/worker-runner.ts';
import { waitFor } from './services.ts';

export const quietLogger = createLogger('silent', 'test');

/** A filter instance in this process: its ban watch and its worker. */
export async function startFilterInstance(bus: Bus, topics: TopicNames): Promise<{ stop(): Promise<void> }> {
  const watch = await watchBans({ bus, topics, logger: quietLogger, retryMs: 200 });
  const worker = await startWorker(bannedFilter(bus, watch, topics), { bus, logger: quietLogger, batchSize: 25, pollWaitMs: 50 });
  return {
    async stop() {
      await worker.stop();
      await watch.close();
    },
  };
}

/** The latest value per product on `filtered-products`, and every product id that ever had a non-tombstone record there. */
export async function readFiltered(bus: Bus, topics: TopicNames): Promise<{ view: Map<string, Product>; everPassed: Set<string> }> {
  const everPassed = new Set<string>();
  const table = await followTopicTable<Product>({
    bus,
    topic: topics.filteredProducts,
    groupPrefix: `${topics.prefix}test-read`,
    decode: (record) => JSON.parse(record.value.toString('utf8')) as Product,
    onChange: (key, value) => {
      if (value !== undefined) everPassed.add(key);
    },
    idlePollsUntilReady: 10,
  });
  try {
    await table.ready;
    return { view: new Map(table.entries()), everPassed };
  } finally {
    await table.close();
  }
}

export interface FilterScenario {
  bus: Bus;
  topics: TopicNames;
  /** Starts a second filter instance in the same group; `kill` ends it abruptly (or as abruptly as the bus allows). */
  startSecond(): Promise<{ kill(): Promise<void> }>;
  timeoutMs: number;
}

/**
 * Bans before and during a run, two filter instances with one killed mid-stream: the filtered
 * catalog must end up exactly the catalog minus the banned products, computed here independently.
 */
export async function runFilterScenario(s: FilterScenario): Promise<void> {
  const { bus, topics } = s;
  const admin = busShopAdmin(bus, topics);
  const catalog = await loadSampleCatalog();
  const half = Math.floor(catalog.length / 2);
  const lateBanned = catalog[10] as Product; // published in the first half, banned while the filter runs
  const idBanned = catalog[half + 20] as Product;
  await admin.ban('brand', 'fakebrand', 'counterfeits');
  await admin.ban('pattern', '*replica*');
  await admin.ban('id', idBanned.product_id);

  const first = await startFilterInstance(bus, topics);
  const second = await s.startSecond();
  try {
    const chunks = (products: Product[]) =>
      Array.from({ length: Math.ceil(products.length / 40) }, (_, i) => products.slice(i * 40, i * 40 + 40));
    for (const chunk of chunks(catalog.slice(0, half))) await admin.publishProducts(chunk);
    await waitFor(
      async () => ((await readFiltered(bus, topics)).view.has(lateBanned.product_id) ? true : undefined),
      'the product to pass first',
      s.timeoutMs,
    );
    await admin.ban('id', lateBanned.product_id, 'banned while running');
    await second.kill();
    for (const chunk of chunks(catalog.slice(half))) await admin.publishProducts(chunk);

    const banned = (p: Product): boolean =>
      p.brand.toLowerCase() === 'fakebrand' ||
      p.name.toLowerCase().includes('replica') ||
      p.product_id === idBanned.product_id ||
      p.product_id === lateBanned.product_id;
    const expected = catalog.filter((p) => !banned(p));
    assert.ok(catalog.length - expected.length >= 5, 'the scenario bans several products');
    let last: Map<string, Product> = new Map();
    await waitFor(
      async () => {
        last = (await readFiltered(bus, topics)).view;
        return last.size === expected.length && expected.every((p) => last.has(p.product_id)) ? true : undefined;
      },
      'filtered-products to equal the unbanned catalog',
      s.timeoutMs,
    ).catch((error: unknown) => {
      const extra = [...last.keys()].filter((id) => !expected.some((p) => p.product_id === id));
      throw new Error(`${String(error)}; view ${last.size}, expected ${expected.length}, extra ${extra.join(',')}`);
    });
    const { view, everPassed } = await readFiltered(bus, topics);
    for (const product of expected) assert.deepEqual(view.get(product.product_id), product);
    const bannedBefore = catalog.filter((p) => banned(p) && p.product_id !== lateBanned.product_id);
    for (const product of bannedBefore)
      assert.ok(!everPassed.has(product.product_id), `${product.product_id} (${product.name}) never passed`);

    // Unbanning lets the next version through.
    assert.equal(await admin.unban('id', lateBanned.product_id), true);
    const next = {
      ...lateBanned,
      price: { ...lateBanned.price, amount: lateBanned.price.amount + 1 },
      updated_at: new Date().toISOString(),
    };
    await admin.publishProducts([next]);
    await waitFor(
      async () => ((await readFiltered(bus, topics)).view.get(next.product_id)?.price.amount === next.price.amount ? true : undefined),
      'the unbanned product’s next version',
      s.timeoutMs,
    );
    assert.deepEqual(
      (await admin.bans()).map((b) => `${b.kind}:${b.value}`).sort(),
      ['brand:fakebrand', `id:${idBanned.product_id}`, 'pattern:*replica*'].sort(),
    );
  } finally {
    await first.stop();
    await second.kill();
  }
}
