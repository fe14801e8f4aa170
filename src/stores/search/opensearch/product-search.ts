import type { FacetCount, SearchRequest, SearchResult } from '../search-index.ts';
import { productOf, type ProductDocument } from './documents.ts';

/**
 * The `search` request on filtered_products, and its answer read back.
 *
 * Text: a bool `should` of two multi_match queries. The exact one is `cross_fields` over the
 * standard, Russian and English fields of name (boost 3) and description (boost 1) with
 * `operator: and`, so every word must occur (in any form the analyzers stem to) in the name or the
 * description. The fuzzy one is `best_fields` with `fuzziness: AUTO` over the unstemmed fields, every
 * word within one field, with a lower boost: a word one or two edits away still finds the product,
 * and an exact match scores both clauses, so it ranks above a fuzzy one.
 *
 * Filters are a `post_filter`, so the facet aggregations see the text match only and each applies
 * the other filter itself: the category facet counts products matching the text and the brand,
 * the brand facet those matching the text and the category (disjunctive facets).
 */

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;
/** Facet options returned per facet (every category and brand of a marketplace catalogue). */
export const FACET_SIZE = 1000;
const NAME_BOOST = 3;
const FUZZY_BOOST = 0.2;

const textFields = [
  `name^${NAME_BOOST}`,
  `name.ru^${NAME_BOOST}`,
  `name.en^${NAME_BOOST}`,
  'description',
  'description.ru',
  'description.en',
];
/**
 * Typos are matched on the words as written, not on their stems: AUTO's edit distance follows the
 * length of the word the shopper typed (as the PostgreSQL adapter does), and a short stem such as
 * «час» one edit from «чай» does not widen the match.
 */
const fuzzyFields = [`name^${NAME_BOOST}`, 'description'];

type Clause = Record<string, unknown>;

export function textQuery(q: string): Clause {
  if (q === '') return { match_all: {} };
  return {
    bool: {
      should: [
        { multi_match: { query: q, type: 'cross_fields', fields: textFields, operator: 'and' } },
        {
          multi_match: { query: q, type: 'best_fields', fields: fuzzyFields, operator: 'and', fuzziness: 'AUTO', boost: FUZZY_BOOST },
        },
      ],
      minimum_should_match: 1,
    },
  };
}

const termFilter = (field: string, value: string | undefined): Clause[] => (value === undefined ? [] : [{ term: { [field]: value } }]);

const filterOf = (clauses: Clause[]): Clause => (clauses.length === 0 ? { match_all: {} } : { bool: { filter: clauses } });

const facetAggregation = (field: string, otherFilter: Clause[]) => ({
  filter: filterOf(otherFilter),
  aggs: { values: { terms: { field, size: FACET_SIZE, order: [{ _count: 'desc' }, { _key: 'asc' }] } } },
});

const whole = (value: number | undefined, fallback: number, min: number, max: number): number =>
  value === undefined || !Number.isFinite(value) ? fallback : Math.min(max, Math.max(min, Math.trunc(value)));

/**
 * The normalised request: text trimmed (blank = none), limit within 1..100, offset ≥ 0. OpenSearch
 * refuses offset + limit above index.max_result_window (10,000) as a bad request (rejected).
 */
export function pageOf(request: SearchRequest): { q: string; limit: number; offset: number } {
  return {
    q: (request.q ?? '').trim(),
    limit: whole(request.limit, DEFAULT_LIMIT, 1, MAX_LIMIT),
    offset: whole(request.offset, 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

export function searchBody(request: SearchRequest) {
  const { q, limit, offset } = pageOf(request);
  const category = termFilter('category', request.category);
  const brand = termFilter('brand', request.brand);
  return {
    query: textQuery(q),
    post_filter: filterOf([...category, ...brand]),
    // With no text every product scores alike: browse by name. Ties by id, so pages never overlap.
    sort: q === '' ? [{ 'name.keyword': 'asc' }, { product_id: 'asc' }] : ['_score', { 'name.keyword': 'asc' }, { product_id: 'asc' }],
    track_scores: true,
    track_total_hits: true,
    from: offset,
    size: limit,
    aggs: { category: facetAggregation('category', brand), brand: facetAggregation('brand', category) },
  };
}

interface FacetAggregate {
  values: { buckets: { key: string; doc_count: number }[] };
}

export interface SearchAnswer {
  hits: { total?: { value: number } | number; hits: { _score?: number | null; _source?: ProductDocument }[] };
  aggregations?: Record<string, unknown>;
}

const facetOf = (aggregate: unknown): FacetCount[] =>
  ((aggregate as FacetAggregate | undefined)?.values.buckets ?? []).map((bucket) => ({ value: bucket.key, count: bucket.doc_count }));

export function searchResultOf(answer: SearchAnswer): SearchResult {
  const total = answer.hits.total;
  return {
    total: typeof total === 'number' ? total : (total?.value ?? 0),
    hits: answer.hits.hits.flatMap((hit) =>
      hit._source === undefined ? [] : [{ product: productOf(hit._source), score: hit._score ?? 0 }],
    ),
    facets: { category: facetOf(answer.aggregations?.['category']), brand: facetOf(answer.aggregations?.['brand']) },
  };
}
