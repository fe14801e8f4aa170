import type { Product } from '../../../shop/product.ts';
import { storeError } from '../../store-errors.ts';
import type { SqlExecutor } from '../../warehouse/postgres/sql-executor.ts';
import type {
  CategoryFigure,
  ClientQuery,
  FacetCount,
  IndexedQuery,
  QueryStats,
  QueryStatsRequest,
  SearchHit,
  SearchIndex,
  SearchRequest,
  SearchResult,
} from '../search-index.ts';
import { autoFuzziness, nearestWords, wordLength } from './fuzziness.ts';
import { fuzzystrmatchSchema, migrateSearch } from './search-migrations.ts';
import {
  analyzeWordsSql,
  categoryFiguresSql,
  countProductsSql,
  deleteProductsSql,
  getProductSql,
  indexQueriesSql,
  nearWordsSql,
  queryStatsSql,
  recentQueriesSql,
  searchSql,
  upsertProductsSql,
} from './search-statements.ts';
import { exactAlternatives, searchableText, searchQueries, statisticsText, type AnalyzedWord, type SearchQueries } from './text-query.ts';

/**
 * The SearchIndex port on PostgreSQL full-text search, and on PGlite (the same engine in process)
 * for embedded mode: one implementation over a SqlExecutor, the same SQL and migrations
 * (./migrations/NNN_name.sql, recorded in search_schema_migrations).
 *
 * Text search: the name (weight A) and the description (weight B) are indexed as Russian and as
 * English (`document`, a generated tsvector). Every word of the query must match (AND), as
 * Russian or English, in the name or the description. Typo tolerance follows `fuzziness: AUTO`
 * (fuzziness.ts): each query word of 3 or more letters also matches the known words (`search_words`,
 * every word of every name and description) within its edit distance, found with fuzzystrmatch's
 * levenshtein and checked exactly here (transpositions count one edit). Exact matches score above
 * fuzzy ones, name matches above description-only ones (see searchSql). A stop word of either
 * language is ignored; a text with no other word matches nothing. An empty q lists every product
 * by name. Facets are disjunctive; ties order in code-point order.
 */

export interface PostgresSearchIndexOptions {
  executor: SqlExecutor;
  /** Default: the executor's engine. */
  kind?: 'postgres' | 'pglite' | undefined;
  /** The schema the executor's search_path names (created by migrate()); default public. */
  schema?: string | undefined;
  /** Whether close() closes the executor; false when it is shared (e.g. with the warehouse). Default true. */
  closeExecutor?: boolean | undefined;
}

/** Rows per write statement (one JSON parameter each). */
export const PRODUCTS_PER_STATEMENT = 500;
export const QUERIES_PER_STATEMENT = 2000;
/** Longer query words are matched exactly only (levenshtein takes at most 255 characters; no real word is this long). */
export const MAX_FUZZY_WORD_LENGTH = 64;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
const DEFAULT_TOP = 10;

interface SearchRow {
  total: number;
  hits: SearchHit[];
  category_facet: FacetCount[];
  brand_facet: FacetCount[];
}

interface NearWordRow extends AnalyzedWord {
  query_word: string;
}

interface QueryStatsRow {
  searches: number;
  recommendations: number;
  users: number;
  series: QueryStats['series'];
  top_queries: QueryStats['topQueries'];
  no_results: QueryStats['noResults'];
}

const emptyResult = (): SearchResult => ({ total: 0, hits: [], facets: { category: [], brand: [] } });

function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The last of each key (a later item is a later version). */
function lastByKey<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [key(item), item])).values()];
}

function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  return value;
}

