import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Accounts } from './accounts-service.ts';
import { IssuedShare, NewSiteBody, Share, ShareParams, Site, SiteChangeBody, SiteList, SiteParams } from './auth-schemas.ts';
import { canRead } from './principal.ts';
import { errorResponses } from '../http/api-contract.ts';

/** Sites as records (key, name, allowed origins) and their share links; reading is filtered by who asks. */
export function registerSiteRoutes(app: FastifyInstance, deps: { accounts: Accounts }): void {
  const { accounts } = deps;
  app.get(
    '/api/sites',
    { schema: { description: 'The sites the caller may read, their records, and the default one.', response: { 200: SiteList } } },
    async (request) => {
      const principal = request.principal;
      const directory = accounts.sites;
      const records = accounts.listSites().filter((r) => principal === undefined || canRead(principal, r.key));
      const keys =
        directory.accepted === 'any'
          ? records.map((r) => r.key)
          : [...directory.accepted].filter((k) => principal === undefined || canRead(principal, k));
      const ordered = [...new Set([...keys, ...records.map((r) => r.key)])];
      return { sites: ordered, default: ordered[0] ?? 'demo', records };
    },
  );

  app.post<{ Body: Static<typeof NewSiteBody> }>(
    '/api/sites',
    {
      schema: {
        description: 'Adds a site (admins): Pulse collects for its key from then on; `origins` limits which pages may send its events.',
        body: NewSiteBody,
        response: { 201: Site, ...errorResponses(409) },
      },
    },
    async (request, reply) => reply.code(201).send(await accounts.addSite(request.body)),
  );

  app.patch<{ Params: Static<typeof SiteParams>; Body: Static<typeof SiteChangeBody> }>(
    '/api/sites/:key',
    {
      schema: {
        description:
          'Renames a site, or replaces its allowed origins or its shields (addresses and paths whose visits are dropped at ingest) (admins).',
        params: SiteParams,
        body: SiteChangeBody,
        response: { 200: Site, ...errorResponses(404) },
      },
    },
    async (request) => accounts.updateSite(request.params.key, request.body),
  );

  app.delete<{ Params: Static<typeof SiteParams> }>(
    '/api/sites/:key',
    {
      schema: {
        description:
          'Removes a site record (admins): its events are refused from then on; stored events stay until erased. 409 for a key of PULSE_SITES.',
        params: SiteParams,
        response: { 204: Type.Null(), ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      await accounts.removeSite(request.params.key);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: Static<typeof SiteParams> }>(
    '/api/sites/:key/shares',
    {
      schema: {
        description: 'A site’s share links (admins; their secret is never shown again).',
        params: SiteParams,
        response: { 200: Type.Object({ shares: Type.Array(Share) }), ...errorResponses(404) },
      },
    },
    async (request) => ({ shares: await accounts.listShares(request.params.key) }),
  );

  app.post<{ Params: Static<typeof SiteParams> }>(
    '/api/sites/:key/shares',
    {
      schema: {
        description:
          'Creates a public, read-only link to a site’s dashboard (admins); anyone with the link sees that site’s figures until it is revoked.',
        params: SiteParams,
        response: { 201: IssuedShare, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const { id, token } = await accounts.createShare(request.params.key);
      return reply.code(201).send({ id, siteKey: request.params.key, url: `/share/${token}` });
    },
  );

  app.delete<{ Params: Static<typeof ShareParams> }>(
    '/api/sites/:key/shares/:id',
    {
      schema: {
        description: 'Revokes a share link (admins).',
        params: ShareParams,
        response: { 204: Type.Null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await accounts.revokeShare(request.params.key, request.params.id);
      return reply.code(204).send();
    },
  );
}
