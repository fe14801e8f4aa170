/**
 * What the search benchmark indexes and asks: a larger catalog made from the sample catalog (every
 * sample product offered by several sellers, each offer with a model code of its own), and a
 * deterministic mix of shopper queries (Russian and English words, inflected forms, typos, two-word
 * queries, filtered queries and facet browsing with no text).
 */
import { deriveSeed, intBetween, random, weightedIndex, type Random } from '../src/generator/prng.ts';
import type { Product } from '../src/shop/product.ts';
import type { SearchRequest } from '../src/stores/search/search-index.ts';

const SEED = 3;

const russianSellers = ['ТехноМир', 'Маркет Плюс', 'ДомТорг', 'Гранд Опт', 'Северный склад', 'Байкал Трейд'];
const englishSellers = ['Northline Trade', 'Aurora Retail', 'Baikal Goods', 'City Shop', 'Volga Direct', 'Prime Outlet'];
const codeLetters = 'ABCDEFGHKLMNPRSTVX';

const isRussian = (text: string): boolean => /[а-яё]/i.test(text);

/**
 * `count` products from `sample`: offer k of sample product i has the id `<id>-s<k>`, the sample's
 * name followed by a model code (`Умные часы Nova Lite KM-4821`), the sample's description followed
 * by its seller (`Продавец: ТехноМир.` or `Sold by City Shop.`, in the description's language), and
 * a price and stock of its own. The same count always gives the same products.
 */
export function expandCatalog(sample: readonly Product[], count: number): Product[] {
  if (sample.length === 0) throw new Error('the sample catalog is empty');
  const rand = random(deriveSeed(SEED, 'catalog'));
  const products: Product[] = [];
  for (let n = 0; n < count; n += 1) {
    const base = sample[n % sample.length] as Product;
    const offer = Math.floor(n / sample.length);
    const letter = (): string => codeLetters[intBetween(rand, 0, codeLetters.length - 1)] as string;
    const code = `${letter()}${letter()}-${intBetween(rand, 1000, 9999)}`;
    const russian = isRussian(base.description);
    const sellers = russian ? russianSellers : englishSellers;
    const seller = sellers[intBetween(rand, 0, sellers.length - 1)] as string;
    const sellerLine = russian ? `Продавец: ${seller}.` : `Sold by ${seller}.`;
    products.push({
      ...base,
      product_id: `${base.product_id}-s${offer}`,
      name: `${base.name} ${code}`,
      description: `${base.description} ${sellerLine}`.trim(),
      price: { ...base.price, amount: Math.round(base.price.amount * (0.85 + rand() * 0.3) * 100) / 100 },
      stock: { available: intBetween(rand, 0, 500), reserved: intBetween(rand, 0, 30) },
    });
  }
  return products;
}

export interface MixQuery {
  kind: QueryKind;
  request: SearchRequest;
}

export type QueryKind = 'word (ru)' | 'word (en)' | 'inflected form' | 'typo' | 'two words' | 'text + filter' | 'no text, facets';

const text = (q: string): SearchRequest => ({ q });

/** Every query of the mix, by kind, with the kind's share of the traffic. */
export const queryKinds: readonly { kind: QueryKind; weight: number; requests: readonly SearchRequest[] }[] = [
  {
    kind: 'word (ru)',
    weight: 15,
    requests: ['часы', 'наушники', 'смартфон', 'ноутбук', 'кроссовки', 'палатка', 'термос', 'аккумулятор'].map(text),
  },
  {
    kind: 'word (en)',
    weight: 15,
    requests: ['headphones', 'laptop', 'smartphone', 'waterproof', 'backpack', 'kettle', 'battery', 'fingerprint'].map(text),
  },
  {
    kind: 'inflected form',
    weight: 15,
    requests: ['часов', 'смартфона', 'наушниками', 'ноутбуков', 'палатки', 'шумоподавлением', 'laptops', 'kettles'].map(text),
  },
  { kind: 'typo', weight: 15, requests: ['смартфн', 'headphnes', 'наушнеки', 'laptpo', 'кросовки', 'smatrphone'].map(text) },
  {
    kind: 'two words',
    weight: 15,
    requests: ['умные часы', 'wireless headphones', 'беспроводные наушники', 'зимние ботинки', 'robot vacuum', 'чехол смартфона'].map(text),
  },
  {
    kind: 'text + filter',
    weight: 15,
    requests: [
      { q: 'смартфон', category: 'Смартфоны' },
      { q: 'часы', brand: 'Nova' },
      { q: 'headphones', category: 'Электроника' },
      { q: 'laptop', brand: 'Vektor' },
      { q: 'ботинки', category: 'Обувь', brand: 'Sokol' },
    ],
  },
  {
    kind: 'no text, facets',
    weight: 10,
    requests: [{}, { category: 'Книги' }, { brand: 'Arctica' }, { category: 'Ноутбуки', brand: 'Nova' }, { category: 'Обувь', offset: 20 }],
  },
];

/** Every distinct query of the mix once, kind by kind. */
export function distinctQueries(): MixQuery[] {
  return queryKinds.flatMap(({ kind, requests }) => requests.map((request) => ({ kind, request })));
}

/** `count` queries drawn from the mix by the kinds' weights; the same count always gives the same sequence. */
export function queryMix(count: number, stream = 'mix'): MixQuery[] {
  const rand: Random = random(deriveSeed(SEED, stream));
  const weights = queryKinds.map((k) => k.weight);
  return Array.from({ length: count }, () => {
    const { kind, requests } = queryKinds[weightedIndex(rand, weights)] as (typeof queryKinds)[number];
    return { kind, request: requests[intBetween(rand, 0, requests.length - 1)] as SearchRequest };
  });
}

/** How many products hold each word (lower-cased, letters only, 3 or more) in their name or description, most first. */
export function wordFrequencies(products: readonly Product[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const product of products) {
    const words = new Set(
      `${product.name} ${product.description}`
        .toLowerCase()
        .replaceAll('ё', 'е')
        .split(/[^\p{L}]+/u),
    );
    for (const word of words) if ([...word].length >= 3) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}
