/**
 * The two indexes of seed 003 and their explicit mappings. `dynamic: strict`: a field the mapping
 * does not name is refused (the write fails as rejected) instead of being guessed into the mapping.
 *
 * Each index is created as `<name>_v1` with the alias `<name>`, and every read and write goes
 * through the alias. Writes ask `require_alias`, so a write before migrate() (or after someone
 * deleted the index) fails instead of auto-creating a dynamically mapped `<name>`, and a later
 * mapping change can be a reindex into `<name>_v2` and an alias swap.
 */

import type { API, Types } from '@opensearch-project/opensearch';

/** Bumped with every change of a mapping below; recorded in the index's `_meta`. */
export const SCHEMA_VERSION = 1;

export interface IndexNames {
  /** The alias every request uses. */
  products: string;
  queries: string;
}

export function indexNames(prefix: string): IndexNames {
  return { products: `${prefix}filtered_products`, queries: `${prefix}client_queries` };
}

/** The concrete index behind an alias. */
export const versionedName = (alias: string): string => `${alias}_v${SCHEMA_VERSION}`;

/** Single-node development and test clusters: replicas would never be assigned (a yellow index). */
const settings: Types.Indices_Common.IndexSettings = {
  number_of_shards: 1,
  number_of_replicas: 0,
  analysis: {
    normalizer: {
      /** Search texts are counted lower-cased and trimmed. */
      query_text: { type: 'custom', filter: ['lowercase', 'trim'] },
    },
  },
};

/** Standard analysis plus Russian and English stemming (`часы` finds `Умные часы`). */
const stemmedText = (extra: Record<string, Types.Common_Mapping.Property> = {}): Types.Common_Mapping.TextProperty => ({
  type: 'text',
  analyzer: 'standard',
  fields: {
    ru: { type: 'text', analyzer: 'russian' },
    en: { type: 'text', analyzer: 'english' },
    ...extra,
  },
});

const date: Types.Common_Mapping.Property = { type: 'date' };
const keyword: Types.Common_Mapping.Property = { type: 'keyword' };
const integer: Types.Common_Mapping.Property = { type: 'integer' };

export const productsMapping: Types.Common_Mapping.TypeMapping = {
  dynamic: 'strict',
  _meta: { pulse_schema: SCHEMA_VERSION },
  properties: {
    product_id: keyword,
    // name.keyword sorts the browse list; a name is at most 300 characters, below Lucene's term limit.
    name: stemmedText({ keyword: { type: 'keyword' } }),
    description: stemmedText(),
    price: {
      properties: {
        // double, not scaled_float: the average price is taken from the values as published.
        amount: { type: 'double' },
        currency: keyword,
      },
    },
    category: keyword,
    brand: keyword,
    stock: { properties: { available: integer, reserved: integer } },
    tags: keyword,
    updated_at: date,
    '@timestamp': date,
  },
};

export const queriesMapping: Types.Common_Mapping.TypeMapping = {
  dynamic: 'strict',
  _meta: { pulse_schema: SCHEMA_VERSION },
  properties: {
    type: keyword,
    data: {
      properties: {
        action: keyword,
        query: {
          type: 'text',
          // A text longer than ignore_above is stored and searchable but left out of the top lists.
          fields: { keyword: { type: 'keyword', normalizer: 'query_text', ignore_above: 1024 } },
        },
        user_id: keyword,
        category: keyword,
        brand: keyword,
        results: integer,
      },
    },
    timestamp: date,
    '@timestamp': date,
  },
};

export const indexBodies = (names: IndexNames): { alias: string; body: API.Indices_Create_RequestBody }[] => [
  { alias: names.products, body: { settings, mappings: productsMapping } },
  { alias: names.queries, body: { settings, mappings: queriesMapping } },
];
