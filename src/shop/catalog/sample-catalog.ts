import { deriveSeed, intBetween, random, type Random } from '../../generator/prng.ts';
import type { Product } from '../product.ts';
import type { CategoryBlock, ItemTemplate } from './template.ts';
import { appliances, electronics } from './templates-appliances.ts';
import { banDemo } from './templates-ban-demo.ts';
import { beauty, groceries, kids } from './templates-family.ts';
import { laptops, smartphones, wearables } from './templates-gadgets.ts';
import { automotive, books, homeAndGarden } from './templates-home.ts';
import { clothing, footwear, sports } from './templates-outdoor.ts';

/** Seed 003 of the product: the shop emulator's demo. */
export const sampleCatalogSeed = 3;

export const sampleCatalogBlocks: readonly CategoryBlock[] = [
  smartphones,
  wearables,
  laptops,
  electronics,
  appliances,
  clothing,
  footwear,
  books,
  sports,
  homeAndGarden,
  beauty,
  kids,
  groceries,
  automotive,
  ...banDemo,
];

// Fixed dates, so rebuilding the file changes nothing unless the recipes do.
const firstUpdate = Date.UTC(2025, 8, 1);
const updateWindowMinutes = 60 * 24 * 60;
const outOfStockShare = 0.08;

type Parts = { brand: string; model: string; variant: string };
type Draft = Omit<Product, 'product_id'>;

function pick<T>(list: readonly T[], rand: Random): T {
  const item = list[Math.floor(rand() * list.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

function shuffle<T>(list: T[], rand: Random): T[] {
  for (let i = list.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rand() * (i + 1));
    [list[i], list[j]] = [list[j] as T, list[i] as T];
  }
  return list;
}

const fill = (text: string, parts: Parts): string =>
  text.replaceAll('{brand}', parts.brand).replaceAll('{model}', parts.model).replaceAll('{variant}', parts.variant);

/** Every brand × model × variant the name can take; a placeholder without its list is a recipe bug. */
function combinations(item: ItemTemplate, blockBrands: readonly string[]): Parts[] {
  const list = (placeholder: string, values: readonly string[] | undefined): readonly string[] => {
    if (!item.name.includes(`{${placeholder}}`)) return values ?? [''];
    if (values === undefined || values.length === 0) throw new Error(`"${item.name}" uses {${placeholder}} but lists none`);
    return values;
  };
  const brands = item.brands ?? blockBrands;
  return brands.flatMap((brand) =>
    list('model', item.models).flatMap((model) => list('variant', item.variants).map((variant) => ({ brand, model, variant }))),
  );
}

/** Shop-like prices: 12 990 and 499 RUB; groceries with kopecks (249.9). */
function shopPrice(item: ItemTemplate, rand: Random): number {
  const [min, max] = item.price;
  const raw = min * (max / min) ** rand(); // log-uniform: cheap models are as common as dear ones
  if (item.kopecks === true) return Math.round((Math.floor(raw) + 0.9) * 100) / 100;
  return raw >= 1000 ? Math.round(raw / 100) * 100 - 10 : Math.round(raw / 10) * 10 - 1;
}

function stock(rand: Random): Product['stock'] {
  if (rand() < outOfStockShare) return { available: 0, reserved: 0 };
  const available = intBetween(rand, 1, 500);
  return { available, reserved: intBetween(rand, 0, Math.min(available, 30)) };
}

function draftsOf(block: CategoryBlock, item: ItemTemplate, rand: Random): Draft[] {
  const names = new Set<string>();
  const chosen = shuffle(combinations(item, block.brands), rand).filter((parts) => {
    const name = fill(item.name, parts);
    if (names.has(name) || names.size === item.count) return false;
    names.add(name);
    return true;
  });
  if (chosen.length < item.count) throw new Error(`"${item.name}" gives ${chosen.length} distinct names, not ${item.count}`);
  return chosen.map((parts) => ({
    name: fill(item.name, parts),
    description: fill(pick(item.descriptions, rand), parts),
    price: { amount: shopPrice(item, rand), currency: 'RUB' },
    category: block.category,
    brand: parts.brand,
    stock: stock(rand),
    tags: [...item.tags],
    updated_at: new Date(firstUpdate + intBetween(rand, 0, updateWindowMinutes) * 60_000).toISOString(),
  }));
}

/**
 * The demo catalog, the same for the same seed. Each recipe draws from its own random stream, so
 * editing one recipe leaves the other products as they were (only their order and ids move).
 */
export function buildSampleCatalog(seed = sampleCatalogSeed): Product[] {
  const streams = new Set<string>();
  const drafts = sampleCatalogBlocks.flatMap((block) =>
    block.items.flatMap((item) => {
      const stream = `${block.category}|${item.name}|${item.models?.[0] ?? ''}`;
      if (streams.has(stream)) throw new Error(`two recipes share the stream ${stream}`);
      streams.add(stream);
      return draftsOf(block, item, random(deriveSeed(seed, stream)));
    }),
  );
  const names = new Set(drafts.map((draft) => draft.name));
  if (names.size !== drafts.length) throw new Error('two products share a name');
  return shuffle(drafts, random(deriveSeed(seed, 'order'))).map((draft, index) => ({
    product_id: `p-${String(index + 1).padStart(4, '0')}`,
    ...draft,
  }));
}
