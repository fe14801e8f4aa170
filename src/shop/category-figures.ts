import type { CategoryFigure } from '../stores/search/search-index.ts';
import type { Product } from './product.ts';

/** Seed 003's per-category figures of a set of products, categories in name order. */
export function categoryFigures(products: Iterable<Product>): CategoryFigure[] {
  const sums = new Map<string, { count: number; price: number; available: number }>();
  for (const product of products) {
    const sum = sums.get(product.category) ?? { count: 0, price: 0, available: 0 };
    sum.count += 1;
    sum.price += product.price.amount;
    sum.available += product.stock.available;
    sums.set(product.category, sum);
  }
  return [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([category, sum]) => ({
      category,
      product_count: sum.count,
      avg_price: Math.round((sum.price / sum.count) * 100) / 100,
      total_available: sum.available,
    }));
}
