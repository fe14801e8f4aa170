import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadSampleCatalog } from '../../src/shop/catalog/read-catalog.ts';
import type { Product } from '../../src/shop/product.ts';
import type {
  CategoryFigure,
  ClientQuery,
  FacetCount,
  IndexedQuery,
  QueryStats,
  SearchIndex,
  SearchResult,
} from '../../src/stores/search/search-index.ts';

/**
 * The SearchIndex contract, written once and run over every adapter (OpenSearch, PostgreSQL,
 * PGlite): the same products and queries must give the same answers everywhere.
 *
 * Conventions the suite checks beyond search-index.ts (every adapter must follow them):
 * - an empty or blank `q` lists products by name in code-point order (then product_id);
 * - hits of equal score come in a stable order, so consecutive pages never overlap;
 * - facets list each value with a count above zero, count descending, then value in code-point order;
 * - exact matches rank above fuzzy ones; a product whose name matches every word ranks above one
 *   matching only in its description;
 * - categoryFigures may come in any order (the suite sorts them); queryStats series buckets start at
 *   multiples of bucketMs since the epoch (the first may start before `from`);
 * - topQueries and noResults leave out empty search texts.
 *
 * `open()` gives a migrated, empty index of its own (a unique index name, schema or directory);
 * `close()` closes it and removes what it made. Each describe block opens one.
 */

// ---------------------------------------------------------------------------------------------
// The product set: 25 products, Russian and English, 8 categories, 9 brands. Words are chosen so
// that the fuzzy neighbourhood of every query below holds only the products the tests expect.
// ---------------------------------------------------------------------------------------------

const UPDATED_AT = '2025-03-01T10:00:00.000Z';

function product(
  product_id: string,
  name: string,
  description: string,
  category: string,
  brand: string,
  amount: number,
  available: number,
): Product {
  return {
    product_id,
    name,
    description,
    price: { amount, currency: 'RUB' },
    category,
    brand,
    stock: { available, reserved: available % 3 },
    tags: [category.toLowerCase()],
    updated_at: UPDATED_AT,
  };
}

const PHONES = 'Смартфоны';
const WATCHES = 'Часы';
const HEADPHONES = 'Наушники';
const SHOES = 'Обувь';
const LAPTOPS = 'Ноутбуки';
const KITCHEN = 'Кухня';
const FURNITURE = 'Мебель';
const ACCESSORIES = 'Аксессуары';

