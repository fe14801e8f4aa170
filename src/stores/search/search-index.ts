import type { Product } from '../../shop/product.ts';

/**
 * The SearchIndex port: the marketplace's full-text search and query log (seed 003's
 * `filtered_products` and `client_queries` indexes). Adapters: OpenSearch
 * (src/stores/search/opensearch/, distributed mode) and PostgreSQL full-text search
 * (src/stores/search/postgres/, also on PGlite in embedded mode). Both pass the one shared suite
 * in test/helpers/search-suite.ts.
 *
 * Definitions shared by every adapter:
 * - text matches name and description, Russian and English stemming («часы» finds «Умные часы»),
 *   typo tolerant like OpenSearch's `fuzziness: AUTO` (a word of 3–5 letters may be one edit
 *   away, longer words two), a name match ranks above a description match;
 * - `category` and `brand` filter by exact value; facets count products matching the text and the
 *   *other* filter, so every option keeps its count while one is chosen (disjunctive facets);
 * - every word of `q` must match (in some form, in the name or the description), as a shopper
 *   narrowing a search expects; an empty or missing `q` matches every product, by name (browsing by facets);
 * - facets list every value (up to 1,000), by count then value; exact matches rank above fuzzy ones;
 * - writes are idempotent: products by `product_id`, queries by `id`; visible to reads once the
 *   write's promise resolved (adapters refresh as needed).
 */

/** One client query as published to `client-queries` (seed 003's shape). */
export interface ClientQuery {
  type: 'search' | 'recommend';
  data: {
    action: 'search' | 'recommend';
    /** The search text; for a recommendation, empty. */
    query: string;
    user_id: string;
    /** Filters of a search, when given (an extension of the seed's shape). */
    category?: string | undefined;
    brand?: string | undefined;
    /** How many products the query found (an extension: lets "queries with no result" be counted). */
    results?: number | undefined;
  };
  /** ISO-8601 time of the query. */
  timestamp: string;
}

/** A query with the id that makes indexing it idempotent (the record's topic/partition/offset). */
export interface IndexedQuery {
  id: string;
  query: ClientQuery;
}

export interface SearchRequest {
  q?: string | undefined;
  category?: string | undefined;
  brand?: string | undefined;
  /** 1..100, default 20. */
  limit?: number | undefined;
  /** Default 0. */
  offset?: number | undefined;
}

export interface FacetCount {
  value: string;
  count: number;
}

export interface SearchHit {
  product: Product;
  score: number;
}

export interface SearchResult {
  /** Products matching q and both filters. */
  total: number;
  hits: SearchHit[];
  facets: { category: FacetCount[]; brand: FacetCount[] };
}

/** Seed 003's per-category figure (what the `recommendations` topic carries, without its timestamp). */
export interface CategoryFigure {
  category: string;
  product_count: number;
  /** Mean price.amount, rounded to 2 decimals. */
  avg_price: number;
  /** Sum of stock.available. */
  total_available: number;
}

export interface QueryStatsRequest {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** Bucket width in ms for the series (e.g. 60000). */
  bucketMs: number;
  /** Rows in the top lists (default 10). */
  limit?: number | undefined;
}

export interface QueryStats {
  /** Search queries in the range. */
  searches: number;
  recommendations: number;
  /** Distinct user_id of any query. */
  users: number;
  /** One point per bucket that holds at least one query, ascending. */
  series: { ts: number; searches: number; recommendations: number; users: number }[];
  /** Most frequent search texts (lower-cased, trimmed), ties by text. */
  topQueries: { query: string; count: number }[];
  /** Search texts whose queries found nothing (data.results === 0), ties by text. */
  noResults: { query: string; count: number }[];
}

export interface SearchIndex {
  readonly kind: 'opensearch' | 'postgres' | 'pglite';
  /** Creates indexes/tables (mappings with the russian and english analyzers); idempotent. */
  migrate(): Promise<void>;
  upsertProducts(products: readonly Product[]): Promise<void>;
  deleteProducts(productIds: readonly string[]): Promise<void>;
  indexQueries(queries: readonly IndexedQuery[]): Promise<void>;
  search(request: SearchRequest): Promise<SearchResult>;
  getProduct(productId: string): Promise<Product | null>;
  countProducts(): Promise<number>;
  categoryFigures(): Promise<CategoryFigure[]>;
  /** A user's latest queries, newest first. */
  recentQueries(userId: string, limit: number): Promise<ClientQuery[]>;
  queryStats(request: QueryStatsRequest): Promise<QueryStats>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
