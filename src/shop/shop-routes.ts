import type { FastifyInstance } from 'fastify';
import { badRequest } from '../shared/errors.ts';
import { banKinds, type BanKind } from './ban-rules.ts';
import { validateProductInput } from './product.ts';
import type { ShopService } from './shop-service.ts';
import { registerShopStream } from './shop-stream.ts';

const MINUTE = 60_000;
const userId = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[^\\s]+$' } as const;

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
            q: { type: 'string', maxLength: 200, description: 'Search text; empty lists every product.' },
            name: { type: 'string', maxLength: 200, description: 'Alias of q (the seed CLI’s --name).' },
            category: { type: 'string', minLength: 1, maxLength: 100 },
            brand: { type: 'string', minLength: 1, maxLength: 100 },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
            offset: { type: 'integer', minimum: 0, maximum: 10_000, default: 0 },
            user_id: { ...userId, description: 'Who searches (recommendations use it); default anonymous.' },
          },
        },
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
      },
    },
    async (request) => shop.recommend(request.query.user_id, request.query.limit ?? 10),
  );

  app.get('/api/shop/categories', { schema: { tags: ['shop'], summary: 'Per-category figures of the filtered catalog' } }, async () => ({
    categories: await shop.categories(),
  }));

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
        body: { type: 'array', minItems: 1, maxItems: 5000, items: { type: 'object' } },
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
    properties: { kind: { type: 'string', enum: [...banKinds] }, value: { type: 'string', minLength: 1, maxLength: 200 } },
  } as const;

  app.get(
    '/api/admin/shop/bans',
    { schema: { tags: ['shop'], summary: 'The ban list (from the compacted banned-products topic)' } },
    async () => ({
      bans: await shop.bans(),
    }),
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
      },
    },
    async (request, reply) => {
      const rule = await shop.ban(request.body.kind, request.body.value, request.body.reason);
      return reply.code(201).send({ ban: rule });
    },
  );

  app.delete<{ Params: { kind: BanKind; value: string } }>(
    '/api/admin/shop/bans/:kind/:value',
    { schema: { tags: ['shop'], summary: 'Lift a ban; the next version of its products passes', params: banParams } },
    async (request) => ({ lifted: await shop.unban(request.params.kind, request.params.value) }),
  );
}
