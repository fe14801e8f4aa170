import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as Web from '../../../src/dashboard/web/src/shop-types.ts';
import type { Product } from '../../../src/shop/product.ts';
import type { ShopStreamUpdate } from '../../../src/shop/shop-stream.ts';
import type { CategoryFigure, QueryStats, SearchResult } from '../../../src/stores/search/search-index.ts';

/**
 * The Shop view keeps its own copy of the shop API's types (the browser
 * build cannot import server modules). These assignments only compile while
 * every server shape still fits the dashboard's, so `tsc` fails on a drift.
 */
type Fits<Server, Client> = [Server] extends [Client] ? true : false;
/** GET /api/shop/stats answers the range and bucket with the index's figures. */
type StatsAnswer = QueryStats & { from: number; to: number; bucketMs: number };
const checks: {
  category: Fits<CategoryFigure, Web.ShopCategory>;
  stats: Fits<StatsAnswer, Web.ShopStats>;
  stream: Fits<ShopStreamUpdate, Web.ShopUpdate>;
  product: Fits<Product, Web.ShopProduct>;
  search: Fits<SearchResult, Web.ShopSearchResult>;
} = { category: true, stats: true, stream: true, product: true, search: true };

test("the server's shop types fit the Shop view's copies (checked by tsc)", () => {
  assert.ok(Object.values(checks).every(Boolean));
});
