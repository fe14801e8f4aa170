import { stringify } from 'csv-stringify/sync';
import type { FastifyInstance } from 'fastify';
import type { EnrichedEvent } from '../contract/event-schema.ts';
import type { RealtimeStore } from '../workers/realtime/realtime-store.ts';
import type { Warehouse } from '../workers/warehouse/warehouse.ts';

export interface AdminDeps {
  realtime?: RealtimeStore | undefined;
  warehouses: readonly Warehouse[];
  now?: () => number;
}

/** Columns of a CSV export; `props` is kept as JSON text. */
export const exportColumns = [
  'event_id',
  'received_at',
  'ts',
  'type',
  'site',
  'user_id',
  'session_id',
  'url',
  'host',
  'path',
  'title',
  'referrer',
  'referrer_host',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'browser',
  'browser_version',
  'os',
  'device',
  'is_bot',
  'ip',
  'duration',
  'name',
  'selector',
  'text',
  'form_id',
  'form_name',
  'x',
  'y',
  'props',
] as const;

export function csvRows(events: readonly EnrichedEvent[]): string {
  return stringify(
    events.map((event) => {
      const fields = event as unknown as Record<string, unknown>;
      return exportColumns.map((column) => {
        const value = fields[column];
        if (value === undefined || value === null) return '';
        return typeof value === 'object' ? JSON.stringify(value) : String(value);
      });
    }),
  );
}

const site = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' } as const;

/** Operations on stored data: counts, export, and erasing one visitor everywhere (GDPR). */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const now = deps.now ?? Date.now;

  app.get('/api/admin/counts', { schema: { description: 'Row counts per warehouse table.' } }, async () => {
    const entries = await Promise.all(deps.warehouses.map(async (w) => [w.kind, await w.counts()] as const));
    return { warehouses: Object.fromEntries(entries) };
  });

  app.get<{ Querystring: { from?: string; to?: string; site?: string; format: 'ndjson' | 'csv' } }>(
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
            format: { type: 'string', enum: ['ndjson', 'csv'], default: 'ndjson' },
          },
        },
      },
    },
    async (request, reply) => {
      const warehouse = deps.warehouses[0];
      if (warehouse === undefined) return reply.code(503).send({ error: 'history_unavailable', message: 'no warehouse is configured' });
      const to = request.query.to === undefined ? now() : Date.parse(request.query.to);
      const from = request.query.from === undefined ? 0 : Date.parse(request.query.from);
      const csv = request.query.format === 'csv';
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        'content-type': csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
        'content-disposition': `attachment; filename="pulse-events.${csv ? 'csv' : 'ndjson'}"`,
      });
      if (csv) out.write(stringify([exportColumns as unknown as string[]]));
      try {
        for await (const page of warehouse.exportEvents({ from, to, site: request.query.site })) {
          const chunk = csv ? csvRows(page) : page.map((event) => `${JSON.stringify(event)}\n`).join('');
          if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
        }
      } catch (error) {
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
      },
    },
    async (request) => {
      const { userId } = request.params;
      const removed: Record<string, number> = {};
      if (deps.realtime !== undefined) removed['realtime'] = await deps.realtime.forgetUser(request.query.site, userId);
      for (const warehouse of deps.warehouses) removed[warehouse.kind] = await warehouse.forgetUser(request.query.site, userId);
      request.log.info({ site: request.query.site, removed }, 'visitor erased');
      return { user_id: userId, site: request.query.site, removed };
    },
  );
}
