import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { followTopicTable } from '../../../src/bus/topic-table.ts';
import { shopTopicSpecs, topicNames } from '../../../src/bus/topics.ts';
import { loadConfig } from '../../../src/config/config.ts';
import { startCategoryPublisher } from '../../../src/shop/category-publisher.ts';
import type { Product } from '../../../src/shop/product.ts';
import { openBus } from '../../helpers/embedded-bus.ts';
import { waitFor } from '../../helpers/services.ts';
import { quietLogger } from '../../helpers/shop-filter-scenario.ts';

const product = (id: string, category: string, amount: number, available: number): Product => ({
  product_id: id,
  name: `Product ${id}`,
  description: '',
  price: { amount, currency: 'RUB' },
  category,
  brand: 'Nova',
  stock: { available, reserved: 0 },
  tags: [],
  updated_at: '2026-01-01T00:00:00.000Z',
});

describe('compacted-topic tables', () => {
  it('are ready once the records present at start are applied, then follow, and apply tombstones', async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([{ name: 'table', partitions: 3, config: { 'cleanup.policy': 'compact' } }]);
    await bus.produce(Array.from({ length: 30 }, (_, i) => ({ topic: 'table', key: `k${i % 10}`, value: String(i) })));
    await bus.produce([{ topic: 'table', key: 'k0', value: null }]);
    const changes: string[] = [];
    const table = await followTopicTable({
      bus,
      topic: 'table',
      groupPrefix: 'test',
      decode: (record) => record.value.toString(),
      onChange: (key, value) => changes.push(`${key}=${value ?? '∅'}`),
    });
    await table.ready;
    assert.equal(table.size, 9);
    assert.equal(table.get('k0'), undefined);
    assert.equal(table.get('k9'), '29');
    await bus.produce([{ topic: 'table', key: 'k1', value: 'new' }]);
    await waitFor(async () => (table.get('k1') === 'new' ? true : undefined), 'the table to follow');
    assert.ok(changes.includes('k0=∅'));
    await Promise.all([table.close(), table.close()]);
  });

  it('of an empty topic are ready at once', async (t) => {
    const bus = await openBus(t);
    await bus.ensureTopics([{ name: 'empty', partitions: 2 }]);
    const table = await followTopicTable({ bus, topic: 'empty', groupPrefix: 'test', decode: () => 1 });
    await table.ready;
    assert.equal(table.size, 0);
    await table.close();
  });
});

describe('category analytics', () => {
  it('publishes figures per category as the filtered catalog changes, and a tombstone for a category left empty', async (t) => {
    const bus = await openBus(t);
    const topics = topicNames('');
    await bus.ensureTopics(shopTopicSpecs(loadConfig({})));
    const put = (p: Product) => ({ topic: topics.filteredProducts, key: p.product_id, value: JSON.stringify(p) });
    await bus.produce([put(product('a', 'Книги', 100, 1)), put(product('b', 'Книги', 300, 2)), put(product('c', 'Обувь', 50, 5))]);
    const publisher = await startCategoryPublisher({
      bus,
      topics,
      logger: quietLogger,
      intervalMs: 20,
      now: () => new Date('2026-03-01T00:00:00Z'),
    });
    t.after(() => publisher.close());
    const figures = await followTopicTable<Record<string, unknown>>({
      bus,
      topic: topics.recommendations,
      groupPrefix: 'test',
      decode: (record) => JSON.parse(record.value.toString()) as Record<string, unknown>,
    });
    t.after(() => figures.close());
    const snapshot = () => Object.fromEntries([...figures.entries()]);
    await waitFor(async () => (figures.size === 2 ? true : undefined), 'two categories');
    assert.deepEqual(snapshot(), {
      Книги: { category: 'Книги', product_count: 2, avg_price: 200, total_available: 3, timestamp: '2026-03-01T00:00:00.000Z' },
      Обувь: { category: 'Обувь', product_count: 1, avg_price: 50, total_available: 5, timestamp: '2026-03-01T00:00:00.000Z' },
    });
    // A product moves category, another is withdrawn: Обувь is left empty.
    await bus.produce([put(product('c', 'Книги', 50, 5)), { topic: topics.filteredProducts, key: 'a', value: null }]);
    await waitFor(async () => (figures.size === 1 && figures.get('Книги')?.['product_count'] === 2 ? true : undefined), 'the new figures');
    assert.deepEqual(snapshot()['Книги'], {
      category: 'Книги',
      product_count: 2,
      avg_price: 175,
      total_available: 7,
      timestamp: '2026-03-01T00:00:00.000Z',
    });
  });
});
