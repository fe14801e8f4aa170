import { random, type Random } from '../generator/prng.ts';
import type { Product } from './product.ts';

/**
 * The shop emulator's `--updates`: an endless stream of price and stock changes to a catalog, as a
 * live shop makes them (a price moves by up to ±10%, stock is sold or restocked). Seeded, so a run
 * can be repeated.
 */
export function* catalogUpdates(catalog: readonly Product[], seed: number, now: () => Date = () => new Date()): Generator<Product> {
  if (catalog.length === 0) return;
  const rand = random(seed);
  const current = new Map(catalog.map((product) => [product.product_id, product]));
  const ids = [...current.keys()];
  for (;;) {
    const id = ids[Math.floor(rand() * ids.length)] as string;
    const product = current.get(id) as Product;
    const next = change(product, rand, now());
    current.set(id, next);
    yield next;
  }
}

function change(product: Product, rand: Random, at: Date): Product {
  const updated_at = at.toISOString();
  if (rand() < 0.5) {
    const factor = 1 + (rand() * 0.2 - 0.1);
    const amount = Math.max(1, Math.round(product.price.amount * factor * 100) / 100);
    return { ...product, price: { ...product.price, amount }, updated_at };
  }
  const sold = rand() < 0.7;
  const delta = 1 + Math.floor(rand() * (sold ? 5 : 50));
  const available = sold ? Math.max(0, product.stock.available - delta) : product.stock.available + delta;
  const reserved = Math.min(product.stock.reserved, available);
  return { ...product, stock: { available, reserved }, updated_at };
}