const PRODUCTS: readonly Product[] = [
  product('phone-nova', 'Смартфон Nova 12', 'Смартфон с экраном 6,5 дюйма и камерой 50 Мп. Быстрая зарядка.', PHONES, 'Orion', 24990, 12),
  product('phone-orion', 'Смартфон Orion Pro', 'Флагманский смартфон: три камеры, 256 ГБ памяти.', PHONES, 'Orion', 59990, 4),
  product('phone-lite', 'Budget Phone Lite', 'Простой и надёжный смартфон для звонков и мессенджеров.', PHONES, 'Sonic', 9990.5, 30),
  product('case-nova', 'Чехол для смартфона Nova 12', 'Силиконовый чехол защищает от царапин и ударов.', ACCESSORIES, 'Orion', 990, 100),
  product(
    'watch-pulse',
    'Умные часы Pulse Watch 2',
    'Пульсометр, шагомер и уведомления со смартфона. Работают до 7 дней.',
    WATCHES,
    'Pulse',
    12990,
    8,
  ),
  product('watch-classic', 'Классические часы Tempo', 'Механические наручные часы с кожаным ремешком.', WATCHES, 'Tempo', 18500, 3),
  product('watch-kids', 'Детские умные часы Kiddo', 'GPS-трекер и кнопка SOS для родителей.', WATCHES, 'Pulse', 5490.25, 15),
  product('strap-pulse', 'Ремешок для часов Pulse Watch', 'Силиконовый ремешок, 20 мм.', ACCESSORIES, 'Pulse', 790, 60),
  product(
    'hp-wireless',
    'Wireless Headphone X1',
    'Беспроводные наушники с шумоподавлением, до 30 часов работы.',
    HEADPHONES,
    'Sonic',
    8990,
    25,
  ),
  product('hp-sport', 'Sport Earbuds', 'Lightweight earbuds for running and workouts. Sweat resistant.', HEADPHONES, 'Sonic', 4990, 40),
  product('hp-studio', 'Studio Headphones Pro', 'Closed-back headphones for mixing and monitoring.', HEADPHONES, 'Audiolab', 15990, 7),
  product('hp-kids', 'Детские наушники', 'Ограничение громкости 85 дБ, яркий дизайн.', HEADPHONES, 'Kiddo', 1990, 20),
  product('shoe-trail', 'Trail Shoe T3', 'Built to run on rocky trails; grippy outsole.', SHOES, 'Stride', 7990, 9),
  product('shoe-city', 'Кеды City', 'Лёгкие кеды на каждый день.', SHOES, 'Stride', 3990, 14),
  product('shoe-air', 'Кроссовки Stride Air', 'Амортизация для длинных дистанций. Great for runs in the park.', SHOES, 'Stride', 6490, 11),
  product('laptop-air', 'Ноутбук Orion Air 14', 'Лёгкий ноутбук весом 1,2 кг, до 12 часов автономной работы.', LAPTOPS, 'Orion', 74990, 5),
  product('laptop-pro', 'Laptop Pro 16', 'A powerful laptop for developers: 32 GB RAM, 1 TB SSD.', LAPTOPS, 'Orion', 129990, 2),
  product('laptop-blaze', 'Игровой ноутбук Blaze', 'Видеокарта RTX, экран 165 Гц.', LAPTOPS, 'Blaze', 99990, 6),
  product('kettle-aqua', 'Электрический чайник Aqua', 'Объём 1,7 л, автоотключение.', KITCHEN, 'Homely', 2490, 35),
  product('coffee-barista', 'Кофемашина Barista', 'Готовит эспрессо и капучино за минуту.', KITCHEN, 'Homely', 34990, 4),
  product('blender-mix', 'Blender Mix 500', 'Smoothies and soups in seconds.', KITCHEN, 'Homely', 4490, 18),
  product('pan-chef', 'Сковорода Chef 28 см', 'Антипригарное покрытие, подходит для индукции.', KITCHEN, 'Homely', 2990, 22),
  product('chair-nora', 'Мягкое кресло Nora с высокой спинкой', 'Кресло для гостиной и кабинета.', FURNITURE, 'Homely', 19990, 3),
  product('desk-oak', 'Письменный стол Oak', 'Массив дуба, 120 на 60 см.', FURNITURE, 'Homely', 27990, 1),
  product('charger-65', 'Charger 65W', 'Fast charger for laptops and smartphones.', ACCESSORIES, 'Sonic', 2990, 50),
];

const byId = new Map(PRODUCTS.map((p) => [p.product_id, p]));
const get = (id: string): Product => {
  const found = byId.get(id);
  if (found === undefined) throw new Error(`no product ${id} in the suite's set`);
  return found;
};

/** What each query must find, by hand (no search logic in the suite). */
const WATCH_NAME = ['watch-pulse', 'watch-classic', 'watch-kids', 'strap-pulse']; // «часы», «часов» in the name
const WATCH_DESCRIPTION = ['hp-wireless', 'laptop-air']; // «часов» only in the description
const PHONE_NAME = ['phone-nova', 'phone-orion', 'case-nova']; // «смартфон», «смартфона» in the name
const PHONE_DESCRIPTION = ['phone-lite', 'watch-pulse']; // only in the description
const HEADPHONE_IDS = ['hp-wireless', 'hp-studio'];
const RUN_IDS = ['hp-sport', 'shoe-trail', 'shoe-air']; // running, run, runs

/** Code-point order, the order the suite expects for names and facet values. */
const codePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const byName = (products: readonly Product[]): Product[] =>
  [...products].sort((a, b) => codePoint(a.name, b.name) || codePoint(a.product_id, b.product_id));

function facet(products: readonly Product[], field: 'category' | 'brand'): FacetCount[] {
  const counts = new Map<string, number>();
  for (const p of products) counts.set(p[field], (counts.get(p[field]) ?? 0) + 1);
  return [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || codePoint(a.value, b.value));
}

/** The whole expected answer for products matching q (given by id) and the two filters. */
function expectedFacets(matching: readonly Product[], filters: { category?: string; brand?: string }): SearchResult['facets'] {
  return {
    category: facet(
      matching.filter((p) => filters.brand === undefined || p.brand === filters.brand),
      'category',
    ),
    brand: facet(
      matching.filter((p) => filters.category === undefined || p.category === filters.category),
      'brand',
    ),
  };
}

