/**
 * The dashboard's copy of the shop API's shapes (src/shop/shop-routes.ts,
 * src/shop/shop-stream.ts, src/stores/search/search-index.ts): the browser
 * build cannot import server modules. test/unit/dashboard/shop-wire-types.test.ts
 * fails to compile when the server's shapes drift from these.
 */

/** Per-category figures of the filtered catalog. */
export interface ShopCategory {
  category: string;
  product_count: number;
  /** Mean price, rounded to 2 decimals. */
  avg_price: number;
  /** Units available, summed. */
  total_available: number;
}

export interface ShopQueryCount {
  query: string;
  count: number;
}

export interface ShopSeriesPoint {
  /** Bucket start, epoch ms. */
  ts: number;
  searches: number;
  recommendations: number;
  /** Distinct users with a query in the bucket. */
  users: number;
}

/** GET /api/shop/stats. */
export interface ShopStats {
  from: number;
  to: number;
  bucketMs: number;
  searches: number;
  recommendations: number;
  users: number;
  /** Only buckets with at least one query, ascending. */
  series: ShopSeriesPoint[];
  topQueries: ShopQueryCount[];
  noResults: ShopQueryCount[];
}

/** One `shop` event of /api/shop/stream, or the two reads polling makes instead. */
export interface ShopUpdate {
  categories: ShopCategory[];
  stats: ShopStats;
}

export interface ShopProduct {
  product_id: string;
  name: string;
  description: string;
  price: { amount: number; currency: string };
  category: string;
  brand: string;
  stock: { available: number; reserved: number };
  tags: string[];
}

export interface ShopFacet {
  value: string;
  count: number;
}

/** GET /api/shop/search. */
export interface ShopSearchResult {
  total: number;
  hits: { product: ShopProduct; score: number }[];
  facets: { category: ShopFacet[]; brand: ShopFacet[] };
}
