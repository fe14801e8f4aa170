import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BusRecord } from '../../../src/bus/bus.ts';
import { categoryFigures } from '../../../src/shop/category-figures.ts';
import { catalogUpdates } from '../../../src/shop/catalog-updates.ts';
import { validateClientQuery } from '../../../src/shop/client-query.ts';
import { decodeProductChange, latestPerProduct } from '../../../src/shop/product-change.ts';
import type { Product } from '../../../src/shop/product.ts';

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
const record = (key: string | null, value: unknown, tombstone = false): BusRecord => ({
  topic: 'products',
  partition: 0,
  offset: 0,
  key,
  value: tombstone ? Buffer.alloc(0) : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  headers: {},
  timestamp: 0,
  ...(tombstone ? { tombstone } : {}),
});

describe('marketplace steps', () => {
  it('decodes a product, a tombstone, and dead-letters what cannot be a product', () => {
    const p = product('p-1', 'A', 10, 1);
    assert.deepEqual(decodeProductChange(record('p-1', p)), { kind: 'ok', value: { kind: 'upsert', product: p } });
    assert.deepEqual(decodeProductChange(record('p-1', null, true)), { kind: 'ok', value: { kind: 'delete', productId: 'p-1' } });
    assert.match((decodeProductChange(record('p-1', '{oops')) as { reason: string }).reason, /not JSON/);
    assert.match((decodeProductChange(record('p-2', p)) as { reason: string }).reason, /key "p-2" is not the product_id/);
    assert.match(
      (decodeProductChange(record('p-1', { ...p, price: { amount: -1, currency: 'RUB' } })) as { reason: string }).reason,
      /price\.amount/,
    );
    assert.equal(decodeProductChange(record(null, null, true)).kind, 'dlq');
    assert.deepEqual(decodeProductChange.steps, ['parseRecord', 'checkProduct']);
  });

  it('keeps the last change per product of a batch', () => {
    const a1 = product('a', 'A', 1, 1);
    const a2 = product('a', 'A', 2, 1);
    const b = product('b', 'A', 3, 1);
    const changes = latestPerProduct([
      { kind: 'upsert', product: a1 },
      { kind: 'upsert', product: b },
      { kind: 'delete', productId: 'b' },
      { kind: 'upsert', product: a2 },
    ]);
    assert.deepEqual(changes, [
      { kind: 'delete', productId: 'b' },
      { kind: 'upsert', product: a2 },
    ]);
  });

  it("computes seed 003's category figures", () => {
    const figures = categoryFigures([product('1', 'Книги', 100, 5), product('2', 'Книги', 200.01, 7), product('3', 'Обувь', 3000, 0)]);
    assert.deepEqual(figures, [
      { category: 'Книги', product_count: 2, avg_price: 150.01, total_available: 12 },
      { category: 'Обувь', product_count: 1, avg_price: 3000, total_available: 0 },
    ]);
  });

  it('emits seeded price and stock changes that stay valid products', () => {
    const catalog = [product('1', 'A', 100, 5), product('2', 'B', 50, 0)];
    const take = (seed: number) => {
      const changes = catalogUpdates(catalog, seed, () => new Date('2026-02-01T00:00:00Z'));
      return Array.from({ length: 200 }, () => changes.next().value as Product);
    };
    const run = take(7);
    assert.deepEqual(run, take(7), 'same seed, same changes');
    for (const change of run) {
      assert.ok(change.price.amount >= 1 && change.stock.available >= 0 && change.stock.reserved <= change.stock.available);
      assert.equal(change.updated_at, '2026-02-01T00:00:00.000Z');
    }
    assert.ok(run.some((c) => c.price.amount !== 100 && c.product_id === '1'));
  });

  it("checks client queries against seed 003's shape", () => {
    const query = { type: 'search', data: { action: 'search', query: 'часы', user_id: 'user123' }, timestamp: '2023-11-15T12:05:22Z' };
    assert.equal(validateClientQuery(query).kind, 'ok');
    assert.equal(validateClientQuery({ ...query, extra: 1 }).kind, 'dlq');
    assert.equal(validateClientQuery({ ...query, data: { ...query.data, user_id: '' } }).kind, 'dlq');
  });
});