export function createPostgresSearchIndex(options: PostgresSearchIndexOptions): SearchIndex {
  const { executor } = options;
  const schema = options.schema ?? 'public';
  const closeExecutor = options.closeExecutor ?? true;
  /** Where fuzzystrmatch lives: learnt by migrate(), or looked up once by the first fuzzy search. */
  let levenshteinSchema: Promise<string | null> | undefined;

  async function extensionSchema(): Promise<string> {
    levenshteinSchema ??= fuzzystrmatchSchema(executor);
    const found = await levenshteinSchema.catch((error: unknown) => {
      levenshteinSchema = undefined; // a failed look-up is tried again next time
      throw error;
    });
    if (found === null) {
      levenshteinSchema = undefined;
      throw storeError('failed', `${executor.engine} search: the fuzzystrmatch extension is missing (run migrate())`);
    }
    return found;
  }

  /** The known words each query word may stand for, by AUTO fuzziness. */
  async function nearWords(words: readonly AnalyzedWord[]): Promise<Map<string, AnalyzedWord[]>> {
    const fuzzy = words
      .filter((w) => exactAlternatives(w) !== null && wordLength(w.word) <= MAX_FUZZY_WORD_LENGTH)
      .map((w) => ({ word: w.word, edits: autoFuzziness(wordLength(w.word)) }))
      .filter((w) => w.edits > 0);
    const near = new Map<string, AnalyzedWord[]>();
    if (fuzzy.length === 0) return near;
    const rows = await executor.query<NearWordRow>(nearWordsSql(await extensionSchema()), [JSON.stringify(fuzzy)]);
    for (const { word } of fuzzy) {
      const candidates = new Map(rows.filter((row) => row.query_word === word).map((row) => [row.word, row]));
      near.set(
        word,
        nearestWords(word, candidates.keys()).map((w) => candidates.get(w) as AnalyzedWord),
      );
    }
    return near;
  }

  /** The tsqueries for a non-empty text, or null when none of its words can match. */
  async function queriesFor(text: string): Promise<SearchQueries | null> {
    const words = await executor.query<AnalyzedWord>(analyzeWordsSql, [searchableText(text)]);
    return searchQueries(words, await nearWords(words));
  }

  return {
    kind: options.kind ?? executor.engine,

    async migrate() {
      const found = await migrateSearch(executor, { schema });
      levenshteinSchema = Promise.resolve(found);
    },

    async upsertProducts(products: readonly Product[]) {
      // In product_id order, so concurrent writers of the same products lock them in one order.
      const latest = lastByKey(products, (p) => p.product_id).sort((a, b) => (a.product_id < b.product_id ? -1 : 1));
      const rows = latest.map((product) => ({
        product,
        search_name: searchableText(product.name),
        search_description: searchableText(product.description),
      }));
      for (const slice of slices(rows, PRODUCTS_PER_STATEMENT)) await executor.query(upsertProductsSql, [JSON.stringify(slice)]);
    },

    async deleteProducts(productIds: readonly string[]) {
      for (const slice of slices([...new Set(productIds)], PRODUCTS_PER_STATEMENT)) {
        await executor.query(deleteProductsSql, [JSON.stringify(slice)]);
      }
    },

    async indexQueries(queries: readonly IndexedQuery[]) {
      const rows = lastByKey(queries, (q) => q.id).map(({ id, query }) => ({
        id,
        query,
        normalized_query: statisticsText(query.data.query),
      }));
      for (const slice of slices(rows, QUERIES_PER_STATEMENT)) await executor.query(indexQueriesSql, [JSON.stringify(slice)]);
    },

    async search(request: SearchRequest): Promise<SearchResult> {
      const limit = checkInteger('limit', request.limit ?? DEFAULT_LIMIT, 1, MAX_LIMIT);
      const offset = checkInteger('offset', request.offset ?? 0, 0, Number.MAX_SAFE_INTEGER);
      const text = request.q?.trim() ?? '';
      let queries: SearchQueries | null = null;
      if (text !== '') {
        queries = await queriesFor(text);
        if (queries === null) return emptyResult();
      }
      const [row] = await executor.query<SearchRow>(searchSql, [
        queries?.exact ?? null,
        queries?.full ?? null,
        request.category ?? null,
        request.brand ?? null,
        limit,
        offset,
      ]);
      if (row === undefined) return emptyResult();
      return { total: row.total, hits: row.hits, facets: { category: row.category_facet, brand: row.brand_facet } };
    },

    async getProduct(productId: string) {
      const [row] = await executor.query<{ product: Product }>(getProductSql, [productId]);
      return row?.product ?? null;
    },

    async countProducts() {
      const [row] = await executor.query<{ count: number }>(countProductsSql);
      return row?.count ?? 0;
    },

    categoryFigures: () => executor.query<CategoryFigure>(categoryFiguresSql),

    async recentQueries(userId: string, limit: number) {
      checkInteger('limit', limit, 0, Number.MAX_SAFE_INTEGER);
      if (limit === 0) return [];
      const rows = await executor.query<{ query: ClientQuery }>(recentQueriesSql, [userId, limit]);
      return rows.map((row) => row.query);
    },

    async queryStats(request: QueryStatsRequest): Promise<QueryStats> {
      if (!Number.isFinite(request.from) || !Number.isFinite(request.to))
        throw new RangeError('from and to must be finite epoch milliseconds');
      const bucketMs = checkInteger('bucketMs', request.bucketMs, 1, Number.MAX_SAFE_INTEGER);
      const limit = checkInteger('limit', request.limit ?? DEFAULT_TOP, 1, 10_000);
      const [row] = await executor.query<QueryStatsRow>(queryStatsSql, [
        new Date(request.from).toISOString(),
        new Date(request.to).toISOString(),
        bucketMs,
        limit,
      ]);
      if (row === undefined) throw storeError('failed', `${executor.engine} search queryStats returned no row`);
      return {
        searches: row.searches,
        recommendations: row.recommendations,
        users: row.users,
        series: row.series,
        topQueries: row.top_queries,
        noResults: row.no_results,
      };
    },

    async ping() {
      await executor.query('SELECT 1');
    },

    async close() {
      if (closeExecutor) await executor.close();
    },
  };
}
