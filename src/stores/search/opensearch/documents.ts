import type { Product } from '../../../shop/product.ts';
import type { ClientQuery } from '../search-index.ts';

/** Seed 003's `filtered_products` document: the product plus `@timestamp` (its updated_at). */
export type ProductDocument = Product & { '@timestamp': string };

/** Seed 003's `client_queries` document: the query plus `@timestamp` (its timestamp). */
export type QueryDocument = ClientQuery & { '@timestamp': string };

export const productDocument = (product: Product): ProductDocument => ({ ...product, '@timestamp': product.updated_at });

export const queryDocument = (query: ClientQuery): QueryDocument => ({ ...query, '@timestamp': query.timestamp });

/** The product of a stored document (the fields the strict mapping lets in, without `@timestamp`). */
export function productOf(document: ProductDocument): Product {
  const { product_id, name, description, price, category, brand, stock, tags, updated_at } = document;
  return { product_id, name, description, price, category, brand, stock, tags, updated_at };
}

export function queryOf(document: QueryDocument): ClientQuery {
  const { type, data, timestamp } = document;
  return { type, data, timestamp };
}
