import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { safeEqual } from '../http/safe-equal.ts';
import { PulseError, errorCodes } from '../shared/errors.ts';
import { accessOf, changesState } from './access-policy.ts';
import type { Accounts } from './accounts-service.ts';
import { SESSION_COOKIE, SHARE_COOKIE } from './cookies.ts';
import { canRead, type Principal } from './principal.ts';
import { errorResponse } from '../http/api-contract.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request, on routes that need someone (set by installAccess). */
    principal: Principal | undefined;
  }
}

export const CSRF_HEADER = 'x-pulse-csrf';

const unauthorized = () =>
  new PulseError(errorCodes.UNAUTHORIZED, 'sign in at /dashboard/, or send Authorization: Bearer <API token>', { detail: 'unauthorized' });
const forbidden = (message: string, detail = 'forbidden') => new PulseError(errorCodes.FORBIDDEN, message, { detail });

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null) throw new PulseError(errorCodes.UNAUTHORIZED, 'Authorization must be "Bearer <token>"', { detail: 'invalid_token' });
  return match[1];
}

/** A browser's state-changing request must come from the dashboard's own origin (login CSRF included). */
function checkOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host !== request.host) throw forbidden(`requests from ${origin} may not change this Pulse`, 'cross_origin');
}

export interface AccessOptions {
  accounts: Accounts;
  /** PULSE_METRICS_TOKEN: when set, /metrics needs it as a bearer token. */
  metricsToken?: string | undefined;
}

/**
 * Installs the access rules (access-policy.ts) on an app: finds the principal behind a request's
 * bearer token or cookies, answers 401 without one and 403 without the role, checks the CSRF
 * token of session requests that change state, and keeps each principal to the sites it may read
 * (a route's `site` query parameter; a principal limited to some sites gets its first one when it
 * names none).
 */
export async function installAccess(app: FastifyInstance, options: AccessOptions): Promise<void> {
  await app.register(cookie);
  app.decorateRequest('principal', undefined);
  const { accounts } = options;

  // The document says who may call each route: its security schemes, and the 401 / 403 it answers.
  app.addHook('onRoute', (route) => {
    const schema = (route.schema ?? {}) as { hide?: boolean; response?: Record<string, unknown>; security?: unknown };
    if (schema.hide === true) return;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map(String);
    const access = accessOf(methods[0] ?? 'GET', route.url);
    if (access === 'public' || (access === 'metrics' && options.metricsToken === undefined)) return;
    const response: Record<string, unknown> = { ...schema.response };
    response['401'] ??= errorResponse(401, 'No valid credentials: sign in (session cookie), or send `Authorization: Bearer <API token>`.');
    if (access !== 'metrics') {
      response['403'] ??= errorResponse(
        403,
        access === 'admin'
          ? 'The caller is not an admin (`admin_only`), or a signed-in change came without its CSRF token (`csrf`).'
          : 'The caller may not read this site (`site_forbidden`), a share link asked for more than figures, or a signed-in change came without its CSRF token (`csrf`).',
      );
    }
    const security =
      access === 'metrics'
        ? [{ metricsToken: [] }]
        : access === 'read'
          ? [{ bearerToken: [] }, { sessionCookie: [] }, { shareLink: [] }]
          : [{ bearerToken: [] }, { sessionCookie: [] }];
    route.schema = { ...schema, response, security };
  });

  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    if (route === undefined) return; // no such route: the 404/405 answer says so
    const access = accessOf(request.method, route);
    if (access === 'public') {
      if (changesState(request.method) && route.startsWith('/api/auth/')) checkOrigin(request);
      return;
    }
    if (access === 'metrics') {
      if (options.metricsToken === undefined) return;
      const bearer = bearerOf(request);
      if (bearer === undefined || !safeEqual(bearer, options.metricsToken)) {
        throw new PulseError(errorCodes.UNAUTHORIZED, '/metrics needs Authorization: Bearer <PULSE_METRICS_TOKEN>', {
          detail: 'unauthorized',
        });
      }
      return;
    }
    const principal = await accounts.authenticate({
      bearer: bearerOf(request),
      session: request.cookies[SESSION_COOKIE],
      share: request.cookies[SHARE_COOKIE],
    });
    if (principal === undefined) throw unauthorized();
    request.principal = principal;
    if (principal.kind === 'share' && access !== 'read') throw forbidden('a share link opens only the shared site’s figures');
    if (access === 'admin' && principal.role !== 'admin') throw forbidden('this needs an admin', 'admin_only');
    if (principal.kind === 'session' && changesState(request.method)) {
      checkOrigin(request);
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !safeEqual(sent, principal.csrf)) {
        throw forbidden(`a signed-in request that changes something needs the ${CSRF_HEADER} header (GET /api/auth/me gives it)`, 'csrf');
      }
    }
  });

  app.addHook('preValidation', async (request) => {
    const principal = request.principal;
    if (principal === undefined || principal.sites === 'all') return;
    const querystring = request.routeOptions.schema?.querystring as { properties?: Record<string, unknown> } | undefined;
    if (querystring?.properties?.['site'] === undefined) return;
    const query = request.query as Record<string, unknown>;
    const asked = query['site'];
    if (asked === undefined || asked === '') {
      const first = [...principal.sites].sort()[0];
      if (first === undefined) throw forbidden('no site is shared with this account yet: ask an admin', 'no_site');
      query['site'] = first;
      return;
    }
    if (typeof asked !== 'string' || !canRead(principal, asked))
      throw forbidden(`this account may not read site "${String(asked)}"`, 'site_forbidden');
  });
}
