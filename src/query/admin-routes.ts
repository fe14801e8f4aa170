import type { FastifyInstance } from 'fastify';
import { siteKeySource } from '../contract/site-key.ts';
import { countRows, exportFormats, exportText, forgetVisitor, type ExportFormat, type StoredData } from './admin-operations.ts';
import { errorResponses, openObjects } from '../http/api-contract.ts';
import { requireWarehouse } from './history-routes.ts';

export interface AdminDeps extends StoredData {
  now?: () => number;
}

const site = { type: 'string', pattern: `^${siteKeySource}$` } as const;

/** Operations on stored data over HTTP: counts, export, and erasing one visitor everywhere (GDPR). */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const now = deps.now ?? Date.now;

  app.get(
    '/api/admin/counts',
    {
      schema: {
        description: 'Row counts per warehouse table.',
        response: {
          200: {
            description: 'Per warehouse kind (`postgres`, `clickhouse`), the rows of each table.',
            type: 'object',
            required: ['warehouses'],
            properties: {
              warehouses: {
                type: 'object',
                additionalProperties: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
              },
            },
          },
          ...errorResponses(503),
        },
      },
    },
    async () => ({ warehouses: await countRows(deps) }),
  );

  app.get<{ Querystring: { from?: string; to?: string; site?: string; format: ExportFormat } }>(
    '/api/admin/export',
    {
      schema: {
        description: 'Stored events of a time range, oldest first, as NDJSON or CSV (a header line first).',
        querystring: {
          type: 'object',
          properties: {
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
            site,
            format: { type: 'string', enum: [...exportFormats], default: 'ndjson' },
          },
        },
        response: {
          200: {
            description: 'The events, one JSON object a line (NDJSON) or CSV with a header line; a download (`content-disposition`).',
            content: { 'application/x-ndjson': { schema: { type: 'string' } }, 'text/csv': { schema: { type: 'string' } } },
          },
          ...errorResponses(503),
        },
      },
    },
    async (request, reply) => {
      const warehouse = requireWarehouse(deps.warehouses[0]);
      const to = request.query.to === undefined ? now() : Date.parse(request.query.to);
      const from = request.query.from === undefined ? 0 : Date.parse(request.query.from);
      const csv = request.query.format === 'csv';
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        'content-type': csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
        'content-disposition': `attachment; filename="pulse-events.${csv ? 'csv' : 'ndjson'}"`,
      });
      try {
        for await (const chunk of exportText(warehouse, { from, to, site: request.query.site }, request.query.format)) {
          if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
        }
      } catch (error) {
        // The status line is gone already; an export cut short ends without its last line.
        request.log.error({ err: error }, 'export failed');
      } finally {
        out.end();
      }
      return reply;
    },
  );

  app.delete<{ Params: { userId: string }; Querystring: { site: string } }>(
    '/api/admin/users/:userId',
    {
      schema: {
        description: 'Erase one visitor from every store Pulse writes (realtime and warehouses); returns what each removed.',
        params: { type: 'object', properties: { userId: { type: 'string', minLength: 1, maxLength: 128 } }, required: ['userId'] },
        querystring: { type: 'object', properties: { site }, required: ['site'] },
        response: {
          200: openObjects({
            description: 'What each store removed (keys or rows); zero where the visitor was unknown.',
            type: 'object',
            required: ['user_id', 'site', 'removed'],
            properties: {
              user_id: { type: 'string' },
              site: { type: 'string' },
              removed: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
            },
          }),
          ...errorResponses(503),
        },
      },
    },
    async (request) => {
      const { userId } = request.params;
      const removed = await forgetVisitor(deps, request.query.site, userId);
      request.log.info({ site: request.query.site, removed }, 'visitor erased');
      return { user_id: userId, site: request.query.site, removed };
    },
  );
}
