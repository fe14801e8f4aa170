import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { errorResponses, openObjects } from '../http/api-contract.ts';
import { badRequest } from '../shared/errors.ts';
import { banKinds, type BanKind } from './ban-rules.ts';
import { ProductSchema, validateProductInput } from './product.ts';
import type { ShopService } from './shop-service.ts';
import { registerShopStream } from './shop-stream.ts';

const MINUTE = 60_000;
const userId = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[^\\s\\u0000]+$' } as const;
/** Search texts go to PostgreSQL full-text search (embedded mode), whose text cannot hold NUL. */
const NO_NUL = '^[^\\u0000]*$';

/** What a publish takes per item: a product, `tags` and `updated_at` optional (filled in); validated as documented. */
const ProductInput = Type.Composite(
  [Type.Omit(ProductSchema, ['tags', 'updated_at']), Type.Partial(Type.Pick(ProductSchema, ['tags', 'updated_at']))],
  { additionalProperties: false },
);

/** A ban value must hold more than white space (it is trimmed): one character that is none (JavaScript's `trim`). */
const NOT_ONLY_SPACE = '[^\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]';

const anyObject = { type: 'object', additionalProperties: true } as const;
const queryCounts = {
  type: 'array',
  items: {
    type: 'object',
    required: ['query', 'count'],
    properties: { query: { type: 'string' }, count: { type: 'integer', minimum: 0 } },
  },
} as const;
const facet = {
  type: 'array',
  items: {
    type: 'object',
    required: ['value', 'count'],
    properties: { value: { type: 'string' }, count: { type: 'integer', minimum: 0 } },
  },
} as const;
const banRule = {
  type: 'object',
  required: ['kind', 'value', 'created_at'],
  properties: {
    kind: { type: 'string', enum: [...banKinds] },
    value: { type: 'string' },
    reason: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
  },
} as const;
/** 200 with `body`, 503 when the bus or the search index is unavailable. */
const answers = (description: string, body: object, status = 200) => ({
  [status]: { description, ...openObjects(body) },
  ...errorResponses(503),
});

interface SearchQuery {
  q?: string;
  name?: string;
  category?: string;
  brand?: string;
  limit?: number;
  offset?: number;
  user_id?: string;
}

/**
 * The marketplace's HTTP API (seed 003's client API and shop API). Reads are public like the
 * stats API; publishing products and managing bans sit under /api/admin/ (PULSE_ADMIN_TOKEN).
 */