const ids = (result: SearchResult): string[] => result.hits.map((hit) => hit.product.product_id);
const sorted = (values: readonly string[]): string[] => [...values].sort(codePoint);

function assertRanksBefore(result: SearchResult, first: readonly string[], then: readonly string[]): void {
  const order = ids(result);
  const lastOfFirst = Math.max(...first.map((id) => order.indexOf(id)));
  const firstOfThen = Math.min(...then.map((id) => order.indexOf(id)));
  assert.ok(
    first.every((id) => order.includes(id)) && then.every((id) => order.includes(id)),
    `every expected product is a hit: ${order.join(', ')}`,
  );
  assert.ok(lastOfFirst < firstOfThen, `${first.join(', ')} rank above ${then.join(', ')}; got ${order.join(', ')}`);
}

// ---------------------------------------------------------------------------------------------
// The query log: 36 queries by three users, one every 17 s from LOG_BASE − 2 min.
// ---------------------------------------------------------------------------------------------

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const LOG_BASE = Date.parse('2025-03-10T12:00:00.000Z');
const USERS = ['u-anna', 'u-boris', 'u-chen'];
const TEXTS = ['Смартфон', '  смартфон ', 'SMARTPHONE', 'часы', 'Часы ', 'кофемашина', 'zzzqx', '', '   ', 'наушники', 'смартфон'];

function queryLog(): IndexedQuery[] {
  return Array.from({ length: 36 }, (_, i): IndexedQuery => {
    const user_id = USERS[i % USERS.length] as string;
    const timestamp = new Date(LOG_BASE - 2 * MINUTE + i * 17 * SECOND).toISOString();
    const id = `client-queries-${i % 2}-${i}`;
    if (i % 5 === 4) {
      return { id, query: { type: 'recommend', data: { action: 'recommend', query: '', user_id }, timestamp } };
    }
    const text = TEXTS[i % TEXTS.length] as string;
    const results = text.trim() === '' ? 25 : text === 'zzzqx' || i % 7 === 0 ? 0 : 3;
    const data: ClientQuery['data'] = { action: 'search', query: text, user_id, results };
    if (i % 3 === 0) data.category = PHONES;
    if (i % 4 === 1) data.brand = 'Orion';
    return { id, query: { type: 'search', data, timestamp } };
  });
}

/** The stats computed from the log by the definitions in search-index.ts. */
function expectedStats(log: readonly IndexedQuery[], from: number, to: number, bucketMs: number, limit: number): QueryStats {
  const inRange = log.map((q) => q.query).filter((q) => Date.parse(q.timestamp) >= from && Date.parse(q.timestamp) < to);
  const series = new Map<number, { ts: number; searches: number; recommendations: number; users: Set<string> }>();
  for (const q of inRange) {
    const t = Date.parse(q.timestamp);
    const ts = t - (((t % bucketMs) + bucketMs) % bucketMs);
    const point = series.get(ts) ?? { ts, searches: 0, recommendations: 0, users: new Set<string>() };
    if (q.type === 'search') point.searches += 1;
    else point.recommendations += 1;
    point.users.add(q.data.user_id);
    series.set(ts, point);
  }
  const top = (queries: readonly ClientQuery[]) => {
    const counts = new Map<string, number>();
    for (const q of queries) {
      const text = q.data.query.trim().toLowerCase();
      if (text !== '') counts.set(text, (counts.get(text) ?? 0) + 1);
    }
    return [...counts]
      .map(([query, count]) => ({ query, count }))
      .sort((a, b) => b.count - a.count || codePoint(a.query, b.query))
      .slice(0, limit);
  };
  const searches = inRange.filter((q) => q.type === 'search');
  return {
    searches: searches.length,
    recommendations: inRange.length - searches.length,
    users: new Set(inRange.map((q) => q.data.user_id)).size,
    series: [...series.values()]
      .sort((a, b) => a.ts - b.ts)
      .map(({ ts, searches: s, recommendations, users }) => ({ ts, searches: s, recommendations, users: users.size })),
    topQueries: top(searches),
    noResults: top(searches.filter((q) => q.data.results === 0)),
  };
}

