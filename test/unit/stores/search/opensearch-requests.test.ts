import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { queryStatsBody, roundPrice } from '../../../../src/stores/search/opensearch/aggregations.ts';
import { pageOf, searchBody } from '../../../../src/stores/search/opensearch/product-search.ts';

describe('opensearch request bodies', () => {
  test('prices round half up on the decimal value, not its binary neighbour', () => {
    assert.equal(roundPrice(15.005), 15.01);
    assert.equal(roundPrice((10 + 20.01) / 2), 15.01);
    assert.equal(roundPrice(12326.75), 12326.75);
    assert.equal(roundPrice(1.004999), 1);
    assert.equal(roundPrice(0), 0);
  });

  test('limit within 1..100 (default 20), offset at least 0, blank text is no text', () => {
    assert.deepEqual(pageOf({}), { q: '', limit: 20, offset: 0 });
    assert.deepEqual(pageOf({ q: '  часы ', limit: 500, offset: -3 }), { q: 'часы', limit: 100, offset: 0 });
    assert.deepEqual(pageOf({ q: '   ', limit: 0, offset: 7.9 }), { q: '', limit: 1, offset: 7 });
    assert.deepEqual(pageOf({ limit: Number.NaN, offset: Number.POSITIVE_INFINITY }), { q: '', limit: 20, offset: 0 });
  });

  test('filters are a post_filter; each facet applies the other filter only', () => {
    const body = searchBody({ q: 'часы', category: 'Часы', brand: 'Pulse' });
    assert.deepEqual(body.post_filter, { bool: { filter: [{ term: { category: 'Часы' } }, { term: { brand: 'Pulse' } }] } });
    assert.deepEqual(body.aggs.category.filter, { bool: { filter: [{ term: { brand: 'Pulse' } }] } });
    assert.deepEqual(body.aggs.brand.filter, { bool: { filter: [{ term: { category: 'Часы' } }] } });
    assert.equal(body.track_total_hits, true);
    const browse = searchBody({ brand: 'Pulse' });
    assert.deepEqual(browse.query, { match_all: {} });
    assert.deepEqual(browse.sort, [{ 'name.keyword': 'asc' }, { product_id: 'asc' }]);
    assert.deepEqual(browse.aggs.category.filter, { bool: { filter: [{ term: { brand: 'Pulse' } }] } });
    assert.deepEqual(browse.aggs.brand.filter, { match_all: {} });
  });

  test('query stats: [from, to) in epoch ms, buckets of bucketMs from the epoch, only non-empty ones', () => {
    const body = queryStatsBody({ from: 1000, to: 2000, bucketMs: 60_000, limit: 3 });
    assert.deepEqual(body.query, { range: { '@timestamp': { gte: 1000, lt: 2000, format: 'epoch_millis' } } });
    assert.deepEqual(body.aggs.series.date_histogram, { field: '@timestamp', fixed_interval: '60000ms', min_doc_count: 1 });
    assert.equal(body.aggs.search_texts.aggs.top.terms.size, 3);
    assert.equal(queryStatsBody({ from: 0, to: 1, bucketMs: 1000 }).aggs.search_texts.aggs.top.terms.size, 10);
  });
});
