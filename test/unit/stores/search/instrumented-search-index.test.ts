import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createSearchIndexMetrics, instrumentSearchIndex } from '../../../../src/stores/search/instrumented-search-index.ts';
import type { SearchIndex, SearchResult } from '../../../../src/stores/search/search-index.ts';

const empty: SearchResult = { total: 0, hits: [], facets: { category: [], brand: [] } };

/** An index that records which methods were called and fails when told to. */
function fakeIndex(calls: string[], fail: { search: boolean; upsert: boolean }): SearchIndex {
  const call =
    <T>(name: string, value: T) =>
    async (): Promise<T> => {
      calls.push(name);
      return value;
    };
  return {
    kind: 'pglite',
    migrate: call('migrate', undefined),
    async upsertProducts() {
      calls.push('upsertProducts');
      if (fail.upsert) throw new Error('index down');
    },
    deleteProducts: call('deleteProducts', undefined),
    indexQueries: call('indexQueries', undefined),
    async search() {
      calls.push('search');
      if (fail.search) throw new Error('index down');
      return empty;
    },
    getProduct: call('getProduct', null),
    countProducts: call('countProducts', 3),
    categoryFigures: call('categoryFigures', []),
    recentQueries: call('recentQueries', []),
    queryStats: call('queryStats', { searches: 0, recommendations: 0, users: 0, series: [], topQueries: [], noResults: [] }),
    ping: call('ping', undefined),
    close: call('close', undefined),
  };
}

async function values(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(name);
  assert.ok(metric !== undefined, name);
  return Object.fromEntries(
    (await metric.get()).values.map((v) => [
      `${(v as { metricName?: string }).metricName ?? name}{${Object.entries(v.labels)
        .filter(([k]) => k !== 'le')
        .map(([k, l]) => `${k}=${String(l)}`)
        .join(',')}}`,
      v.value,
    ]),
  );
}

test('the metrics decorator counts and times searches and index writes by adapter, and passes every call through', async () => {
  const registry = new Registry();
  const calls: string[] = [];
  const fail = { search: false, upsert: false };
  const index = instrumentSearchIndex(fakeIndex(calls, fail), createSearchIndexMetrics(registry));
  assert.equal(index.kind, 'pglite');
  assert.deepEqual(await values(registry, 'pulse_search_requests_total'), {
    'pulse_search_requests_total{kind=pglite,outcome=ok}': 0,
    'pulse_search_requests_total{kind=pglite,outcome=error}': 0,
  });

  assert.deepEqual(await index.search({ q: 'часы' }), empty);
  await index.search({});
  fail.search = true;
  await assert.rejects(index.search({ q: 'x' }), /index down/);
  assert.deepEqual(await values(registry, 'pulse_search_requests_total'), {
    'pulse_search_requests_total{kind=pglite,outcome=ok}': 2,
    'pulse_search_requests_total{kind=pglite,outcome=error}': 1,
  });
  assert.equal((await values(registry, 'pulse_search_duration_seconds'))['pulse_search_duration_seconds_count{kind=pglite}'], 3);

  await index.upsertProducts([]);
  fail.upsert = true;
  await assert.rejects(index.upsertProducts([]), /index down/);
  await index.deleteProducts(['p1']);
  await index.indexQueries([]);
  const writes = await values(registry, 'pulse_search_index_write_duration_seconds');
  assert.equal(writes['pulse_search_index_write_duration_seconds_count{kind=pglite,operation=upsert_products}'], 2);
  assert.equal(writes['pulse_search_index_write_duration_seconds_count{kind=pglite,operation=delete_products}'], 1);
  assert.equal(writes['pulse_search_index_write_duration_seconds_count{kind=pglite,operation=index_queries}'], 1);
  assert.deepEqual(await values(registry, 'pulse_search_index_write_errors_total'), {
    'pulse_search_index_write_errors_total{kind=pglite,operation=upsert_products}': 1,
    'pulse_search_index_write_errors_total{kind=pglite,operation=delete_products}': 0,
    'pulse_search_index_write_errors_total{kind=pglite,operation=index_queries}': 0,
  });

  assert.equal(await index.countProducts(), 3);
  await index.migrate();
  await index.getProduct('p1');
  await index.categoryFigures();
  await index.recentQueries('u', 5);
  await index.queryStats({ from: 0, to: 1, bucketMs: 1 });
  await index.ping();
  await index.close();
  assert.deepEqual(calls.slice(-8), [
    'countProducts',
    'migrate',
    'getProduct',
    'categoryFigures',
    'recentQueries',
    'queryStats',
    'ping',
    'close',
  ]);

  // A second decorated index of another adapter on the same registry shares the metrics.
  const other = instrumentSearchIndex(
    { ...fakeIndex([], { search: false, upsert: false }), kind: 'opensearch' },
    createSearchIndexMetrics(registry),
  );
  await other.search({});
  assert.equal((await values(registry, 'pulse_search_requests_total'))['pulse_search_requests_total{kind=opensearch,outcome=ok}'], 1);
});