function expectedFigures(products: readonly Product[]): CategoryFigure[] {
  const groups = new Map<string, Product[]>();
  for (const p of products) groups.set(p.category, [...(groups.get(p.category) ?? []), p]);
  return [...groups]
    .map(([category, members]) => ({
      category,
      product_count: members.length,
      // Prices carry at most 2 decimals: summed in whole cents, the mean is rounded half away from zero like SQL's round().
      avg_price: Math.round(members.reduce((sum, p) => sum + Math.round(p.price.amount * 100), 0) / members.length) / 100,
      total_available: members.reduce((sum, p) => sum + p.stock.available, 0),
    }))
    .sort((a, b) => codePoint(a.category, b.category));
}

// ---------------------------------------------------------------------------------------------

export function searchIndexSuite(name: string, open: () => Promise<{ index: SearchIndex; close(): Promise<void> }>): void {
  /** One index per describe block, holding the product set (and, for the query log, nothing else). */
  function withIndex(setup: (index: SearchIndex) => Promise<void>): () => SearchIndex {
    let handle: { index: SearchIndex; close(): Promise<void> } | undefined;
    before(async () => {
      handle = await open();
      await setup(handle.index);
    });
    after(async () => {
      await handle?.close();
    });
    return () => {
      if (handle === undefined) throw new Error('the index was not opened');
      return handle.index;
    };
  }

  describe(`${name}: full-text search`, () => {
    const index = withIndex(async (ix) => {
      await ix.migrate(); // a second migrate changes nothing
      await ix.upsertProducts(PRODUCTS);
    });

    it('answers ping and counts the products', async () => {
      await index().ping();
      assert.ok(['opensearch', 'postgres', 'pglite'].includes(index().kind));
      assert.equal(await index().countProducts(), PRODUCTS.length);
      assert.deepEqual(await index().getProduct('watch-kids'), get('watch-kids'));
      assert.equal(await index().getProduct('no-such-product'), null);
    });

    it('Russian stemming: «часы» finds «Умные часы …» and «часов» in names and descriptions, in any case', async () => {
      const expected = sorted([...WATCH_NAME, ...WATCH_DESCRIPTION]);
      for (const q of ['часы', 'Часы', 'ЧАСЫ', ' часов ']) {
        const result = await index().search({ q });
        assert.deepEqual(sorted(ids(result)), expected, `q=${JSON.stringify(q)}`);
        assert.equal(result.total, expected.length);
      }
      const hits = (await index().search({ q: 'часы' })).hits;
      assert.deepEqual(hits.find((hit) => hit.product.product_id === 'watch-pulse')?.product, get('watch-pulse'));
      assert.ok(
        hits.every((hit) => typeof hit.score === 'number' && Number.isFinite(hit.score)),
        'every hit has a finite score',
      );
    });

    it('a name match ranks above a description-only match', async () => {
      assertRanksBefore(await index().search({ q: 'часы' }), WATCH_NAME, WATCH_DESCRIPTION);
      const smartphones = await index().search({ q: 'смартфон' });
      assert.deepEqual(sorted(ids(smartphones)), sorted([...PHONE_NAME, ...PHONE_DESCRIPTION]));
      assertRanksBefore(smartphones, PHONE_NAME, PHONE_DESCRIPTION);
    });

    it('English stemming: "headphones" finds "Wireless Headphone …", "running" finds "run" and "runs"', async () => {
      assert.deepEqual(sorted(ids(await index().search({ q: 'headphones' }))), sorted(HEADPHONE_IDS));
      assert.deepEqual(sorted(ids(await index().search({ q: 'Headphone' }))), sorted(HEADPHONE_IDS));
      assert.deepEqual(sorted(ids(await index().search({ q: 'running' }))), sorted(RUN_IDS));
    });

    it('two words: products holding both rank first', async () => {
      const result = await index().search({ q: 'умные часы' });
      assert.deepEqual(sorted(ids(result).slice(0, 2)), ['watch-kids', 'watch-pulse']);
    });

    it('typo tolerance: «смартфн» finds smartphones, "headphnes" finds headphones, exact matches rank first', async () => {
      const phones = await index().search({ q: 'смартфн' });
      assert.deepEqual(sorted(ids(phones)), sorted([...PHONE_NAME, ...PHONE_DESCRIPTION]));
      assert.ok(PHONE_NAME.includes(ids(phones)[0] ?? ''), `a name match first: ${ids(phones).join(', ')}`);
      assert.deepEqual(sorted(ids(await index().search({ q: 'headphnes' }))), sorted(HEADPHONE_IDS));
      // «Nova» is in two names; «Nora» (one edit away) in another: the exact ones come first.
      const nova = await index().search({ q: 'nova' });
      assert.deepEqual(sorted(ids(nova)), ['case-nova', 'chair-nora', 'phone-nova']);
      assert.equal(ids(nova)[2], 'chair-nora');
    });

    it('query syntax characters are plain text: no error, the words still match', async () => {
      const result = await index().search({ q: `смартфон & | ! ( ) : * " ' \\ <-> -` });
      assert.deepEqual(sorted(ids(result)), sorted([...PHONE_NAME, ...PHONE_DESCRIPTION]));
      assert.equal((await index().search({ q: `' " & | !` })).total, 0, 'nothing but syntax matches nothing');
    });

    it('words with no match find nothing, with empty facets', async () => {
      const result = await index().search({ q: 'zzzqx' });
      assert.deepEqual(result, { total: 0, hits: [], facets: { category: [], brand: [] } });
    });

    it('an empty q lists every product by name, with facets over all products', async () => {
      for (const q of [undefined, '', '   ']) {
        const result = await index().search({ q, limit: 100 });
        assert.equal(result.total, PRODUCTS.length);
        assert.deepEqual(
          ids(result),
          byName(PRODUCTS).map((p) => p.product_id),
          `q=${JSON.stringify(q)}`,
        );
        assert.deepEqual(result.facets, expectedFacets(PRODUCTS, {}));
      }
      const first = await index().search({});
      assert.equal(first.hits.length, 20, 'the default limit is 20');
    });

    it('limit and offset page through the ordered hits', async () => {
      const all = byName(PRODUCTS).map((p) => p.product_id);
      const page = await index().search({ q: '', limit: 5, offset: 10 });
      assert.deepEqual(ids(page), all.slice(10, 15));
      assert.equal(page.total, PRODUCTS.length);
      assert.deepEqual(ids(await index().search({ limit: 10, offset: 20 })), all.slice(20));
      assert.deepEqual(ids(await index().search({ limit: 10, offset: 30 })), []);
      // Pages of a ranked query join up to the whole ranked list.
      const ranked = ids(await index().search({ q: 'часы' }));
      const pages: string[] = [];
      for (let offset = 0; offset < ranked.length; offset += 2) pages.push(...ids(await index().search({ q: 'часы', limit: 2, offset })));
      assert.deepEqual(pages, ranked);
    });

    it('category and brand filter by exact value', async () => {
      const watches = await index().search({ q: 'часы', category: WATCHES });
      assert.deepEqual(sorted(ids(watches)), ['watch-classic', 'watch-kids', 'watch-pulse']);
      assert.equal(watches.total, 3);
      const homely = await index().search({ brand: 'Homely', limit: 100 });
      assert.deepEqual(
        ids(homely),
        byName(PRODUCTS.filter((p) => p.brand === 'Homely')).map((p) => p.product_id),
      );
      const both = await index().search({ category: HEADPHONES, brand: 'Sonic' });
      assert.deepEqual(sorted(ids(both)), ['hp-sport', 'hp-wireless']);
      assert.equal((await index().search({ category: 'часы' })).total, 0, 'a category is matched exactly, case included');
      assert.equal((await index().search({ brand: 'orion' })).total, 0, 'a brand is matched exactly, case included');
    });

    it('facets are disjunctive: each counts the text and the other filter', async () => {
      const matching = [...WATCH_NAME, ...WATCH_DESCRIPTION].map(get);
      const noFilter = await index().search({ q: 'часы' });
      assert.deepEqual(noFilter.facets, expectedFacets(matching, {}));

      const category = await index().search({ q: 'часы', category: WATCHES });
      assert.deepEqual(category.facets, expectedFacets(matching, { category: WATCHES }));
      assert.deepEqual(
        category.facets.category,
        [
          { value: WATCHES, count: 3 },
          { value: ACCESSORIES, count: 1 },
          { value: HEADPHONES, count: 1 },
          { value: LAPTOPS, count: 1 },
        ],
        'other categories keep their counts for q while one is chosen',
      );
      assert.deepEqual(category.facets.brand, [
        { value: 'Pulse', count: 2 },
        { value: 'Tempo', count: 1 },
      ]);

      const both = await index().search({ category: HEADPHONES, brand: 'Sonic' });
      assert.equal(both.total, 2);
      assert.deepEqual(both.facets, expectedFacets(PRODUCTS, { category: HEADPHONES, brand: 'Sonic' }));
      assert.deepEqual(both.facets.brand, [
        { value: 'Sonic', count: 2 },
        { value: 'Audiolab', count: 1 },
        { value: 'Kiddo', count: 1 },
      ]);
    });

    it('category figures: count, mean price rounded to cents, stock available', async () => {
      const figures = [...(await index().categoryFigures())].sort((a, b) => codePoint(a.category, b.category));
      assert.deepEqual(figures, expectedFigures(PRODUCTS));
      assert.deepEqual(
        figures.find((f) => f.category === WATCHES),
        { category: WATCHES, product_count: 3, avg_price: 12326.75, total_available: 26 },
      );
    });
  });

  describe(`${name}: writes`, () => {
    const index = withIndex((ix) => ix.upsertProducts(PRODUCTS));

    it('upserting the same product again keeps one document', async () => {
      const kettle = get('kettle-aqua');
      await index().upsertProducts([kettle, kettle]);
      await index().upsertProducts([kettle]);
      assert.equal(await index().countProducts(), PRODUCTS.length);
      assert.deepEqual(ids(await index().search({ q: 'чайник' })), ['kettle-aqua']);
      assert.equal((await index().search({ category: KITCHEN })).total, 4);
    });

    it('a new version replaces the old one in reads, search and facets', async () => {
      const renamed: Product = {
        ...get('kettle-aqua'),
        name: 'Термопот Aqua',
        brand: 'Aquatica',
        price: { amount: 3490, currency: 'RUB' },
        updated_at: '2025-03-02T10:00:00.000Z',
      };
      await index().upsertProducts([renamed]);
      assert.deepEqual(await index().getProduct('kettle-aqua'), renamed);
      assert.deepEqual(ids(await index().search({ q: 'термопот' })), ['kettle-aqua']);
      assert.deepEqual(await index().search({ q: 'чайник' }), { total: 0, hits: [], facets: { category: [], brand: [] } });
      assert.equal((await index().search({ q: 'чайнк' })).total, 0, 'a typo of the old name finds nothing');
      const kitchen = await index().search({ category: KITCHEN });
      const now = PRODUCTS.map((p) => (p.product_id === renamed.product_id ? renamed : p));
      assert.deepEqual(kitchen.facets, expectedFacets(now, { category: KITCHEN }));
      const figures = [...(await index().categoryFigures())].sort((a, b) => codePoint(a.category, b.category));
      assert.deepEqual(figures, expectedFigures(now));
      assert.equal(await index().countProducts(), PRODUCTS.length);
    });

    it('delete removes products from search, reads, facets, figures and the count', async () => {
      await index().deleteProducts(['coffee-barista', 'chair-nora', 'no-such-product']);
      await index().deleteProducts(['coffee-barista']);
      const left = PRODUCTS.filter((p) => p.product_id !== 'coffee-barista' && p.product_id !== 'chair-nora');
      assert.equal(await index().countProducts(), left.length);
      assert.equal(await index().getProduct('coffee-barista'), null);
      assert.equal((await index().search({ q: 'кофемашина' })).total, 0);
      assert.equal((await index().search({ q: 'кофемашна' })).total, 0, 'nor by a typo');
      assert.deepEqual(sorted(ids(await index().search({ q: 'nova' }))), ['case-nova', 'phone-nova']);
      const all = await index().search({ limit: 100 });
      assert.equal(all.total, left.length);
      assert.equal(all.facets.category.find((f) => f.value === FURNITURE)?.count, 1);
      assert.equal(all.facets.brand.find((f) => f.value === 'Homely')?.count, 3, 'the kettle moved to Aquatica');
      const figures = [...(await index().categoryFigures())].map((f) => f.category);
      assert.ok(figures.includes(FURNITURE));
      await index().deleteProducts(['desk-oak']);
      assert.ok(!(await index().categoryFigures()).some((f) => f.category === FURNITURE), 'an emptied category has no figure');
      assert.ok(!(await index().search({})).facets.category.some((f) => f.value === FURNITURE), 'nor a facet');
      await index().deleteProducts([]);
    });

    it('a deleted product comes back when upserted again', async () => {
      await index().upsertProducts([get('coffee-barista')]);
      assert.deepEqual(ids(await index().search({ q: 'кофемашина' })), ['coffee-barista']);
      assert.deepEqual(await index().getProduct('coffee-barista'), get('coffee-barista'));
    });
  });

  describe(`${name}: query log`, () => {
    const log = queryLog();
    const index = withIndex(async (ix) => {
      await ix.indexQueries(log.slice(0, 20));
      await ix.indexQueries(log.slice(12)); // 12..19 twice
      await ix.indexQueries([]);
    });
    const from = LOG_BASE + 30 * SECOND; // not on a bucket boundary
    const to = LOG_BASE + 7 * MINUTE + 6 * SECOND; // the last query (at +7:55) is outside

    it('queryStats: totals, minute series, top queries, queries with no result, users', async () => {
      const stats = await index().queryStats({ from, to, bucketMs: MINUTE, limit: 3 });
      const expected = expectedStats(log, from, to, MINUTE, 3);
      assert.deepEqual(stats, expected);
      // The figures the expectation rests on, so a wrong expectation cannot hide a wrong adapter.
      assert.equal(expected.series[0]?.ts, LOG_BASE, 'the first bucket starts before `from`, on the minute');
      assert.deepEqual(expected.topQueries[0], { query: 'смартфон', count: 7 });
      assert.ok(expected.noResults.some((row) => row.query === 'zzzqx'));
      assert.ok(!expected.topQueries.some((row) => row.query === ''));
    });

    it('queryStats: default limit, other bucket widths, an empty range', async () => {
      assert.deepEqual(
        await index().queryStats({ from: LOG_BASE - HOUR, to: LOG_BASE + HOUR, bucketMs: 5 * MINUTE }),
        expectedStats(log, LOG_BASE - HOUR, LOG_BASE + HOUR, 5 * MINUTE, 10),
      );
      assert.deepEqual(await index().queryStats({ from: LOG_BASE + HOUR, to: LOG_BASE + 2 * HOUR, bucketMs: MINUTE }), {
        searches: 0,
        recommendations: 0,
        users: 0,
        series: [],
        topQueries: [],
        noResults: [],
      });
    });

    it('indexing the same queries again changes nothing', async () => {
      const first = await index().queryStats({ from: LOG_BASE - HOUR, to: LOG_BASE + HOUR, bucketMs: MINUTE });
      await index().indexQueries(log);
      await index().indexQueries(log.slice(0, 5));
      assert.deepEqual(await index().queryStats({ from: LOG_BASE - HOUR, to: LOG_BASE + HOUR, bucketMs: MINUTE }), first);
    });

    it('recentQueries: a user’s latest queries, newest first, as indexed', async () => {
      const anna = log
        .filter((q) => q.query.data.user_id === 'u-anna')
        .map((q) => q.query)
        .sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp));
      assert.deepEqual(await index().recentQueries('u-anna', 3), anna.slice(0, 3));
      assert.deepEqual(await index().recentQueries('u-anna', 100), anna);
      assert.deepEqual(await index().recentQueries('nobody', 5), []);
    });
  });
  describe(`${name}: the sample catalog`, () => {
    let catalog: Product[] = [];
    const index = withIndex(async (ix) => {
      catalog = await loadSampleCatalog();
      await ix.upsertProducts(catalog);
    });

    it('holds every product; figures per category as computed from the file', async () => {
      assert.equal(await index().countProducts(), catalog.length);
      const figures = [...(await index().categoryFigures())].sort((a, b) => codePoint(a.category, b.category));
      assert.deepEqual(figures, expectedFigures(catalog));
    });

    it('finds products by their names, in the first page of hits', async () => {
      for (const product of catalog.filter((_, i) => i % 23 === 0)) {
        const result = await index().search({ q: product.name, limit: 100 });
        assert.ok(
          result.hits.some((hit) => hit.product.product_id === product.product_id),
          `${product.product_id} found by its name`,
        );
      }
    });
  });
}
