import type { SearchIndex } from '../stores/search/search-index.ts';
import type { Product } from './product.ts';

export interface Recommendation {
  user_id: string;
  /** `searches`: ranked from the user's own queries; `top_categories`: the user has none yet. */
  basis: 'searches' | 'top_categories';
  /** The categories the products come from, most relevant first. */
  categories: string[];
  products: Product[];
}

const HISTORY = 20;
const CATEGORIES = 3;

/**
 * Recommendations for a user from what they searched (seed 003: "recommendations use their query
 * history"): each recent search is run again, its top hits vote for their categories (newer
 * searches weigh more), and the result lists the hits themselves first, then the best-stocked
 * products of the winning categories. Without a search history the catalog's largest categories
 * stand in. Only the index is read, and it holds filtered products only: a banned product is
 * never recommended.
 */
export async function recommend(index: SearchIndex, userId: string, limit = 10): Promise<Recommendation> {
  const history = (await index.recentQueries(userId, HISTORY)).filter((q) => q.type === 'search');
  const categoryWeight = new Map<string, number>();
  const hitScore = new Map<string, { product: Product; score: number }>();
  for (const [age, query] of history.entries()) {
    const weight = 1 / (1 + age);
    const result = await index.search({ q: query.data.query, category: query.data.category, brand: query.data.brand, limit: 5 });
    for (const [rank, hit] of result.hits.entries()) {
      const vote = weight / (1 + rank);
      categoryWeight.set(hit.product.category, (categoryWeight.get(hit.product.category) ?? 0) + vote);
      const seen = hitScore.get(hit.product.product_id);
      hitScore.set(hit.product.product_id, { product: hit.product, score: (seen?.score ?? 0) + vote });
    }
  }

  let basis: Recommendation['basis'] = 'searches';
  let categories = rank(categoryWeight).slice(0, CATEGORIES);
  if (categories.length === 0) {
    basis = 'top_categories';
    const figures = await index.categoryFigures();
    categories = figures
      .sort((a, b) => b.product_count - a.product_count || (a.category < b.category ? -1 : 1))
      .slice(0, CATEGORIES)
      .map((f) => f.category);
  }

  const chosen = new Map<string, Product>();
  const direct = [...hitScore.values()].sort((a, b) => b.score - a.score || byId(a.product, b.product));
  for (const { product } of direct) if (chosen.size < Math.ceil(limit / 2)) chosen.set(product.product_id, product);
  const perCategory = await Promise.all(categories.map((category) => index.search({ category, limit: 50 })));
  const pools = perCategory.map((result) =>
    result.hits.map((hit) => hit.product).sort((a, b) => b.stock.available - a.stock.available || byId(a, b)),
  );
  // Round-robin over the categories, so the first one does not crowd out the others.
  for (let i = 0; chosen.size < limit && pools.some((pool) => i < pool.length); i += 1) {
    for (const pool of pools) {
      const product = pool[i];
      if (product !== undefined && chosen.size < limit && product.stock.available > 0) chosen.set(product.product_id, product);
    }
  }
  return { user_id: userId, basis, categories, products: [...chosen.values()] };
}

function rank(weights: Map<string, number>): string[] {
  return [...weights.entries()].sort(([a, wa], [b, wb]) => wb - wa || (a < b ? -1 : 1)).map(([name]) => name);
}

const byId = (a: Product, b: Product): number => (a.product_id < b.product_id ? -1 : a.product_id > b.product_id ? 1 : 0);
