import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import postgres from 'postgres';
import { random } from '../../src/generator/prng.ts';
import type { Product } from '../../src/shop/product.ts';
import {
  connectPostgresSearchIndex,
  createPostgresSearchIndex,
  openPgliteSearchIndex,
  pgliteSearchExtensions,
} from '../../src/stores/search/postgres/index.ts';
import { warehouseOver } from '../../src/stores/warehouse/postgres/index.ts';
import { pgliteExecutor, postgresExecutor, type SqlExecutor } from '../../src/stores/warehouse/postgres/sql-executor.ts';
import { searchIndexSuite } from '../helpers/search-suite.ts';
import { postgresUrl } from '../helpers/services.ts';

/** A schema of its own per index, dropped afterwards (fuzzystrmatch lives in pulse_extensions and stays). */
const newSchema = () => `pulse_search_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

async function dropSchema(schema: string): Promise<void> {
  const sql = postgres(postgresUrl, { max: 1, onnotice: () => undefined });
  try {
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await sql.end();
  }
}

searchIndexSuite('postgres search index', async () => {
  const schema = newSchema();
  const index = connectPostgresSearchIndex({ url: postgresUrl, schema });
  await index.migrate();
  return {
    index,
    close: async () => {
      await index.close();
      await dropSchema(schema);
    },
  };
});

/** A product whose name and description draw on a small vocabulary, so products share most words. */
function wordyProduct(id: number, rand: () => number): Product {
  const vocabulary = [
    'кабель',
    'зарядка',
    'чехол',
    'экран',
    'камера',
    'батарея',
    'wireless',
    'cable',
    'screen',
    'battery',
    'ремешок',
    'корпус',
  ];
  const words = (n: number) => Array.from({ length: n }, () => vocabulary[Math.floor(rand() * vocabulary.length)] ?? 'x').join(' ');
  return {
    product_id: `w-${id}`,
    name: `${words(2)} ${id % 7}`,
    description: `${words(5)} вариант${Math.floor(rand() * 40)}`,
    price: { amount: 10, currency: 'RUB' },
    category: 'Разное',
    brand: 'Wordy',
    stock: { available: 1, reserved: 0 },
    tags: [],
    updated_at: '2025-03-01T00:00:00.000Z',
  };
}

describe('postgres search index: the typo vocabulary', () => {
  it('holds exactly the words of the stored products, with their counts, after concurrent overlapping writes', async () => {
    const schema = newSchema();
    const executor = postgresExecutor({ url: postgresUrl, schema, max: 6 });
    const index = createPostgresSearchIndex({ executor, schema });
    try {
      await index.migrate();
      const rand = random(3);
      const writers = Array.from({ length: 6 }, (_, writer) => async () => {
        for (let round = 0; round < 8; round += 1) {
          const ids = Array.from({ length: 40 }, () => Math.floor(rand() * 120));
          await index.upsertProducts(ids.map((id) => wordyProduct(id, rand)));
          if ((round + writer) % 3 === 0) await index.deleteProducts(ids.slice(0, 10).map((id) => `w-${id}`));
        }
      });
      await Promise.all(writers.map((write) => write()));
      const stored = await executor.query<{ word: string; products: number }>('SELECT word, products FROM search_words ORDER BY word');
      const expected = await executor.query<{ word: string; products: number }>(
        `SELECT word, count(*)::integer AS products FROM filtered_products, unnest(words) AS word
         WHERE char_length(word) <= 64 GROUP BY word ORDER BY word`,
      );
      assert.ok(expected.length > 20);
      assert.deepEqual(stored, expected);
      assert.ok(!stored.some((row) => row.products <= 0));
    } finally {
      await index.close();
      await dropSchema(schema);
    }
  });
});

// Embedded mode shares one PGlite between the warehouse and the search index. Starting PGlite takes
// seconds, so the suite's indexes take turns on one instance (node:test runs a file's describe
// blocks one after another): each open() migrates the search tables next to the warehouse's, and
// each close() drops them again, leaving the shared PGlite open.
let shared: Promise<SqlExecutor> | undefined;
const sharedPglite = (): Promise<SqlExecutor> =>
  (shared ??= (async () => {
    const executor = await pgliteExecutor({ extensions: pgliteSearchExtensions });
    await warehouseOver(executor, { schema: 'public' }).migrate();
    return executor;
  })());
after(async () => {
  await (await shared)?.close();
});

searchIndexSuite('pglite search index (sharing the warehouse PGlite)', async () => {
  const executor = await sharedPglite();
  const index = await openPgliteSearchIndex({ executor });
  await index.migrate();
  return {
    index,
    close: async () => {
      await index.close();
      await executor.query('SELECT 1'); // close() left the shared PGlite open
      await executor.script(`DROP TABLE filtered_products, search_words, client_queries, search_schema_migrations;
        DROP FUNCTION search_words_count();`);
    },
  };
});

describe('pglite search index on disk', () => {
  it('keeps products, words and queries across a restart; migrations are not applied again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-search-'));
    try {
      const product: Product = {
        product_id: 'disk-1',
        name: 'Смартфон Disk',
        description: 'Хранится на диске.',
        price: { amount: 100, currency: 'RUB' },
        category: 'Смартфоны',
        brand: 'Disk',
        stock: { available: 1, reserved: 0 },
        tags: [],
        updated_at: '2025-03-01T00:00:00.000Z',
      };
      const query = {
        type: 'search',
        data: { action: 'search', query: 'смартфон', user_id: 'u1', results: 1 },
        timestamp: '2025-03-01T00:00:00.000Z',
      } as const;
      const first = await openPgliteSearchIndex({ dir: join(dir, 'pglite') });
      await first.migrate();
      await first.upsertProducts([product]);
      await first.indexQueries([{ id: 'q-1', query }]);
      await first.close();

      const second = await openPgliteSearchIndex({ dir: join(dir, 'pglite') });
      try {
        await second.migrate();
        assert.equal(second.kind, 'pglite');
        assert.deepEqual(await second.getProduct('disk-1'), product);
        assert.deepEqual(
          (await second.search({ q: 'смартфн' })).hits.map((hit) => hit.product.product_id),
          ['disk-1'],
          'the typo finds the product through the stored vocabulary',
        );
        assert.deepEqual(await second.recentQueries('u1', 5), [query]);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
