import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client } from '@opensearch-project/opensearch';
import { errorCodes, isPulseError } from '../../src/shared/errors.ts';
import type { Product } from '../../src/shop/product.ts';
import { createOpenSearchIndex, OpenSearchBulkError, type OpenSearchIndex } from '../../src/stores/search/opensearch/index.ts';
import type { RefreshMode } from '../../src/stores/search/opensearch/bulk-writes.ts';
import { searchIndexSuite } from '../helpers/search-suite.ts';
import { freePort } from '../helpers/services.ts';

/** The node of `scripts/stack up opensearch`. */
const node = process.env['PULSE_OPENSEARCH_URL'] ?? 'http://127.0.0.1:19200';

const newPrefix = (): string => `t${randomUUID().slice(0, 8)}_`;

/** Deletes every index under a test's prefix (the aliases go with them). */
async function deleteIndexes(admin: Client, prefix: string): Promise<void> {
  const found = await admin.indices.get({ index: `${prefix}*` });
  const names = Object.keys(found.body);
  if (names.length > 0) await admin.indices.delete({ index: names });
}

/** An adapter on indexes of its own; `close` closes it and deletes them. */
function openIndex(options: { migrate?: boolean; refresh?: RefreshMode } = {}) {
  const prefix = newPrefix();
  const index = createOpenSearchIndex({ node, prefix, refresh: options.refresh });
  return {
    prefix,
    index,
    close: async () => {
      await index.close();
      const admin = new Client({ node });
      try {
        await deleteIndexes(admin, prefix);
      } finally {
        await admin.close();
      }
    },
  };
}

searchIndexSuite('opensearch', async () => {
  const handle = openIndex();
  await handle.index.migrate();
  return handle;
});

function product(id: string, overrides: Partial<Product> = {}): Product {
  return {
    product_id: id,
    name: `Товар ${id}`,
    description: 'Описание товара',
    price: { amount: 100, currency: 'RUB' },
    category: 'Разное',
    brand: 'Pulse',
    stock: { available: 1, reserved: 0 },
    tags: [],
    updated_at: '2025-03-01T10:00:00.000Z',
    ...overrides,
  };
}

