import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../http/api-contract.ts';
import { badRequest, PulseError, errorCodes } from '../shared/errors.ts';
import type { AccountStore, SavedFunnelRecord } from '../stores/accounts/account-store.ts';
import type { FunnelCount, FunnelOrder } from '../stores/warehouse/product-analytics.ts';
import { DEFAULT_WINDOW_SECONDS, formatStep, parseSteps } from './analytics-query.ts';
import { funnelFields, funnelShape, siteParam } from './analytics-schemas.ts';

/**
 * Funnels saved with their site, so a team asks the same question again: the definition only
 * (steps, order, window, what is counted), never figures. Signed-in users and API tokens of the
 * site may list, save and delete them (access policy: `/api/funnels` is "member", scoped to the
 * `site` query parameter); share links may not.
 */

/** A saved funnel as the API shows it: steps in their text form, as `GET /api/history/funnel` takes them. */
export interface SavedFunnel {
  id: string;
  site: string;
  name: string;
  steps: string[];
  order: FunnelOrder;
  /** Seconds. */
  window: number;
  count: FunnelCount;
  createdBy: string | null;
  createdAt: string;
}

export interface NewFunnelInput {
  name: string;
  steps: readonly string[];
  order?: FunnelOrder | undefined;
  window?: number | undefined;
  count?: FunnelCount | undefined;
}

const MAX_NAME = 100;
/** Funnels one site may keep: enough for any team, bounded so a script cannot grow the table without end. */
export const MAX_FUNNELS_PER_SITE = 200;

const shown = (record: SavedFunnelRecord): SavedFunnel => ({
  id: record.id,
  site: record.siteKey,
  name: record.name,
  steps: record.steps.map(formatStep),
  order: record.order,
  window: record.windowSeconds,
  count: record.countBy,
  createdBy: record.createdBy,
  createdAt: record.createdAt,
});

function funnelName(name: string): string {
  if (name.trim() === '' || name.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(name)) {
    throw badRequest('invalid_name', `a funnel's name is 1–${MAX_NAME} printable characters`);
  }
  return name.toWellFormed();
}

export interface SavedFunnels {
  list(site: string): Promise<SavedFunnel[]>;
  save(site: string, input: NewFunnelInput, userId: string | null): Promise<SavedFunnel>;
  remove(site: string, id: string): Promise<void>;
}

export function savedFunnels(store: Pick<AccountStore, 'listFunnels' | 'addFunnel' | 'deleteFunnel'>): SavedFunnels {
  return {
    list: async (site) => (await store.listFunnels(site)).map(shown),
    async save(site, input, userId) {
      const name = funnelName(input.name);
      const steps = parseSteps(input.steps);
      if ((await store.listFunnels(site)).length >= MAX_FUNNELS_PER_SITE) {
        throw new PulseError(errorCodes.CONFLICT, `a site keeps at most ${MAX_FUNNELS_PER_SITE} funnels: delete one first`, {
          detail: 'too_many_funnels',
        });
      }
      const record = {
        id: randomUUID(),
        siteKey: site,
        name,
        steps,
        order: input.order ?? 'sequential',
        windowSeconds: input.window ?? DEFAULT_WINDOW_SECONDS,
        countBy: input.count ?? 'visitors',
      };
      const outcome = await store.addFunnel({ ...record, createdByUserId: userId });
      if (outcome === 'unknown_site') throw new PulseError(errorCodes.NOT_FOUND, `no site "${site}"`, { detail: 'unknown_site' });
      if (outcome === 'name_taken') {
        throw new PulseError(errorCodes.CONFLICT, `site "${site}" has a funnel named "${name}" already`, { detail: 'name_taken' });
      }
      const saved = (await store.listFunnels(site)).find((funnel) => funnel.id === record.id);
      if (saved === undefined) throw new PulseError(errorCodes.NOT_FOUND, 'the funnel was deleted as it was saved');
      return shown(saved);
    },
    async remove(site, id) {
      if (!(await store.deleteFunnel(site, id))) throw new PulseError(errorCodes.NOT_FOUND, `no funnel ${id} on site "${site}"`);
    },
  };
}

const savedFunnelSchema = {
  type: 'object',
  required: ['id', 'site', 'name', 'steps', 'order', 'window', 'count', 'createdBy', 'createdAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    site: { type: 'string' },
    name: { type: 'string' },
    steps: funnelShape.step,
    order: { type: 'string', enum: funnelShape.order.enum },
    window: { type: 'integer', description: 'Conversion window, seconds.' },
    count: { type: 'string', enum: funnelShape.count.enum },
    createdBy: { type: ['string', 'null'], description: 'Who saved it (null: the operator token, or a user removed since).' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

const siteQuery = { type: 'object', required: ['site'], properties: { site: siteParam } } as const;

/** GET/POST /api/funnels and DELETE /api/funnels/:id, for the site of `site=`. */
export function registerSavedFunnelRoutes(app: FastifyInstance, deps: { accounts: AccountStore }): void {
  const funnels = savedFunnels(deps.accounts);

  app.get<{ Querystring: { site: string } }>(
    '/api/funnels',
    {
      schema: {
        description: 'The funnels saved for a site, by name (signed-in users and API tokens of the site).',
        querystring: siteQuery,
        response: { 200: { type: 'object', required: ['funnels'], properties: { funnels: { type: 'array', items: savedFunnelSchema } } } },
      },
    },
    async (request) => ({ funnels: await funnels.list(request.query.site) }),
  );

  app.post<{ Querystring: { site: string }; Body: NewFunnelInput }>(
    '/api/funnels',
    {
      schema: {
        description: `Saves a funnel for a site: a name (unique in the site, 409 \`name_taken\`), its steps in the text form of GET /api/history/funnel (400 \`bad_step\`), order, window (seconds) and count. At most ${MAX_FUNNELS_PER_SITE} per site.`,
        querystring: siteQuery,
        body: {
          type: 'object',
          required: ['name', 'steps'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: MAX_NAME },
            steps: funnelShape.step,
            order: funnelFields.order,
            window: funnelFields.window,
            count: funnelFields.count,
          },
        },
        response: { 201: savedFunnelSchema, ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      const userId = principal?.kind === 'session' || principal?.kind === 'token' ? principal.user.id : null;
      return reply.code(201).send(await funnels.save(request.query.site, request.body, userId));
    },
  );

  app.delete<{ Querystring: { site: string }; Params: { id: string } }>(
    '/api/funnels/:id',
    {
      schema: {
        description: 'Deletes a saved funnel of the site.',
        querystring: siteQuery,
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
        response: { 204: { description: 'Deleted.', type: 'null' }, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await funnels.remove(request.query.site, request.params.id);
      return reply.code(204).send();
    },
  );
}
