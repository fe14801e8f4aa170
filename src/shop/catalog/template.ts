/**
 * The shape of the sample catalog's recipe. A block is a category with its usual brands; each item
 * is one kind of product that the builder turns into `count` products by combining a brand, a model
 * and a variant. Recipes, not a hand-written list, so 360 products stay reviewable in a few pages.
 */
export interface ItemTemplate {
  /** `{brand}`, `{model}` and `{variant}` are filled in; every placeholder used needs its list. */
  name: string;
  /** One is picked per product; `{brand}` and `{model}` are filled in here too. */
  descriptions: readonly string[];
  models?: readonly string[];
  variants?: readonly string[];
  /** Overrides the block's brands (a publisher for books, the banned brand for the demo). */
  brands?: readonly string[];
  /** Price range in RUB; the builder rounds to shop-like prices (4 990, 499, 249.9). */
  price: readonly [min: number, max: number];
  /** Groceries are priced with kopecks. */
  kopecks?: boolean;
  tags: readonly string[];
  count: number;
}

export interface CategoryBlock {
  category: string;
  brands: readonly string[];
  items: readonly ItemTemplate[];
}