export function registerShopRoutes(app: FastifyInstance, shop: ShopService): void {
  registerShopStream(app, shop);
  app.get<{ Querystring: SearchQuery }>(
    '/api/shop/search',
    {
      schema: {
        tags: ['shop'],
        summary: 'Full-text search of the filtered catalog (Russian and English, typo tolerant), with category and brand facets',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            q: { type: 'string', maxLength: 200, pattern: NO_NUL, description: 'Search text; empty lists every product.' },
            name: { type: 'string', maxLength: 200, pattern: NO_NUL, description: 'Alias of q (as `pulse shop search --name`).' },
            category: { type: 'string', minLength: 1, maxLength: 100, pattern: NO_NUL },
            brand: { type: 'string', minLength: 1, maxLength: 100, pattern: NO_NUL },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
            offset: { type: 'integer', minimum: 0, maximum: 10_000, default: 0 },
            user_id: { ...userId, description: 'Who searches (recommendations use it); default anonymous.' },
          },
        },
        response: answers('The matching products of the filtered catalog, with facets.', {
          type: 'object',
          required: ['total', 'hits', 'facets'],
          properties: {
            total: { type: 'integer', minimum: 0, description: 'Products matching q and both filters.' },
            hits: { type: 'array', items: anyObject, description: 'Products with their relevance.' },
            facets: { type: 'object', required: ['category', 'brand'], properties: { category: facet, brand: facet } },
          },
        }),
      },
    },
    async (request) => {
      const { q, name, category, brand, limit, offset } = request.query;
      return shop.search({ q: q ?? name, category, brand, limit, offset, userId: request.query.user_id ?? 'anonymous' });
    },
  );

  app.get<{ Querystring: { user_id: string; limit?: number } }>(
    '/api/shop/recommendations',
    {
      schema: {
        tags: ['shop'],
        summary: "Products for a user, ranked from the categories and products of the user's searches",
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['user_id'],
          properties: { user_id: userId, limit: { type: 'integer', minimum: 1, maximum: 50, default: 10 } },
        },
        response: answers('The products, most relevant first.', {
          type: 'object',
          required: ['user_id', 'basis', 'categories', 'products'],
          properties: {
            user_id: { type: 'string' },
            basis: { type: 'string', enum: ['searches', 'top_categories'] },
            categories: { type: 'array', items: { type: 'string' } },
            products: { type: 'array', items: anyObject },
          },
        }),
      },
    },
    async (request) => shop.recommend(request.query.user_id, request.query.limit ?? 10),
  );

  app.get(
    '/api/shop/categories',
    {
      schema: {
        tags: ['shop'],
        summary: 'Per-category figures of the filtered catalog',
        response: answers('One figure per category.', {
          type: 'object',
          required: ['categories'],
          properties: {
            categories: {
              type: 'array',
              items: {
                type: 'object',
                required: ['category', 'product_count', 'avg_price', 'total_available'],
                properties: {
                  category: { type: 'string' },
                  product_count: { type: 'integer', minimum: 0 },
                  avg_price: { type: 'number' },
                  total_available: { type: 'integer' },
                },
              },
            },
          },
        }),
      },
    },
    async () => ({ categories: await shop.categories() }),
  );

  app.get<{ Querystring: { from?: string; to?: string; bucket?: 'minute' | 'hour' } }>(
    '/api/shop/stats',
    {
      schema: {
        tags: ['shop'],
        summary: 'Search statistics: queries over time, top queries, queries with no result',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'string', format: 'date-time', description: 'Default: one hour before `to`.' },
            to: { type: 'string', format: 'date-time', description: 'Default: now.' },
            bucket: { type: 'string', enum: ['minute', 'hour'], default: 'minute' },
          },
        },
        description: '`from` must be before `to` (400 `bad_range`).',
        response: answers('Query statistics of the range.', {
          type: 'object',
          required: ['from', 'to', 'bucketMs', 'searches', 'recommendations', 'users', 'series', 'topQueries', 'noResults'],
          properties: {
            from: { type: 'number' },
            to: { type: 'number' },
            bucketMs: { type: 'integer' },
            searches: { type: 'integer', minimum: 0 },
            recommendations: { type: 'integer', minimum: 0 },
            users: { type: 'integer', minimum: 0 },
            series: {
              type: 'array',
              items: {
                type: 'object',
                required: ['ts', 'searches', 'recommendations', 'users'],
                properties: {
                  ts: { type: 'number' },
                  searches: { type: 'integer' },
                  recommendations: { type: 'integer' },
                  users: { type: 'integer' },
                },
              },
            },
            topQueries: queryCounts,
            noResults: queryCounts,
          },
        }),
      },
    },
    async (request) => {
      const to = request.query.to === undefined ? Date.now() : Date.parse(request.query.to);
      const from = request.query.from === undefined ? to - 60 * MINUTE : Date.parse(request.query.from);
      if (!(from < to)) throw badRequest('bad_range', '`from` must be before `to`');
      const bucketMs = request.query.bucket === 'hour' ? 60 * MINUTE : MINUTE;
      return { from, to, bucketMs, ...(await shop.stats({ from, to, bucketMs, limit: 10 })) };
    },
  );

  app.post<{ Body: unknown[] }>(
    '/api/admin/shop/products',
    {
      schema: {
        tags: ['shop'],
        summary: 'Publish products to the `products` topic, keyed by product id (all or none: every item is validated first)',
        body: { type: 'array', minItems: 1, maxItems: 5000, items: ProductInput },
        response: answers('How many products were published.', {
          type: 'object',
          required: ['published'],
          properties: { published: { type: 'integer', minimum: 0 } },
        }),
      },
      bodyLimit: 16 * 1024 * 1024,
    },
    async (request) => {
      const now = new Date();
      const checked = request.body.map((item) => validateProductInput(item, now));
      const errors = checked.flatMap((outcome, i) => (outcome.kind === 'ok' ? [] : [`item ${i}: ${outcome.reason}`]));
      if (errors.length > 0) throw badRequest('invalid_products', errors.slice(0, 20).join('; '));
      const products = checked.flatMap((outcome) => (outcome.kind === 'ok' ? [outcome.value] : []));
      return { published: await shop.publishProducts(products) };
    },
  );

  const banParams = {
    type: 'object',
    required: ['kind', 'value'],
    properties: {
      kind: { type: 'string', enum: [...banKinds] },
      value: { type: 'string', minLength: 1, maxLength: 200, pattern: NOT_ONLY_SPACE, description: 'Trimmed; not only white space.' },
    },
  } as const;

  app.get(
    '/api/admin/shop/bans',
    {
      schema: {
        tags: ['shop'],
        summary: 'The ban list (from the compacted banned-products topic)',
        response: answers('The bans in force.', {
          type: 'object',
          required: ['bans'],
          properties: { bans: { type: 'array', items: banRule } },
        }),
      },
    },
    async () => ({ bans: await shop.bans() }),
  );

  app.post<{ Body: { kind: BanKind; value: string; reason?: string } }>(
    '/api/admin/shop/bans',
    {
      schema: {
        tags: ['shop'],
        summary: 'Ban products by id, brand, or a name pattern (`*` wildcards); banned products are withdrawn',
        body: {
          ...banParams,
          additionalProperties: false,
          properties: { ...banParams.properties, reason: { type: 'string', maxLength: 500 } },
        },
        response: answers('The ban, in force now.', { type: 'object', required: ['ban'], properties: { ban: banRule } }, 201),
      },
    },
    async (request, reply) => {
      const rule = await shop.ban(request.body.kind, request.body.value, request.body.reason);
      return reply.code(201).send({ ban: rule });
    },
  );

  app.delete<{ Params: { kind: BanKind; value: string } }>(
    '/api/admin/shop/bans/:kind/:value',
    {
      schema: {
        tags: ['shop'],
        summary: 'Lift a ban; the next version of its products passes',
        params: banParams,
        response: answers('Whether there was such a ban.', {
          type: 'object',
          required: ['lifted'],
          properties: { lifted: { type: 'boolean' } },
        }),
      },
    },
    async (request) => ({ lifted: await shop.unban(request.params.kind, request.params.value) }),
  );
}
