import type { CategoryFigure, QueryStats, QueryStatsRequest } from '../search-index.ts';

/**
 * The aggregation requests behind categoryFigures and queryStats, and their answers read back.
 * Both indexes have one shard, so terms counts are exact; distinct users are a `cardinality`
 * with the highest precision threshold (40,000), below which it counts exactly.
 */

/** Categories per figures request; a marketplace has far fewer. */
export const CATEGORY_LIMIT = 10_000;
const PRECISION_THRESHOLD = 40_000;
export const DEFAULT_TOP = 10;

/** Half up at the second decimal of the decimal value (15.005 → 15.01), not of its binary neighbour. */
export function roundPrice(value: number): number {
  return Math.round(Number((value * 100).toPrecision(12))) / 100;
}

export const categoryFiguresBody = () => ({
  size: 0,
  aggs: {
    categories: {
      terms: { field: 'category', size: CATEGORY_LIMIT, order: { _key: 'asc' } },
      aggs: { avg_price: { avg: { field: 'price.amount' } }, available: { sum: { field: 'stock.available' } } },
    },
  },
});

interface Bucket<K = string> {
  key: K;
  doc_count: number;
}
interface ValueAggregate {
  value: number | null;
}

type CategoryBucket = Bucket & { avg_price: ValueAggregate; available: ValueAggregate };

export function categoryFiguresOf(aggregations: Record<string, unknown> | undefined): CategoryFigure[] {
  const buckets = (aggregations?.['categories'] as { buckets: CategoryBucket[] } | undefined)?.buckets ?? [];
  return buckets.map((bucket) => ({
    category: bucket.key,
    product_count: bucket.doc_count,
    avg_price: roundPrice(bucket.avg_price.value ?? 0),
    total_available: bucket.available.value ?? 0,
  }));
}

const bySearch = { term: { type: 'search' } };
const byRecommend = { term: { type: 'recommend' } };
const users = { cardinality: { field: 'data.user_id', precision_threshold: PRECISION_THRESHOLD } };

const topTexts = (limit: number) => ({
  terms: { field: 'data.query.keyword', size: limit, order: [{ _count: 'desc' }, { _key: 'asc' }], exclude: [''] },
});

export function queryStatsBody(request: QueryStatsRequest) {
  const limit = Math.max(1, Math.trunc(request.limit ?? DEFAULT_TOP));
  const bucketMs = Math.max(1, Math.trunc(request.bucketMs));
  return {
    size: 0,
    track_total_hits: true,
    query: { range: { '@timestamp': { gte: request.from, lt: request.to, format: 'epoch_millis' } } },
    aggs: {
      searches: { filter: bySearch },
      recommendations: { filter: byRecommend },
      users,
      series: {
        date_histogram: { field: '@timestamp', fixed_interval: `${bucketMs}ms`, min_doc_count: 1 },
        aggs: { searches: { filter: bySearch }, recommendations: { filter: byRecommend }, users },
      },
      search_texts: {
        filter: bySearch,
        aggs: {
          top: topTexts(limit),
          no_results: { filter: { term: { 'data.results': 0 } }, aggs: { top: topTexts(limit) } },
        },
      },
    },
  };
}

type SeriesBucket = Bucket<number> & { searches: Bucket<never>; recommendations: Bucket<never>; users: ValueAggregate };

interface StatsAggregations {
  searches: { doc_count: number };
  recommendations: { doc_count: number };
  users: ValueAggregate;
  series: { buckets: SeriesBucket[] };
  search_texts: { top: { buckets: Bucket[] }; no_results: { top: { buckets: Bucket[] } } };
}

const countsOf = (buckets: Bucket[]) => buckets.map((bucket) => ({ query: bucket.key, count: bucket.doc_count }));

export function queryStatsOf(aggregations: Record<string, unknown> | undefined): QueryStats {
  const a = aggregations as StatsAggregations | undefined;
  if (a === undefined) return { searches: 0, recommendations: 0, users: 0, series: [], topQueries: [], noResults: [] };
  return {
    searches: a.searches.doc_count,
    recommendations: a.recommendations.doc_count,
    users: a.users.value ?? 0,
    series: a.series.buckets.map((bucket) => ({
      ts: bucket.key,
      searches: bucket.searches.doc_count,
      recommendations: bucket.recommendations.doc_count,
      users: bucket.users.value ?? 0,
    })),
    topQueries: countsOf(a.search_texts.top.buckets),
    noResults: countsOf(a.search_texts.no_results.top.buckets),
  };
}