describe('opensearch search index: indexes, mappings and failures', () => {
  const admin = new Client({ node });
  let handle: ReturnType<typeof openIndex>;
  let index: OpenSearchIndex;

  before(async () => {
    handle = openIndex();
    index = handle.index;
    await index.migrate();
  });
  after(async () => {
    await handle.close();
    await admin.close();
  });

  test('migrate makes versioned indexes behind the seed names, strict mappings with both stemmers, one shard and no replica', async () => {
    const aliases = await admin.indices.getAlias({ index: `${handle.prefix}*` });
    assert.deepEqual(Object.fromEntries(Object.entries(aliases.body).map(([name, value]) => [name, Object.keys(value.aliases ?? {})])), {
      [`${handle.prefix}filtered_products_v1`]: [`${handle.prefix}filtered_products`],
      [`${handle.prefix}client_queries_v1`]: [`${handle.prefix}client_queries`],
    });
    const mapping = (await admin.indices.getMapping({ index: index.names.products })).body;
    const products = Object.values(mapping)[0]?.mappings;
    assert.equal(products?.dynamic, 'strict');
    assert.deepEqual(products?.properties?.['name'], {
      type: 'text',
      analyzer: 'standard',
      fields: { ru: { type: 'text', analyzer: 'russian' }, en: { type: 'text', analyzer: 'english' }, keyword: { type: 'keyword' } },
    });
    const queries = Object.values((await admin.indices.getMapping({ index: index.names.queries })).body)[0]?.mappings;
    assert.equal(queries?.dynamic, 'strict');
    const settings = Object.values((await admin.indices.getSettings({ index: index.names.queries })).body)[0]?.settings?.index;
    assert.equal(String(settings?.number_of_shards), '1');
    assert.equal(String(settings?.number_of_replicas), '0');
  });

  test('migrate is idempotent, also when several run at once', async () => {
    const fresh = openIndex();
    try {
      await Promise.all([fresh.index.migrate(), fresh.index.migrate(), fresh.index.migrate()]);
      await fresh.index.migrate();
      assert.equal(Object.keys((await admin.indices.get({ index: `${fresh.prefix}*` })).body).length, 2);
    } finally {
      await fresh.close();
    }
  });

  test('a write before migrate fails (an operator must act) and creates no dynamically mapped index', async () => {
    const fresh = openIndex();
    try {
      await assert.rejects(fresh.index.upsertProducts([product('early')]), (error: unknown) => {
        assert.ok(isPulseError(error, errorCodes.STORE_FAILED), String(error));
        return true;
      });
      assert.deepEqual(Object.keys((await admin.indices.get({ index: `${fresh.prefix}*` })).body), [], 'no index auto-created');
      await assert.rejects(fresh.index.search({ q: 'x' }), (error: unknown) => isPulseError(error, errorCodes.STORE_FAILED));
    } finally {
      await fresh.close();
    }
  });

  test('migrate refuses an index that holds the seed name but is not its alias', async () => {
    const fresh = openIndex();
    try {
      await admin.indices.create({ index: fresh.index.names.products });
      await assert.rejects(fresh.index.migrate(), (error: unknown) => {
        assert.ok(isPulseError(error, errorCodes.STORE_FAILED));
        assert.match(error.message, /is an index, not Pulse's alias/);
        return true;
      });
    } finally {
      await fresh.close();
    }
  });

  test('a document the mapping refuses fails the write as rejected, with its id and reason but not its value; the rest is written', async () => {
    const good = [product('ok-1'), product('ok-2')];
    const badDate = product('bad-date', { updated_at: 'secret-value-1' });
    const extraField = { ...product('bad-field'), colour: 'secret-value-2' } as Product;
    await assert.rejects(index.upsertProducts([good[0] as Product, badDate, extraField, good[1] as Product]), (error: unknown) => {
      assert.ok(error instanceof OpenSearchBulkError);
      assert.equal(error.code, errorCodes.STORE_REJECTED);
      assert.equal(error.retriable, false);
      assert.deepEqual(
        error.failures.map((failure) => [failure.id, failure.status, failure.kind]),
        [
          ['bad-date', 400, 'rejected'],
          ['bad-field', 400, 'rejected'],
        ],
      );
      assert.match(error.failures[0]?.reason ?? '', /mapper_parsing_exception: failed to parse field \[(updated_at|@timestamp)\]/);
      assert.match(error.failures[1]?.reason ?? '', /strict_dynamic_mapping_exception: .*\[colour\]/);
      assert.match(error.message, /2 of 4 documents not written; first: bad-date HTTP 400/);
      assert.doesNotMatch(`${error.message} ${JSON.stringify(error.failures)}`, /secret-value/);
      return true;
    });
    assert.deepEqual(await index.getProduct('ok-2'), good[1]);
    assert.equal(await index.getProduct('bad-date'), null);
    await index.deleteProducts(['ok-1', 'ok-2']);
  });

  test('a query document the mapping refuses is an error too', async () => {
    const bad = {
      id: 'q-bad',
      query: { type: 'search', data: { action: 'search', query: 'x', user_id: 'u', results: 'many' }, timestamp: 'now' },
    };
    await assert.rejects(index.indexQueries([bad as never]), (error: unknown) => isPulseError(error, errorCodes.STORE_REJECTED));
  });

  test('a write larger than one bulk request is written whole and visible when it resolves', async () => {
    const many = Array.from({ length: 1_234 }, (_, i) => product(`bulk-${i}`, { category: 'Bulk', stock: { available: 2, reserved: 0 } }));
    await index.upsertProducts(many);
    assert.equal((await index.search({ category: 'Bulk' })).total, many.length);
    assert.deepEqual(
      (await index.categoryFigures()).find((figure) => figure.category === 'Bulk'),
      { category: 'Bulk', product_count: many.length, avg_price: 100, total_available: 2 * many.length },
    );
    await index.deleteProducts(many.map((p) => p.product_id));
    assert.equal((await index.search({ category: 'Bulk' })).total, 0);
  });

  test('an unreachable node rejects within seconds, as unavailable', async () => {
    const down = createOpenSearchIndex({ node: `http://127.0.0.1:${await freePort()}` });
    try {
      const started = Date.now();
      for (const call of [() => down.ping(), () => down.upsertProducts([product('x')]), () => down.search({}), () => down.migrate()]) {
        await assert.rejects(call(), (error: unknown) => {
          assert.ok(isPulseError(error, errorCodes.STORE_UNAVAILABLE), String(error));
          assert.equal(error.retriable, true);
          return true;
        });
      }
      assert.ok(Date.now() - started < 5_000, 'fails within seconds');
    } finally {
      await down.close();
    }
  });
});

describe('opensearch search index: how writes become visible', () => {
  const modes: RefreshMode[] = ['true', 'wait_for', 'explicit'];
  const handles = new Map(modes.map((mode) => [mode, openIndex({ refresh: mode })]));

  before(async () => {
    for (const handle of handles.values()) await handle.index.migrate();
  });
  after(async () => {
    for (const handle of handles.values()) await handle.close();
  });

  test('micro-measure: batches of 500 products per refresh mode, interleaved (reported, not asserted)', async (t) => {
    const rounds = 6;
    const size = 500;
    const times = new Map(modes.map((mode) => [mode, [] as number[]]));
    for (let round = 0; round < rounds; round++) {
      // Alternate the order, so a change of load on the machine weighs on every mode alike.
      for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
        const { index } = handles.get(mode) as ReturnType<typeof openIndex>;
        const batch = Array.from({ length: size }, (_, i) => product(`m-${round}-${i}`, { description: `Описание ${i} товара` }));
        const began = process.hrtime.bigint();
        await index.upsertProducts(batch);
        times.get(mode)?.push(Number(process.hrtime.bigint() - began) / 1e6);
        // Visible as soon as the write resolved, whatever the mode.
        assert.equal(await index.countProducts(), (round + 1) * size, mode);
      }
    }
    const summary = [...times].map(([mode, ms]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
      return `${mode}: mean ${mean.toFixed(0)} ms, median ${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(0)} ms`;
    });
    t.diagnostic(`upsertProducts, ${rounds} batches of ${size} per mode on one shard: ${summary.join('; ')}`);
  });
});
