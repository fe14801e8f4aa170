import type { BusRecord } from '../bus/bus.ts';
import type { TopicNames } from '../bus/topics.ts';
import { dlq, ok, pipeline, type Outcome } from '../contract/outcome.ts';
import type { IndexedQuery, SearchIndex } from '../stores/search/search-index.ts';
import type { WorkerDefinition } from '../workers/worker-runner.ts';
import { validateClientQuery } from './client-query.ts';
import { decodeProductChange, latestPerProduct, type ProductChange } from './product-change.ts';

export const searchProductsGroup = (kind: SearchIndex['kind']): string => `pulse-search-products-${kind === 'pglite' ? 'postgres' : kind}`;
export const searchQueriesGroup = (kind: SearchIndex['kind']): string => `pulse-search-queries-${kind === 'pglite' ? 'postgres' : kind}`;

/** Keeps the `filtered_products` index equal to `filtered-products`: upserts by product id, deletes on tombstones. */
export function searchProductsSink(index: SearchIndex, topics: TopicNames): WorkerDefinition<ProductChange> {
  return {
    name: `search-products-${index.kind}`,
    group: `${topics.prefix}${searchProductsGroup(index.kind)}`,
    topics: [topics.filteredProducts],
    decode: decodeProductChange,
    sink: async (changes) => {
      const latest = latestPerProduct(changes);
      const removed = latest.flatMap((change) => (change.kind === 'delete' ? [change.productId] : []));
      const upserted = latest.flatMap((change) => (change.kind === 'upsert' ? [change.product] : []));
      if (removed.length > 0) await index.deleteProducts(removed);
      if (upserted.length > 0) await index.upsertProducts(upserted);
    },
    eventTime: (change) => (change.kind === 'upsert' ? Date.parse(change.product.updated_at) : Date.now()),
  };
}

function readQuery(record: BusRecord): Outcome<IndexedQuery> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.value.toString('utf8'));
  } catch (error) {
    return dlq(`value is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const outcome = validateClientQuery(parsed);
  // topic/partition/offset: the same record indexed twice (a redelivery) stays one document.
  return outcome.kind === 'ok' ? ok({ id: `${record.topic}-${record.partition}-${record.offset}`, query: outcome.value }) : outcome;
}

/** Indexes every client query into `client_queries`. */
export function searchQueriesSink(index: SearchIndex, topics: TopicNames): WorkerDefinition<IndexedQuery> {
  return {
    name: `search-queries-${index.kind}`,
    group: `${topics.prefix}${searchQueriesGroup(index.kind)}`,
    topics: [topics.clientQueries],
    decode: pipeline(readQuery),
    sink: (queries) => index.indexQueries(queries),
    eventTime: (query) => Date.parse(query.query.timestamp),
  };
}
