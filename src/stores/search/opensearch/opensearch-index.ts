import { Client, type API } from '@opensearch-project/opensearch';
import type { Product } from '../../../shop/product.ts';
import type { ClientQuery, IndexedQuery, SearchIndex } from '../search-index.ts';
import { categoryFiguresBody, categoryFiguresOf, queryStatsBody, queryStatsOf } from './aggregations.ts';
import { bulkWrite, type RefreshMode } from './bulk-writes.ts';
import { productDocument, productOf, queryDocument, queryOf, type ProductDocument, type QueryDocument } from './documents.ts';
import { OpenSearchError } from './errors.ts';
import { indexNames, type IndexNames } from './mappings.ts';
import { migrateIndexes } from './migrate.ts';
import { searchBody, searchResultOf, type SearchAnswer } from './product-search.ts';

/**
 * The SearchIndex port on OpenSearch 2.x (seed 003's `filtered_products` and `client_queries`).
 * Mappings in mappings.ts, the search request in product-search.ts, the statistics in
 * aggregations.ts, writes in bulk-writes.ts, error classification in errors.ts.
 */

export interface OpenSearchIndexOptions {
  /** http(s)://[user:password@]host:port of a node (PULSE_OPENSEARCH_URL). */
  node: string;
  /** Put before both index names (tests use one per run); default none. */
  prefix?: string | undefined;
  /** How a write is made visible before it resolves; default `true` (measured fastest, see bulk-writes.ts). */
  refresh?: RefreshMode | undefined;
}

/** The SearchIndex plus what tests and operators read beyond the port. */
export interface OpenSearchIndex extends SearchIndex {
  readonly kind: 'opensearch';
  /** The aliases every request uses. */
  readonly names: IndexNames;
}

export function createOpenSearchIndex(options: OpenSearchIndexOptions): OpenSearchIndex {
  // Few transport retries: the caller (a worker's batch loop) retries what is `unavailable`.
  const client = new Client({ node: options.node, maxRetries: 1, requestTimeout: 30_000 });
  const names = indexNames(options.prefix ?? '');
  const refresh = options.refresh ?? 'true';

  /**
   * A search with a body built here. The client's generated request types lack fields OpenSearch
   * has (`terms.field`, `cardinality.field`), so bodies are plain objects, checked by the tests.
   */
  const searchOn = async (index: string, body: object) => (await client.search({ index, body: body as API.Search_RequestBody })).body;

  const attempt = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw new OpenSearchError(operation, error);
    }
  };

  return {
    kind: 'opensearch',
    names,

    migrate: () => migrateIndexes(client, names),

    upsertProducts: (products: readonly Product[]) =>
      bulkWrite(
        client,
        'upsertProducts',
        names.products,
        products.map((product) => ({ kind: 'index', id: product.product_id, document: productDocument(product) })),
        refresh,
      ),

    deleteProducts: (productIds: readonly string[]) =>
      bulkWrite(
        client,
        'deleteProducts',
        names.products,
        productIds.map((id) => ({ kind: 'delete', id })),
        refresh,
      ),

    indexQueries: (queries: readonly IndexedQuery[]) =>
      bulkWrite(
        client,
        'indexQueries',
        names.queries,
        queries.map(({ id, query }) => ({ kind: 'index', id, document: queryDocument(query) })),
        refresh,
      ),

    search: (request) =>
      attempt('search', async () => {
        return searchResultOf((await searchOn(names.products, searchBody(request))) as SearchAnswer);
      }),

    getProduct: (productId) =>
      attempt('getProduct', async () => {
        if (productId === '') return null; // not an id OpenSearch can look up
        const answer = await client.get({ index: names.products, id: productId }, { ignore: [404] });
        const body = answer.body as { found?: boolean; _source?: ProductDocument };
        return body.found === true && body._source !== undefined ? productOf(body._source) : null;
      }),

    countProducts: () =>
      attempt('countProducts', async () => {
        const answer = await client.count({ index: names.products });
        return answer.body.count;
      }),

    categoryFigures: () =>
      attempt('categoryFigures', async () => {
        return categoryFiguresOf((await searchOn(names.products, categoryFiguresBody())).aggregations);
      }),

    recentQueries: (userId, limit) =>
      attempt('recentQueries', async (): Promise<ClientQuery[]> => {
        const size = Math.max(0, Math.trunc(limit));
        if (size === 0) return [];
        const answer = await searchOn(names.queries, {
          query: { term: { 'data.user_id': userId } },
          sort: [{ '@timestamp': 'desc' }],
          size,
        });
        const hits = answer.hits.hits as { _source?: QueryDocument }[];
        return hits.flatMap((hit) => (hit._source === undefined ? [] : [queryOf(hit._source)]));
      }),

    queryStats: (request) =>
      attempt('queryStats', async () => {
        return queryStatsOf((await searchOn(names.queries, queryStatsBody(request))).aggregations);
      }),

    ping: () =>
      attempt('ping', async () => {
        await client.ping();
      }),

    close: () => client.close(),
  };
}
