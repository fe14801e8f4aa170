import { Counter, Histogram, type Registry } from 'prom-client';
import { metricOn } from '../../shared/metrics.ts';
import type { SearchIndex } from './search-index.ts';

/** The index writes measured (the `operation` label). */
export type SearchWriteOperation = 'upsert_products' | 'delete_products' | 'index_queries';

export interface SearchIndexMetrics {
  /** `pulse_search_requests_total{kind,outcome}`, outcome ok or error. */
  requests: Counter<'kind' | 'outcome'>;
  searchSeconds: Histogram<'kind'>;
  writeSeconds: Histogram<'kind' | 'operation'>;
  writeErrors: Counter<'kind' | 'operation'>;
}

const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The search metrics on `registry`; a second call on the same registry returns the same metrics. */
export function createSearchIndexMetrics(registry: Registry): SearchIndexMetrics {
  return {
    requests: metricOn(
      registry,
      'pulse_search_requests_total',
      () =>
        new Counter({
          name: 'pulse_search_requests_total',
          help: 'Searches of the product index, by adapter (kind) and outcome (ok, error)',
          labelNames: ['kind', 'outcome'],
          registers: [registry],
        }),
    ),
    searchSeconds: metricOn(
      registry,
      'pulse_search_duration_seconds',
      () =>
        new Histogram({
          name: 'pulse_search_duration_seconds',
          help: 'Time of one search of the product index, by adapter (kind), failed ones included',
          labelNames: ['kind'],
          buckets,
          registers: [registry],
        }),
    ),
    writeSeconds: metricOn(
      registry,
      'pulse_search_index_write_duration_seconds',
      () =>
        new Histogram({
          name: 'pulse_search_index_write_duration_seconds',
          help: 'Time of one write to the search index, by adapter (kind) and operation (upsert_products, delete_products, index_queries)',
          labelNames: ['kind', 'operation'],
          buckets,
          registers: [registry],
        }),
    ),
    writeErrors: metricOn(
      registry,
      'pulse_search_index_write_errors_total',
      () =>
        new Counter({
          name: 'pulse_search_index_write_errors_total',
          help: 'Failed writes to the search index, by adapter (kind) and operation',
          labelNames: ['kind', 'operation'],
          registers: [registry],
        }),
    ),
  };
}

/**
 * The SearchIndex port with metrics: searches counted and timed by adapter, index writes timed and
 * their failures counted. Every call goes to `index` unchanged (a decorator: the adapters know
 * nothing of it). No label comes from the request: only the adapter kind, outcome and operation.
 */
export function instrumentSearchIndex(index: SearchIndex, metrics: SearchIndexMetrics): SearchIndex {
  const kind = index.kind;
  for (const outcome of ['ok', 'error']) metrics.requests.inc({ kind, outcome }, 0);
  const operations: SearchWriteOperation[] = ['upsert_products', 'delete_products', 'index_queries'];
  for (const operation of operations) metrics.writeErrors.inc({ kind, operation }, 0);

  const write = async (operation: SearchWriteOperation, run: () => Promise<void>): Promise<void> => {
    const stop = metrics.writeSeconds.startTimer({ kind, operation });
    try {
      await run();
    } catch (error) {
      metrics.writeErrors.inc({ kind, operation });
      throw error;
    } finally {
      stop();
    }
  };

  return {
    kind,
    migrate: () => index.migrate(),
    upsertProducts: (products) => write('upsert_products', () => index.upsertProducts(products)),
    deleteProducts: (productIds) => write('delete_products', () => index.deleteProducts(productIds)),
    indexQueries: (queries) => write('index_queries', () => index.indexQueries(queries)),
    async search(request) {
      const stop = metrics.searchSeconds.startTimer({ kind });
      try {
        const result = await index.search(request);
        metrics.requests.inc({ kind, outcome: 'ok' });
        return result;
      } catch (error) {
        metrics.requests.inc({ kind, outcome: 'error' });
        throw error;
      } finally {
        stop();
      }
    },
    getProduct: (productId) => index.getProduct(productId),
    countProducts: () => index.countProducts(),
    categoryFigures: () => index.categoryFigures(),
    recentQueries: (userId, limit) => index.recentQueries(userId, limit),
    queryStats: (request) => index.queryStats(request),
    ping: () => index.ping(),
    close: () => index.close(),
  };
}
